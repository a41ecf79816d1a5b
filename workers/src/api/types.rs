//! What the inspection API returns.

use serde::Serialize;
use serde_json::Value;

use crate::payload::Payload;

/// Sidekiq's dashboard numbers, with daily history (newest day first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Jobs run, failures included.
    pub processed: u64,
    /// Jobs failed.
    pub failed: u64,
    /// Jobs waiting in all queues.
    pub enqueued: u64,
    /// Scheduled jobs.
    pub scheduled_size: u64,
    /// Jobs waiting to be retried.
    pub retry_size: u64,
    /// Dead jobs.
    pub dead_size: u64,
    /// Live processes.
    pub processes_size: u64,
    /// Running jobs.
    pub workers_size: u64,
    /// Seconds the oldest job in `default` has waited.
    pub default_queue_latency: f64,
    /// One entry per day, today first.
    pub history: Vec<DayStats>,
}

/// Processed and failed counts of one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayStats {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Jobs run that day.
    pub processed: u64,
    /// Jobs failed that day.
    pub failed: u64,
}

/// A queue with its size and latency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueSummary {
    /// Its name.
    pub name: String,
    /// Jobs waiting.
    pub size: u64,
    /// Seconds the oldest job has waited (0 when empty).
    pub latency: f64,
}

/// A running job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BusyJob {
    /// The process running it.
    pub identity: String,
    /// The worker slot.
    pub tid: String,
    /// The queue it came from.
    pub queue: String,
    /// When it started, epoch seconds.
    pub run_at: i64,
    /// The job.
    #[serde(serialize_with = "serialize_payload")]
    pub payload: Payload,
}

/// A job in the schedule, retry or dead set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetJob {
    /// Its score: when it runs, is retried, or died.
    pub score: f64,
    /// The job (timestamps in seconds).
    #[serde(serialize_with = "serialize_payload")]
    pub payload: Payload,
}

fn serialize_payload<S: serde::Serializer>(p: &Payload, s: S) -> Result<S::Ok, S::Error> {
    p.as_map().serialize(s)
}

/// Which entries of a set to list. Each given field is a substring, matched ignoring case;
/// a job must match all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// In the class (or the ActiveJob `wrapped` class).
    pub class: Option<String>,
    /// In the arguments, as JSON text (`[42,"text"]`).
    pub args: Option<String>,
    /// In the error class or message.
    pub error: Option<String>,
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

impl Filter {
    pub(super) fn matches(&self, p: &Payload) -> bool {
        let class_ok = self
            .class
            .as_deref()
            .is_none_or(|c| contains(p.class(), c) || contains(p.display_class(), c));
        let args_ok = self
            .args
            .as_deref()
            .is_none_or(|needle| contains(&Value::Array(p.args().to_vec()).to_string(), needle));
        let error_ok = self.error.as_deref().is_none_or(|needle| {
            [p.error_class(), p.error_message()]
                .into_iter()
                .flatten()
                .any(|s| contains(s, needle))
        });
        class_ok && args_ok && error_ok
    }

    pub(super) fn is_empty(&self) -> bool {
        self.class.is_none() && self.args.is_none() && self.error.is_none()
    }
}

/// A page of a set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// Entries on this page.
    pub jobs: Vec<SetJob>,
    /// Entries matching the filter in the whole set.
    pub total: u64,
}
