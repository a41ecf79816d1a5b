//! Whole-set reads the Web UI needs beyond one page: finding one job, grouping failures,
//! and re-enqueueing a job with edited arguments.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::{Filter, Inspector, SetJob};
use crate::{
    error::Result,
    payload::{Payload, new_jid},
    store::SortedSet,
};

/// The most entries of a set read in one go when finding one job or grouping failures.
/// A bigger set is read only up to here, so a page never waits on a runaway set.
pub const SCAN_LIMIT: u64 = 20_000;

/// Entries read per store call while scanning.
const SCAN_PAGE: u64 = 500;

/// Fields a failed attempt leaves on a payload, dropped from a copy enqueued afresh.
const FAILURE_FIELDS: [&str; 6] = [
    "retry_count",
    "error_message",
    "error_class",
    "error_backtrace",
    "failed_at",
    "retried_at",
];

/// Failures of one error class and message, and how many jobs of a set have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorGroup {
    /// The error class.
    pub class: String,
    /// The error message (empty when the job recorded none).
    pub message: String,
    /// How many scanned jobs failed this way.
    pub count: u64,
}

impl Inspector {
    /// Every entry of `set` in listing order, up to [`SCAN_LIMIT`].
    ///
    /// # Errors
    /// The store fails.
    pub async fn scan(&self, set: SortedSet) -> Result<Vec<SetJob>> {
        let mut out = Vec::new();
        let mut offset = 0;
        while offset < SCAN_LIMIT {
            let page = self
                .list(set, &Filter::default(), offset, SCAN_PAGE)
                .await?;
            let done = page.jobs.is_empty();
            out.extend(page.jobs);
            offset += SCAN_PAGE;
            if done || offset >= page.total {
                break;
            }
        }
        Ok(out)
    }

    /// The entry of `set` with this score and jid, among the first [`SCAN_LIMIT`].
    ///
    /// # Errors
    /// The store fails.
    pub async fn find(&self, set: SortedSet, score: f64, jid: &str) -> Result<Option<SetJob>> {
        Ok(self
            .scan(set)
            .await?
            .into_iter()
            .find(|j| j.payload.jid() == jid && (j.score - score).abs() < 1e-6))
    }

    /// Failures of `set` grouped by error class and message, most frequent first (ties by
    /// class, then message). Jobs without an error class are left out.
    ///
    /// # Errors
    /// The store fails.
    pub async fn error_groups(&self, set: SortedSet) -> Result<Vec<ErrorGroup>> {
        let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
        for j in self.scan(set).await? {
            let Some(class) = j.payload.error_class() else {
                continue;
            };
            if class.is_empty() {
                continue;
            }
            let key = (
                class.to_string(),
                j.payload.error_message().unwrap_or("").to_string(),
            );
            *counts.entry(key).or_default() += 1;
        }
        let mut groups: Vec<ErrorGroup> = counts
            .into_iter()
            .map(|((class, message), count)| ErrorGroup {
                class,
                message,
                count,
            })
            .collect();
        groups.sort_by_key(|g| std::cmp::Reverse(g.count));
        Ok(groups)
    }

    /// "Retry" for one error group: every job of `set` that failed with exactly this class
    /// and message is retried now. Returns how many were.
    ///
    /// # Errors
    /// The store fails.
    pub async fn retry_error_group(
        &self,
        set: SortedSet,
        class: &str,
        message: &str,
    ) -> Result<u64> {
        let targets: Vec<(f64, String)> = self
            .scan(set)
            .await?
            .into_iter()
            .filter(|j| {
                j.payload.error_class() == Some(class)
                    && j.payload.error_message().unwrap_or("") == message
            })
            .map(|j| (j.score, j.payload.jid().to_string()))
            .collect();
        let mut done = 0;
        for (score, jid) in &targets {
            if self.retry_now(set, *score, jid).await? {
                done += 1;
            }
        }
        Ok(done)
    }

    /// "Retry with edited arguments": push a copy of `original` to its queue with `args`
    /// instead of its own, a new jid, `retried_from` naming the original, and no trace of
    /// past failures. Every other field (queue, class, retry policy, fields other tools
    /// added) is kept. The original stays where it is. Returns the copy's jid.
    ///
    /// # Errors
    /// The store fails.
    pub async fn enqueue_edited(&self, original: &Payload, args: Vec<Value>) -> Result<String> {
        let copy = edited_copy(original, args, self.now());
        let jid = copy.jid().to_string();
        self.client.push(vec![copy]).await?;
        Ok(jid)
    }
}

/// The payload [`Inspector::enqueue_edited`] pushes.
#[must_use]
pub fn edited_copy(original: &Payload, args: Vec<Value>, now: f64) -> Payload {
    let mut copy = original.clone();
    for field in FAILURE_FIELDS {
        copy.remove(field);
    }
    copy.set("jid", new_jid().into());
    copy.set("args", Value::Array(args));
    copy.set("retried_from", original.jid().into());
    copy.mark_enqueued(now);
    copy
}
