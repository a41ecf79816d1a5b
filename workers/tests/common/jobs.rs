//! Jobs the tests run.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use copydesk_workers::{Job, JobContext, JobError, Registry, Retry};
use tokio::sync::Mutex;

/// Counts its runs and records the arguments.
#[derive(Clone, Default)]
pub struct Count {
    pub runs: Arc<AtomicUsize>,
    pub seen: Arc<Mutex<Vec<(String, i64)>>>,
}

impl Job for Count {
    type Args = (String, i64);
    const CLASS: &'static str = "CountJob";

    async fn perform(&self, _ctx: JobContext, args: (String, i64)) -> Result<(), JobError> {
        self.seen.lock().await.push(args);
        self.runs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Always fails with a plain message.
#[derive(Clone, Default)]
pub struct AlwaysFails {
    pub runs: Arc<AtomicUsize>,
}

impl Job for AlwaysFails {
    type Args = (i64,);
    const CLASS: &'static str = "AlwaysFails";

    async fn perform(&self, _ctx: JobContext, _args: (i64,)) -> Result<(), JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        Err(JobError::msg("it always fails"))
    }
}

/// Fails, and must not be retried.
#[derive(Clone, Default)]
pub struct FailsOnce {
    pub runs: Arc<AtomicUsize>,
}

impl Job for FailsOnce {
    type Args = ();
    const CLASS: &'static str = "FailsOnce";
    const RETRY: Retry = Retry::Never;

    async fn perform(&self, _ctx: JobContext, (): ()) -> Result<(), JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        Err(JobError::msg("no second chance"))
    }
}

/// Panics.
#[derive(Clone, Default)]
pub struct Panics;

impl Job for Panics {
    type Args = ();
    const CLASS: &'static str = "Panics";

    async fn perform(&self, _ctx: JobContext, (): ()) -> Result<(), JobError> {
        panic!("kaboom");
    }
}

/// Sleeps for its argument in milliseconds, counting starts and finishes.
#[derive(Clone, Default)]
pub struct Sleepy {
    pub started: Arc<AtomicUsize>,
    pub finished: Arc<AtomicUsize>,
}

impl Job for Sleepy {
    type Args = (u64,);
    const CLASS: &'static str = "Sleepy";

    async fn perform(&self, _ctx: JobContext, (ms,): (u64,)) -> Result<(), JobError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.finished.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Does nothing (benchmarks, interop).
#[derive(Clone, Default)]
pub struct Noop;

impl Job for Noop {
    type Args = Vec<serde_json::Value>;
    const CLASS: &'static str = "NoopJob";

    async fn perform(
        &self,
        _ctx: JobContext,
        _args: Vec<serde_json::Value>,
    ) -> Result<(), JobError> {
        Ok(())
    }
}

/// All test jobs, sharing counters with the caller.
pub struct Jobs {
    pub count: Count,
    pub fails: AlwaysFails,
    pub once: FailsOnce,
    pub sleepy: Sleepy,
}

impl Jobs {
    pub fn new() -> Self {
        Self {
            count: Count::default(),
            fails: AlwaysFails::default(),
            once: FailsOnce::default(),
            sleepy: Sleepy::default(),
        }
    }

    pub fn registry(&self) -> Registry {
        Registry::new()
            .register(self.count.clone())
            .register(self.fails.clone())
            .register(self.once.clone())
            .register(self.sleepy.clone())
            .register(Panics)
            .register(Noop)
    }
}
