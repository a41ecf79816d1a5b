//! The storage trait both backends implement, and the records they exchange.

pub mod redis;
#[cfg(feature = "sql")]
pub mod sql;

use async_trait::async_trait;
use serde_json::Value;

use crate::{error::Result, status::JobStatus};

/// Sidekiq's three sorted sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortedSet {
    /// `schedule`: jobs pushed with `enqueue_in`/`enqueue_at`, scored by run time.
    Schedule,
    /// `retry`: failed jobs, scored by their next attempt.
    Retry,
    /// `dead`: jobs out of retries, scored by the time they died.
    Dead,
}

impl SortedSet {
    /// The Redis key.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Retry => "retry",
            Self::Dead => "dead",
        }
    }
}

/// Sidekiq keeps at most this many dead jobs (`DeadSet.max_jobs`).
pub const DEAD_MAX_JOBS: i64 = 10_000;
/// Sidekiq drops dead jobs older than this (`DeadSet.timeout`, 180 days).
pub const DEAD_TIMEOUT_SECS: f64 = 180.0 * 24.0 * 3600.0;
/// Daily stat keys live five years (`STATS_TTL`).
pub const STATS_TTL_SECS: i64 = 5 * 365 * 24 * 60 * 60;
/// A process whose heartbeat is older than this is gone (the Redis key's TTL).
pub const PROCESS_TTL_SECS: i64 = 60;

/// A job taken by a worker process and not yet acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    /// The queue it was taken from.
    pub queue: String,
    /// The payload exactly as stored; Redis acknowledges by this text.
    pub raw: String,
    /// The SQL row id (0 on Redis).
    pub id: i64,
}

/// How a fetched job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It succeeded: forget it.
    Done,
    /// It failed and goes to the retry set at `at` with the updated payload.
    Retry {
        /// Epoch seconds of the next attempt.
        at: f64,
        /// The payload with `retry_count`, `error_message`... updated.
        payload: String,
    },
    /// It failed for the last time and goes to the dead set.
    Dead {
        /// The payload with the error fields updated.
        payload: String,
    },
    /// It failed with `retry: false` (or `dead: false`): forget it.
    Discard,
}

/// A fetched job and how it ended, acknowledged in batches.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The job as fetched.
    pub job: Fetched,
    /// Its end.
    pub outcome: Outcome,
}

/// Signals Sidekiq's Web UI sends to a process through `<identity>-signals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// `TSTP`: stop fetching new jobs.
    Quiet,
    /// `TERM`: shut down gracefully.
    Stop,
    /// `TTIN`: log what is running.
    Dump,
}

impl Signal {
    /// The Unix signal name Sidekiq uses.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Quiet => "TSTP",
            Self::Stop => "TERM",
            Self::Dump => "TTIN",
        }
    }

    /// Parse a signal name; `USR1` is Sidekiq 5's name for quiet.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "TSTP" | "USR1" => Some(Self::Quiet),
            "TERM" | "INT" => Some(Self::Stop),
            "TTIN" => Some(Self::Dump),
            _ => None,
        }
    }
}

/// One heartbeat: the process record, its running jobs, and the stats since the last beat.
#[derive(Debug, Clone, PartialEq)]
pub struct Heartbeat {
    /// `hostname:pid:nonce`.
    pub identity: String,
    /// The `info` JSON (hostname, started_at, pid, tag, concurrency, queues, labels, identity).
    pub info: String,
    /// Epoch seconds of this beat.
    pub beat: f64,
    /// Whether the process is quiet.
    pub quiet: bool,
    /// Resident memory in KiB.
    pub rss_kb: u64,
    /// Jobs processed since the last beat (failures included, as Sidekiq counts).
    pub processed: u64,
    /// Jobs failed since the last beat.
    pub failed: u64,
    /// Running jobs: (thread id, `{"queue","payload","run_at"}` JSON).
    pub work: Vec<(String, String)>,
}

/// A process that holds in-progress jobs, and whether its heartbeat is current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetcher {
    /// Its identity.
    pub identity: String,
    /// True while its heartbeat record has not expired.
    pub alive: bool,
}

/// An entry of a sorted set.
#[derive(Debug, Clone, PartialEq)]
pub struct SetEntry {
    /// The score: run time, retry time or death time.
    pub score: f64,
    /// The payload as stored.
    pub raw: String,
    /// The SQL row id (0 on Redis).
    pub id: i64,
}

/// A due entry on its way from a sorted set to a queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// The entry as read.
    pub entry: SetEntry,
    /// Its queue.
    pub queue: String,
    /// The payload to push, with `enqueued_at` stamped.
    pub payload: String,
}

/// A queue and how far behind it is.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRecord {
    /// Its name.
    pub name: String,
    /// Jobs waiting.
    pub size: u64,
    /// The oldest waiting job's raw payload, from which latency is read.
    pub oldest: Option<String>,
}

/// A live process as its heartbeat describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessRecord {
    /// Its identity.
    pub identity: String,
    /// The `info` JSON, parsed.
    pub info: Value,
    /// Running jobs.
    pub busy: u64,
    /// Last heartbeat, epoch seconds.
    pub beat: f64,
    /// Whether it is quiet.
    pub quiet: bool,
}

/// A running job as its process reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkRecord {
    /// The process.
    pub identity: String,
    /// The worker slot.
    pub tid: String,
    /// The `{"queue","payload","run_at"}` JSON.
    pub work: String,
}

