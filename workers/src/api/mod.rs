//! The inspection API: what Sidekiq's Web UI shows, and its actions, over either store.

mod scan;
mod types;

pub use scan::{ErrorGroup, SCAN_LIMIT, edited_copy};
use serde_json::Value;
pub use types::{BusyJob, DayStats, Filter, Page, QueueSummary, SetJob, Stats};

use crate::{
    client::Client,
    clock::utc_date,
    error::Result,
    payload::Payload,
    status::JobStatus,
    store::{ProcessRecord, Signal, SortedSet},
};

/// Entries read per store call while filtering or acting on a whole set.
const PAGE: u64 = 500;

/// Reads and acts on a store the way Sidekiq's API (`Sidekiq::Stats`, `Queue`, `RetrySet`,
/// `DeadSet`, `ProcessSet`, `Workers`) does.
#[derive(Debug, Clone)]
pub struct Inspector {
    client: Client,
}

impl Inspector {
    /// An inspector on `client`'s store and clock.
    #[must_use]
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    fn now(&self) -> f64 {
        self.client.clock().now()
    }

    /// Dashboard numbers with `days` of history.
    ///
    /// # Errors
    /// The store fails.
    pub async fn stats(&self, days: u32) -> Result<Stats> {
        let store = self.client.store();
        let now = self.now();
        let dates: Vec<String> = (0..days)
            .map(|d| utc_date(now - f64::from(d) * 86_400.0))
            .collect();
        let counters = store.counters(&dates).await?;
        let queues = self.queues().await?;
        let processes = store.processes(now).await?;
        Ok(Stats {
            processed: counters.processed,
            failed: counters.failed,
            enqueued: queues.iter().map(|q| q.size).sum(),
            scheduled_size: store.set_size(SortedSet::Schedule).await?,
            retry_size: store.set_size(SortedSet::Retry).await?,
            dead_size: store.set_size(SortedSet::Dead).await?,
            processes_size: processes.len() as u64,
            workers_size: processes.iter().map(|p| p.busy).sum(),
            default_queue_latency: queues
                .iter()
                .find(|q| q.name == "default")
                .map_or(0.0, |q| q.latency),
            history: dates
                .into_iter()
                .enumerate()
                .map(|(i, date)| DayStats {
                    date,
                    processed: counters.processed_daily.get(i).copied().unwrap_or(0),
                    failed: counters.failed_daily.get(i).copied().unwrap_or(0),
                })
                .collect(),
        })
    }

    /// Queues with size and latency, by name.
    ///
    /// # Errors
    /// The store fails.
    pub async fn queues(&self) -> Result<Vec<QueueSummary>> {
        let now = self.now();
        Ok(self
            .client
            .store()
            .queues()
            .await?
            .into_iter()
            .map(|q| {
                let enqueued = q
                    .oldest
                    .as_deref()
                    .and_then(|raw| Payload::parse(raw).ok())
                    .and_then(|p| p.enqueued_at());
                QueueSummary {
                    name: q.name,
                    size: q.size,
                    latency: enqueued.map_or(0.0, |at| (now - at).max(0.0)),
                }
            })
            .collect())
    }

    /// Jobs waiting in a queue, oldest first.
    ///
    /// # Errors
    /// The store fails.
    pub async fn queue_jobs(&self, queue: &str, offset: u64, limit: u64) -> Result<Vec<Payload>> {
        let raw = self
            .client
            .store()
            .queue_range(queue, offset, limit)
            .await?;
        Ok(raw.iter().filter_map(|r| Payload::parse(r).ok()).collect())
    }

    /// Empty a queue. Returns how many jobs went.
    ///
    /// # Errors
    /// The store fails.
    pub async fn clear_queue(&self, queue: &str) -> Result<u64> {
        self.client.store().clear_queue(queue).await
    }

    /// Delete one waiting job from a queue (Sidekiq Web's "Delete" on a queue's page).
    /// Returns false if it was gone (run or deleted meanwhile).
    ///
    /// # Errors
    /// The store fails.
    pub async fn delete_from_queue(&self, queue: &str, jid: &str) -> Result<bool> {
        Ok(self
            .client
            .store()
            .take_from_queue(queue, jid)
            .await?
            .is_some())
    }

    /// Live processes.
    ///
    /// # Errors
    /// The store fails.
    pub async fn processes(&self) -> Result<Vec<ProcessRecord>> {
        self.client.store().processes(self.now()).await
    }

    /// Running jobs.
    ///
    /// # Errors
    /// The store fails.
    pub async fn busy(&self) -> Result<Vec<BusyJob>> {
        let work = self.client.store().work(self.now()).await?;
        Ok(work
            .into_iter()
            .filter_map(|w| {
                let v: Value = serde_json::from_str(&w.work).ok()?;
                let payload = match v.get("payload")? {
                    Value::String(raw) => Payload::parse(raw).ok()?,
                    other => Payload::parse(&other.to_string()).ok()?,
                };
                Some(BusyJob {
                    identity: w.identity,
                    tid: w.tid,
                    queue: v.get("queue")?.as_str()?.to_string(),
                    run_at: v.get("run_at").and_then(Value::as_i64).unwrap_or(0),
                    payload,
                })
            })
            .collect())
    }

