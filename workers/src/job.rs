//! The `Job` trait: typed arguments, a constant name and queue, a retry policy.

use std::{fmt, future::Future, pin::Pin, sync::Arc};

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{
    client::Client,
    error::Result,
    payload::Payload,
    status::{JobState, JobStatus},
};

/// How often a job is retried after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Never retried and never kept: a failure discards the job (`retry: false`).
    Never,
    /// Retried up to this many times, then moved to the dead set. 25 is Sidekiq's default
    /// and is written as `retry: true`.
    Count(u32),
}

impl Retry {
    /// The payload's `retry` value, as Sidekiq writes it.
    #[must_use]
    pub fn to_value(self) -> Value {
        match self {
            Self::Never => Value::Bool(false),
            Self::Count(25) => Value::Bool(true),
            Self::Count(n) => Value::from(n),
        }
    }
}

/// A unit of background work.
///
/// `perform` must be idempotent: a job runs at least once, and again after a crash that
/// interrupted it.
pub trait Job: Send + Sync + 'static {
    /// The arguments. A value that serialises to a JSON array (a tuple, a `Vec`) gives
    /// Sidekiq's positional `args`; anything else travels as the single argument.
    type Args: Serialize + DeserializeOwned + Send + 'static;
    /// Sidekiq's `class`: the name other processes know the job by.
    const CLASS: &'static str;
    /// The queue the client pushes to.
    const QUEUE: &'static str = "default";
    /// The retry policy written into each payload.
    const RETRY: Retry = Retry::Count(25);

    /// Do the work.
    ///
    /// # Errors
    /// Any error fails this run; the runtime retries or kills the job per its policy. A
    /// panic counts the same as an error.
    fn perform(
        &self,
        ctx: JobContext,
        args: Self::Args,
    ) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// What a running job knows about itself.
#[derive(Clone)]
pub struct JobContext {
    /// The payload as fetched (timestamps normalised to seconds).
    pub payload: Arc<Payload>,
    /// A client on the same store, to enqueue follow-up jobs.
    pub client: Client,
}

impl JobContext {
    /// The job id.
    #[must_use]
    pub fn jid(&self) -> &str {
        self.payload.jid()
    }

    /// `retry_count`: `None` on the first run.
    #[must_use]
    pub fn retry_count(&self) -> Option<i64> {
        self.payload.retry_count()
    }

    /// The record the job concerns (see [`Client::enqueue_for`]).
    #[must_use]
    pub fn record(&self) -> Option<&str> {
        self.payload.get("record").and_then(Value::as_str)
    }

    /// Report progress on the job's record; does nothing for a job without one.
    ///
    /// # Errors
    /// The store fails.
    pub async fn progress(&self, percent: u8, message: &str) -> Result<()> {
        let now = self.client.clock().now();
        let Some(mut status) = JobStatus::of(&self.payload, JobState::Processing, now) else {
            return Ok(());
        };
        status.percent = Some(percent.min(100));
        status.message = Some(message.to_string());
        self.client.store().put_status(&status).await
    }
}

impl fmt::Debug for JobContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobContext")
            .field("payload", &self.payload)
            .finish_non_exhaustive()
    }
}

/// Why a job failed. Sidekiq records `error_class` and the plain `error_message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    /// Shown as `error_class`.
    pub class: String,
    /// Shown as `error_message`.
    pub message: String,
    /// Lines for `error_backtrace`, written when the payload asks for a backtrace.
    pub backtrace: Vec<String>,
}

impl JobError {
    /// An error with an explicit class name.
    #[must_use]
    pub fn new(class: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            class: class.into(),
            message: message.into(),
            backtrace: Vec::new(),
        }
    }

    /// A plain failure, recorded with class `RuntimeError` as Ruby's `raise "..."` is.
    #[must_use]
    pub fn msg(message: impl Into<String>) -> Self {
        Self::new("RuntimeError", message)
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class, self.message)
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for JobError {
    fn from(error: E) -> Self {
        let full = std::any::type_name::<E>();
        let class = full.split('<').next().unwrap_or(full).rsplit("::").next();
        let mut backtrace = Vec::new();
        let mut source = error.source();
        while let Some(cause) = source {
            backtrace.push(format!("caused by: {cause}"));
            source = cause.source();
        }
        Self {
            class: class.unwrap_or(full).to_string(),
            message: error.to_string(),
            backtrace,
        }
    }
}

/// Encode typed arguments as Sidekiq's `args` array.
///
/// # Errors
/// The arguments do not serialise to JSON.
pub fn encode_args<A: Serialize>(args: &A) -> Result<Vec<Value>> {
    Ok(match serde_json::to_value(args)? {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    })
}

/// Decode Sidekiq's `args` array into typed arguments (the inverse of [`encode_args`]).
///
/// # Errors
/// The array matches neither the whole type nor, for one element, the element.
pub fn decode_args<A: DeserializeOwned>(args: &[Value]) -> Result<A> {
    let whole = serde_json::from_value(Value::Array(args.to_vec()));
    match (whole, args) {
        (Ok(value), _) => Ok(value),
        (Err(_), []) => Ok(serde_json::from_value(Value::Null)?),
        (Err(_), [single]) => Ok(serde_json::from_value(single.clone())?),
        (Err(e), _) => Err(e.into()),
    }
}

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A job with its type erased, as the registry holds it.
pub(crate) trait ErasedJob: Send + Sync {
    fn retry(&self) -> Retry;
    fn perform(&self, ctx: JobContext, args: Vec<Value>) -> BoxFuture<'_, Result<(), JobError>>;
}

pub(crate) struct Erased<J>(pub J);

impl<J: Job> ErasedJob for Erased<J> {
    fn retry(&self) -> Retry {
        J::RETRY
    }

    fn perform(&self, ctx: JobContext, args: Vec<Value>) -> BoxFuture<'_, Result<(), JobError>> {
        Box::pin(async move {
            let args: J::Args =
                decode_args(&args).map_err(|e| JobError::new("ArgumentError", e.to_string()))?;
            self.0.perform(ctx, args).await
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Mail {
        to: String,
    }

    #[test]
    fn args_round_trip() {
        let tuple = encode_args(&(1, "a")).unwrap();
        assert_eq!(tuple, vec![Value::from(1), Value::from("a")]);
        assert_eq!(
            decode_args::<(i32, String)>(&tuple).unwrap(),
            (1, "a".into())
        );
        let mail = encode_args(&Mail { to: "x".into() }).unwrap();
        assert_eq!(mail.len(), 1);
        assert_eq!(decode_args::<Mail>(&mail).unwrap().to, "x");
        assert!(encode_args(&()).unwrap().is_empty());
        decode_args::<()>(&[]).unwrap();
        assert!(decode_args::<Mail>(&[1.into(), 2.into()]).is_err());
    }

    #[test]
    fn error_class_is_the_short_type_name() {
        let e: JobError = "x".parse::<i32>().unwrap_err().into();
        assert_eq!(e.class, "ParseIntError");
        assert_eq!(Retry::Count(25).to_value(), Value::Bool(true));
        assert_eq!(Retry::Count(3).to_value(), Value::from(3));
    }
}
