//! Sidekiq's job hash: what is written, what is accepted on read.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Sidekiq's default number of retries (`Sidekiq.options[:max_retries]`).
pub const DEFAULT_MAX_RETRIES: i64 = 25;

/// Epoch values above this are milliseconds (Sidekiq 8 and rusty-sidekiq), not seconds.
/// `1e11` seconds is the year 5138; `1e11` milliseconds is 1973.
const MILLIS_THRESHOLD: f64 = 1e11;

/// The timestamp fields normalised to float seconds on read.
const TIME_FIELDS: [&str; 4] = ["created_at", "enqueued_at", "failed_at", "retried_at"];

/// A job as Sidekiq stores it: one JSON object. Unknown fields are kept as they are, so
/// a job that passes through this runtime (retried, rescheduled, killed) keeps what other tools
/// put in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    map: Map<String, Value>,
}

/// How many times a failed job is retried, from the payload's `retry` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryPolicy {
    /// `retry: false`: a failure discards the job, it never reaches the dead set.
    Discard,
    /// `retry: N` (`true` means 25). After N retries the job goes to the dead set,
    /// unless the payload says `dead: false`.
    Count(i64),
}

impl Payload {
    /// A new Sidekiq 6/7 payload. `now` becomes `created_at` and `enqueued_at`.
    #[must_use]
    pub fn new(class: &str, queue: &str, args: Vec<Value>, retry: Value, now: f64) -> Self {
        let mut map = Map::new();
        map.insert("class".into(), Value::String(class.into()));
        map.insert("args".into(), Value::Array(args));
        map.insert("retry".into(), retry);
        map.insert("queue".into(), Value::String(queue.into()));
        map.insert("jid".into(), Value::String(new_jid()));
        map.insert("created_at".into(), float(now));
        map.insert("enqueued_at".into(), float(now));
        Self { map }
    }

    /// Parse a stored payload. Accepts Sidekiq 6/7 (float seconds), Sidekiq 8 (integer
    /// milliseconds) and rusty-sidekiq (float milliseconds) timestamps and normalises them
    /// to float seconds, the unit every Sidekiq version reads.
    ///
    /// # Errors
    /// Not JSON, not an object, or without a string `class`.
    pub fn parse(raw: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(raw)?;
        let Value::Object(mut map) = value else {
            return Err(Error::InvalidPayload("not a JSON object".into()));
        };
        if !map.get("class").is_some_and(Value::is_string) {
            return Err(Error::InvalidPayload("no class".into()));
        }
        for field in TIME_FIELDS {
            if let Some(seconds) = map.get(field).and_then(epoch_seconds) {
                map.insert(field.into(), float(seconds));
            }
        }
        Ok(Self { map })
    }

    /// The JSON text Sidekiq stores.
    #[must_use]
    pub fn to_json(&self) -> String {
        Value::Object(self.map.clone()).to_string()
    }

    /// Sidekiq's `class`: the registered job name.
    #[must_use]
    pub fn class(&self) -> &str {
        self.str_field("class").unwrap_or_default()
    }

    /// The class Sidekiq's Web UI displays: `wrapped` for ActiveJob jobs, else `class`.
    #[must_use]
    pub fn display_class(&self) -> &str {
        self.str_field("wrapped").unwrap_or_else(|| self.class())
    }

    /// The 24-hex-character job id.
    #[must_use]
    pub fn jid(&self) -> &str {
        self.str_field("jid").unwrap_or_default()
    }

    /// The queue the job belongs to (`default` when absent).
    #[must_use]
    pub fn queue(&self) -> &str {
        self.str_field("queue").unwrap_or("default")
    }

    /// The positional arguments.
    #[must_use]
    pub fn args(&self) -> &[Value] {
        match self.map.get("args") {
            Some(Value::Array(args)) => args,
            _ => &[],
        }
    }

    /// `retry_count`: absent before the first failure, 0 after it. Sidekiq's Web UI
    /// "Retry Now" decrements it, so -1 is valid.
    #[must_use]
    pub fn retry_count(&self) -> Option<i64> {
        self.map.get("retry_count").and_then(Value::as_i64)
    }

    /// The payload's retry policy, or `None` when the payload has no `retry` field.
    #[must_use]
    pub fn retry_policy(&self) -> Option<RetryPolicy> {
        match self.map.get("retry")? {
            Value::Bool(false) | Value::Null => Some(RetryPolicy::Discard),
            Value::Bool(true) => Some(RetryPolicy::Count(DEFAULT_MAX_RETRIES)),
            Value::Number(n) => Some(RetryPolicy::Count(n.as_i64().unwrap_or(0))),
            _ => Some(RetryPolicy::Count(DEFAULT_MAX_RETRIES)),
        }
    }

