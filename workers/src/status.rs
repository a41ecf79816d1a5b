//! Job status for records: a job enqueued about a record (a post, an import) reports
//! pending, processing with progress, done, failed or dead, so screens can show it.

use serde::{Deserialize, Serialize};

/// How long a status is kept after its last update (seven days).
pub const STATUS_TTL_SECS: i64 = 7 * 24 * 3600;

/// Where a tracked job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Enqueued or scheduled, not started.
    Pending,
    /// Running now.
    Processing,
    /// Finished successfully.
    Done,
    /// Failed and waiting for a retry.
    Failed,
    /// Failed for the last time: in the dead set, or discarded (`retry: false`).
    Dead,
}

/// The status of one tracked job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    /// The job id.
    pub jid: String,
    /// The job class.
    pub class: String,
    /// The record it concerns, e.g. `post:42`.
    pub record: String,
    /// Where it stands.
    pub state: JobState,
    /// Progress in percent, when the job reports it.
    pub percent: Option<u8>,
    /// A short progress note from the job.
    pub message: Option<String>,
    /// The last error message.
    pub error: Option<String>,
    /// Epoch seconds of this update.
    pub updated_at: f64,
}

impl JobStatus {
    /// The status of `payload`'s job if it concerns a record (its `record` field).
    #[must_use]
    pub fn of(payload: &crate::Payload, state: JobState, now: f64) -> Option<Self> {
        let record = payload.get("record")?.as_str()?;
        Some(Self {
            jid: payload.jid().to_string(),
            class: payload.class().to_string(),
            record: record.to_string(),
            state,
            percent: None,
            message: None,
            error: None,
            updated_at: now,
        })
    }
}