    /// Ask a process to stop fetching (Sidekiq Web's "Quiet").
    ///
    /// # Errors
    /// The store fails.
    pub async fn quiet(&self, identity: &str) -> Result<()> {
        self.client.store().signal(identity, Signal::Quiet).await
    }

    /// Ask a process to shut down (Sidekiq Web's "Stop").
    ///
    /// # Errors
    /// The store fails.
    pub async fn stop(&self, identity: &str) -> Result<()> {
        self.client.store().signal(identity, Signal::Stop).await
    }

    /// A page of a set, filtered. Retries and scheduled jobs come soonest first, dead jobs
    /// newest first, as in Sidekiq's Web UI.
    ///
    /// # Errors
    /// The store fails.
    pub async fn list(
        &self,
        set: SortedSet,
        filter: &Filter,
        offset: u64,
        limit: u64,
    ) -> Result<Page> {
        let store = self.client.store();
        let descending = set == SortedSet::Dead;
        if filter.is_empty() {
            let total = store.set_size(set).await?;
            let rows = store.set_range(set, offset, limit, descending).await?;
            let jobs = rows
                .into_iter()
                .filter_map(|e| {
                    Some(SetJob {
                        score: e.score,
                        payload: Payload::parse(&e.raw).ok()?,
                    })
                })
                .collect();
            return Ok(Page { jobs, total });
        }
        let size = store.set_size(set).await?;
        let mut jobs = Vec::new();
        let mut total = 0;
        let mut start = 0;
        while start < size {
            for e in store.set_range(set, start, PAGE, descending).await? {
                let Ok(payload) = Payload::parse(&e.raw) else {
                    continue;
                };
                if filter.matches(&payload) {
                    if total >= offset && (jobs.len() as u64) < limit {
                        jobs.push(SetJob {
                            score: e.score,
                            payload,
                        });
                    }
                    total += 1;
                }
            }
            start += PAGE;
        }
        Ok(Page { jobs, total })
    }

    /// "Retry Now": push the job to its queue with `retry_count` one lower, as Sidekiq
    /// does, so its next failure keeps its count. Returns false if it was gone.
    ///
    /// # Errors
    /// The store fails.
    pub async fn retry_now(&self, set: SortedSet, score: f64, jid: &str) -> Result<bool> {
        let Some(raw) = self.client.store().take(set, score, jid).await? else {
            return Ok(false);
        };
        self.requeue(&raw, true).await?;
        Ok(true)
    }

    /// "Add to queue" (scheduled jobs): push it now, unchanged.
    ///
    /// # Errors
    /// The store fails.
    pub async fn add_to_queue(&self, set: SortedSet, score: f64, jid: &str) -> Result<bool> {
        let Some(raw) = self.client.store().take(set, score, jid).await? else {
            return Ok(false);
        };
        self.requeue(&raw, false).await?;
        Ok(true)
    }

    /// Delete the job.
    ///
    /// # Errors
    /// The store fails.
    pub async fn delete(&self, set: SortedSet, score: f64, jid: &str) -> Result<bool> {
        Ok(self.client.store().take(set, score, jid).await?.is_some())
    }

    /// Move the job to the dead set.
    ///
    /// # Errors
    /// The store fails.
    pub async fn kill(&self, set: SortedSet, score: f64, jid: &str) -> Result<bool> {
        let store = self.client.store();
        let Some(raw) = store.take(set, score, jid).await? else {
            return Ok(false);
        };
        let now = self.now();
        store
            .add_to_set(SortedSet::Dead, &[(now, raw)], now)
            .await?;
        Ok(true)
    }

    /// "Retry All": retry every job in the set (each as "Retry Now"). Returns how many.
    ///
    /// # Errors
    /// The store fails.
    pub async fn retry_all(&self, set: SortedSet) -> Result<u64> {
        let store = self.client.store();
        let size = store.set_size(set).await?;
        let mut done = 0;
        // Bounded: each round takes up to PAGE entries off the front of the set.
        for _ in 0..=size / PAGE {
            let entries = store.set_range(set, 0, PAGE, false).await?;
            if entries.is_empty() {
                break;
            }
            for e in entries {
                let jid = Payload::parse(&e.raw).map(|p| p.jid().to_string());
                let taken = match jid {
                    Ok(jid) => store.take(set, e.score, &jid).await?,
                    Err(_) => None,
                };
                if let Some(raw) = taken {
                    self.requeue(&raw, true).await?;
                    done += 1;
                }
            }
        }
        Ok(done)
    }

    /// "Delete All".
    ///
    /// # Errors
    /// The store fails.
    pub async fn delete_all(&self, set: SortedSet) -> Result<u64> {
        self.client.store().clear_set(set).await
    }

    /// The latest statuses of jobs about `record` (see [`Client::enqueue_for`]), newest
    /// first: pending, processing with progress, done, failed or dead.
    ///
    /// # Errors
    /// The store fails.
    pub async fn statuses(&self, record: &str, limit: u64) -> Result<Vec<JobStatus>> {
        self.client.store().statuses(record, limit).await
    }

    async fn requeue(&self, raw: &str, decrement: bool) -> Result<()> {
        let mut payload = Payload::parse(raw)?;
        if decrement && let Some(count) = payload.retry_count() {
            payload.set("retry_count", (count - 1).into());
        }
        self.client.push(vec![payload]).await
    }
}