    /// `enqueued_at` in float seconds.
    #[must_use]
    pub fn enqueued_at(&self) -> Option<f64> {
        self.map.get("enqueued_at").and_then(Value::as_f64)
    }

    /// `created_at` in float seconds.
    #[must_use]
    pub fn created_at(&self) -> Option<f64> {
        self.map.get("created_at").and_then(Value::as_f64)
    }

    /// `error_message`, as Sidekiq stores it: the plain message.
    #[must_use]
    pub fn error_message(&self) -> Option<&str> {
        self.str_field("error_message")
    }

    /// `error_class`.
    #[must_use]
    pub fn error_class(&self) -> Option<&str> {
        self.str_field("error_class")
    }

    /// A field by name, known or not.
    #[must_use]
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.map.get(field)
    }

    /// Set a field by name.
    pub fn set(&mut self, field: &str, value: Value) {
        self.map.insert(field.into(), value);
    }

    /// Remove a field by name.
    pub fn remove(&mut self, field: &str) -> Option<Value> {
        self.map.remove(field)
    }

    /// Stamp `enqueued_at` as Sidekiq's client does when it pushes a job to a queue, and
    /// drop the `at` a scheduled job carried.
    pub fn mark_enqueued(&mut self, now: f64) {
        self.map.remove("at");
        self.map.insert("enqueued_at".into(), float(now));
    }

    /// The whole object.
    #[must_use]
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    fn str_field(&self, field: &str) -> Option<&str> {
        self.map.get(field).and_then(Value::as_str)
    }
}

/// A fresh job id: 12 random bytes as 24 lowercase hex characters, like
/// `SecureRandom.hex(12)`.
#[must_use]
pub fn new_jid() -> String {
    let bytes: [u8; 12] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Read an epoch timestamp in any unit a Sidekiq-speaking tool writes, as float seconds.
#[must_use]
pub fn epoch_seconds(value: &Value) -> Option<f64> {
    let n = value.as_f64()?;
    Some(if n.abs() > MILLIS_THRESHOLD {
        n / 1000.0
    } else {
        n
    })
}

/// A float JSON number (Ruby's `Time.now.to_f` always serialises with a fraction; so does
/// serde_json for an `f64`).
#[must_use]
pub fn float(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn new_payload_has_sidekiq_fields() {
        let p = Payload::new(
            "Hard",
            "default",
            vec![1.into()],
            true.into(),
            1_700_000_000.5,
        );
        let v: Value = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(v["class"], "Hard");
        assert_eq!(v["args"], serde_json::json!([1]));
        assert_eq!(v["queue"], "default");
        assert_eq!(v["retry"], true);
        assert!(v["created_at"].is_f64());
        assert_eq!(v["enqueued_at"].as_f64(), Some(1_700_000_000.5));
        let jid = v["jid"].as_str().unwrap();
        assert_eq!(jid.len(), 24);
        assert!(
            jid.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn reads_every_timestamp_unit_and_keeps_unknown_fields() {
        let sidekiq8 = r#"{"class":"A","args":[],"jid":"x","created_at":1700000000123,"enqueued_at":1700000000456,"bid":"b1"}"#;
        let p = Payload::parse(sidekiq8).unwrap();
        assert!((p.created_at().unwrap() - 1_700_000_000.123).abs() < 1e-6);
        assert_eq!(p.get("bid"), Some(&Value::from("b1")));
        let rusty = r#"{"class":"A","args":[],"jid":"x","enqueued_at":1700000000123.25}"#;
        let p = Payload::parse(rusty).unwrap();
        assert!((p.enqueued_at().unwrap() - 1_700_000_000.123_25).abs() < 1e-6);
        let sidekiq6 = r#"{"class":"A","args":[],"jid":"x","enqueued_at":1700000000.5}"#;
        assert_eq!(
            Payload::parse(sidekiq6).unwrap().enqueued_at(),
            Some(1_700_000_000.5)
        );
    }

    #[test]
    fn retry_policies() {
        let with = |r: &str| {
            Payload::parse(&format!(r#"{{"class":"A","retry":{r}}}"#))
                .unwrap()
                .retry_policy()
        };
        assert_eq!(with("true"), Some(RetryPolicy::Count(25)));
        assert_eq!(with("false"), Some(RetryPolicy::Discard));
        assert_eq!(with("3"), Some(RetryPolicy::Count(3)));
        assert!(Payload::parse("[1]").is_err());
        assert!(Payload::parse(r#"{"args":[]}"#).is_err());
    }
}