/// The raw counters behind Sidekiq's `Stats`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counters {
    /// `stat:processed`.
    pub processed: u64,
    /// `stat:failed`.
    pub failed: u64,
    /// `stat:processed:DATE` per requested date.
    pub processed_daily: Vec<u64>,
    /// `stat:failed:DATE` per requested date.
    pub failed_daily: Vec<u64>,
}

/// Where jobs live. Redis keeps Sidekiq's keys; SQL keeps the same things in tables.
///
/// Every method is one short exchange with the store (a pipeline, a script, or a few
/// statements); the runtime batches work so that a job costs few round trips.
#[async_trait]
pub trait Store: Inspect + Send + Sync + 'static {
    /// Push `(queue, payload)` pairs to their queues, and register the queues.
    async fn push(&self, jobs: &[(String, String)]) -> Result<()>;
    /// Add `(score, payload)` pairs to a sorted set. Adding to the dead set trims it.
    async fn add_to_set(&self, set: SortedSet, entries: &[(f64, String)], now: f64) -> Result<()>;
    /// Take up to `max` jobs from `queues`, in order, into this process's in-progress list.
    async fn fetch(&self, identity: &str, queues: &[String], max: usize) -> Result<Vec<Fetched>>;
    /// Acknowledge finished jobs: drop them from the in-progress list, and file failures
    /// in the retry or dead set. `now` scores dead jobs.
    async fn complete(&self, identity: &str, done: &[Completion], now: f64) -> Result<()>;
    /// Declare a process as holding in-progress jobs (after its first heartbeat).
    async fn register_fetcher(&self, identity: &str) -> Result<()>;
    /// Processes that hold (or held) in-progress jobs; `now` judges heartbeat age.
    async fn fetchers(&self, now: f64) -> Result<Vec<Fetcher>>;
    /// Push a process's in-progress jobs back to the front of their queues and forget the
    /// process as a fetcher. Returns how many jobs moved.
    async fn recover(&self, identity: &str) -> Result<u64>;
    /// The jobs a process holds in progress, as stored.
    async fn in_progress(&self, identity: &str) -> Result<Vec<Fetched>>;
    /// Push some of a process's in-progress jobs back to the front of their queues; a job
    /// no longer in progress (acknowledged meanwhile) is left alone. Returns how many moved.
    async fn requeue(&self, identity: &str, jobs: &[Fetched]) -> Result<u64>;
    /// Entries of a sorted set due at `now`, oldest first.
    async fn due(&self, set: SortedSet, now: f64, limit: usize) -> Result<Vec<SetEntry>>;
    /// Move due entries from a sorted set to their queues. An entry someone else moved
    /// first is skipped. Returns how many moved.
    async fn move_to_queues(&self, set: SortedSet, moves: &[Move], now: f64) -> Result<u64>;
    /// Record a heartbeat and the stats since the last one; pop one pending signal.
    async fn heartbeat(&self, beat: &Heartbeat) -> Result<Option<Signal>>;
    /// Remove a process's records on shutdown.
    async fn clear_process(&self, identity: &str) -> Result<()>;
    /// Claim a periodic job's tick; true for exactly one caller across processes.
    async fn claim_tick(&self, name: &str, tick: i64) -> Result<bool>;
}

/// What Sidekiq's API and Web UI read and do: counters, queues, processes, running jobs,
/// the sorted sets and their per-job actions, signals, and tracked job statuses.
#[async_trait]
pub trait Inspect: Send + Sync + 'static {
    /// Send a signal to a process.
    async fn signal(&self, identity: &str, signal: Signal) -> Result<()>;

    /// Total and daily counters.
    async fn counters(&self, dates: &[String]) -> Result<Counters>;
    /// Every known queue with its size and oldest job.
    async fn queues(&self) -> Result<Vec<QueueRecord>>;
    /// Jobs waiting in one queue, oldest first.
    async fn queue_range(&self, queue: &str, start: u64, count: u64) -> Result<Vec<String>>;
    /// Live processes (heartbeat within the last minute of `now`).
    async fn processes(&self, now: f64) -> Result<Vec<ProcessRecord>>;
    /// Running jobs of live processes.
    async fn work(&self, now: f64) -> Result<Vec<WorkRecord>>;
    /// Entries in a sorted set.
    async fn set_size(&self, set: SortedSet) -> Result<u64>;
    /// A page of a sorted set, by score ascending or descending.
    async fn set_range(
        &self,
        set: SortedSet,
        start: u64,
        count: u64,
        descending: bool,
    ) -> Result<Vec<SetEntry>>;
    /// Remove and return the entry with this score and jid, if still there.
    async fn take(&self, set: SortedSet, score: f64, jid: &str) -> Result<Option<String>>;
    /// Empty a sorted set; returns how many entries went.
    async fn clear_set(&self, set: SortedSet) -> Result<u64>;
    /// Empty a queue; returns how many jobs went.
    async fn clear_queue(&self, queue: &str) -> Result<u64>;
    /// Remove and return the job with this jid from a queue, if it is still waiting there.
    async fn take_from_queue(&self, queue: &str, jid: &str) -> Result<Option<String>>;

    /// Record a tracked job's status (kept seven days after its last update).
    async fn put_status(&self, status: &JobStatus) -> Result<()>;
    /// The latest statuses of jobs about `record`, newest first.
    async fn statuses(&self, record: &str, limit: u64) -> Result<Vec<JobStatus>>;
}
