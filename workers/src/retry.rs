//! What happens to a failed job: Sidekiq's `JobRetry#attempt_retry`, field for field.

use std::io::Write;

use base64::Engine;
use serde_json::Value;

use crate::{
    job::{JobError, Retry},
    payload::{DEFAULT_MAX_RETRIES, Payload, RetryPolicy, float},
    store::Outcome,
};

/// Sidekiq truncates error messages to this many characters.
const MAX_MESSAGE_CHARS: usize = 10_000;

/// Sidekiq's default backoff: `count**4 + 15 + rand(10) * (count + 1)` seconds, where
/// `jitter` is the `rand(10)` draw (0..=9).
#[must_use]
pub fn retry_delay(count: i64, jitter: u32) -> f64 {
    let count = count.max(0) as f64;
    count.powi(4) + 15.0 + f64::from(jitter) * (count + 1.0)
}

/// Update a failed job's payload as Sidekiq does and decide where it goes.
///
/// `queue` is the queue it was fetched from; `fallback` is the registered job's policy,
/// used when the payload has no `retry` field (a job from another client). A job with
/// neither is discarded, as Sidekiq's global retry handler does.
#[must_use]
pub fn fail(
    payload: &mut Payload,
    queue: &str,
    error: &JobError,
    fallback: Option<Retry>,
    now: f64,
) -> Outcome {
    let policy = payload.retry_policy().or(fallback.map(|r| match r {
        Retry::Never => RetryPolicy::Discard,
        Retry::Count(n) => RetryPolicy::Count(i64::from(n)),
    }));
    let max = match policy {
        None | Some(RetryPolicy::Discard) => return Outcome::Discard,
        Some(RetryPolicy::Count(n)) => n,
    };
    let retry_queue = payload
        .get("retry_queue")
        .and_then(Value::as_str)
        .unwrap_or(queue)
        .to_string();
    payload.set("queue", retry_queue.into());
    let message: String = error.message.chars().take(MAX_MESSAGE_CHARS).collect();
    payload.set("error_message", message.into());
    payload.set("error_class", error.class.clone().into());
    let count = match payload.retry_count() {
        Some(previous) => {
            payload.set("retried_at", float(now));
            previous + 1
        }
        None => {
            payload.set("failed_at", float(now));
            0
        }
    };
    payload.set("retry_count", count.into());
    if let Some(lines) = backtrace_lines(payload.get("backtrace"), error) {
        payload.set("error_backtrace", compress_backtrace(&lines).into());
    }
    if count < max {
        let jitter = rand::random_range(0..10u32);
        Outcome::Retry {
            at: now + retry_delay(count, jitter),
            payload: payload.to_json(),
        }
    } else if payload.get("dead") == Some(&Value::Bool(false)) {
        Outcome::Discard
    } else {
        Outcome::Dead {
            payload: payload.to_json(),
        }
    }
}

/// The retry count a payload would fall back on with `retry: true`.
#[must_use]
pub fn default_max_retries() -> i64 {
    DEFAULT_MAX_RETRIES
}

fn backtrace_lines(option: Option<&Value>, error: &JobError) -> Option<Vec<String>> {
    let mut lines = vec![format!("{}: {}", error.class, error.message)];
    lines.extend(error.backtrace.iter().cloned());
    match option? {
        Value::Bool(true) => Some(lines),
        Value::Number(n) => {
            lines.truncate(n.as_u64().unwrap_or(0) as usize);
            Some(lines)
        }
        _ => None,
    }
}

/// Sidekiq's `compress_backtrace`: JSON, zlib deflate, then Base64 with a newline every 60
/// characters (Ruby's `Base64.encode64`).
#[must_use]
pub fn compress_backtrace(lines: &[String]) -> String {
    let json = serde_json::to_vec(lines).unwrap_or_default();
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let compressed = encoder
        .write_all(&json)
        .and_then(|()| encoder.finish())
        .unwrap_or_default();
    let b64 = base64::engine::general_purpose::STANDARD.encode(compressed);
    let mut out = String::with_capacity(b64.len() + b64.len() / 60 + 1);
    for chunk in b64.as_bytes().chunks(60) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// The inverse of [`compress_backtrace`]; also accepts a plain JSON array (old Sidekiq).
#[must_use]
pub fn uncompress_backtrace(value: &Value) -> Option<Vec<String>> {
    use std::io::Read;
    if let Value::Array(_) = value {
        return serde_json::from_value(value.clone()).ok();
    }
    let text: String = value.as_str()?.split_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(&bytes[..])
        .read_to_end(&mut json)
        .ok()?;
    serde_json::from_slice(&json).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn job(retry: &str) -> Payload {
        Payload::parse(&format!(
            r#"{{"class":"A","args":[],"jid":"j","queue":"q","retry":{retry},"backtrace":true,"extra":1}}"#
        ))
        .unwrap()
    }

    #[test]
    fn first_failure_sets_failed_at_and_retry_count_zero() {
        let mut p = job("true");
        let out = fail(&mut p, "q", &JobError::msg("boom"), None, 1000.0);
        let Outcome::Retry { at, payload } = out else {
            panic!("{out:?}")
        };
        assert!((1015.0..=1024.0).contains(&at), "{at}");
        let p = Payload::parse(&payload).unwrap();
        assert_eq!(p.retry_count(), Some(0));
        assert_eq!(p.get("failed_at"), Some(&float(1000.0)));
        assert_eq!(p.get("retried_at"), None);
        assert_eq!(p.error_message(), Some("boom"));
        assert_eq!(p.error_class(), Some("RuntimeError"));
        assert_eq!(p.get("extra"), Some(&Value::from(1)));
        let bt = uncompress_backtrace(p.get("error_backtrace").unwrap()).unwrap();
        assert_eq!(bt, vec!["RuntimeError: boom".to_string()]);
    }

    #[test]
    fn minus_one_from_web_retry_becomes_zero_then_exhaustion_kills() {
        let mut p = job("2");
        p.set("retry_count", (-1).into());
        let out = fail(&mut p, "q", &JobError::msg("x"), None, 5.0);
        assert!(matches!(out, Outcome::Retry { .. }));
        assert_eq!(p.retry_count(), Some(0));
        assert!(p.get("retried_at").is_some());
        p.set("retry_count", 1.into());
        assert!(matches!(
            fail(&mut p, "q", &JobError::msg("x"), None, 6.0),
            Outcome::Dead { .. }
        ));
        let mut none = job("false");
        assert_eq!(
            fail(&mut none, "q", &JobError::msg("x"), None, 1.0),
            Outcome::Discard
        );
        let mut keep = job("0");
        keep.set("dead", false.into());
        assert_eq!(
            fail(&mut keep, "q", &JobError::msg("x"), None, 1.0),
            Outcome::Discard
        );
    }

    #[test]
    fn delay_is_sidekiqs() {
        assert_eq!(retry_delay(0, 0), 15.0);
        assert_eq!(retry_delay(3, 9), 81.0 + 15.0 + 36.0);
        assert_eq!(retry_delay(24, 0), 331_776.0 + 15.0);
    }
}
