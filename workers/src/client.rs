//! Enqueue jobs, writing exactly what Sidekiq's client writes.

use std::{fmt, sync::Arc, time::Duration};

use tokio::sync::Notify;

use crate::{
    clock::{SharedClock, SystemClock},
    error::Result,
    job::{Job, encode_args},
    payload::Payload,
    status::{JobState, JobStatus},
    store::{SortedSet, Store},
};

/// Pushes jobs to a store. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    store: Arc<dyn Store>,
    clock: SharedClock,
    wake: Arc<Notify>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

impl Client {
    /// A client on `store` with the system clock.
    #[must_use]
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with_clock(store, Arc::new(SystemClock))
    }

    /// A client on `store` reading time from `clock`.
    #[must_use]
    pub fn with_clock(store: Arc<dyn Store>, clock: SharedClock) -> Self {
        Self {
            store,
            clock,
            wake: Arc::new(Notify::new()),
        }
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock.
    #[must_use]
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// Signalled after every push, so an in-process server fetches at once.
    pub(crate) fn wake(&self) -> &Arc<Notify> {
        &self.wake
    }

    /// The payload `J` would get for `args`, stamped now.
    ///
    /// # Errors
    /// The arguments do not serialise.
    pub fn payload<J: Job>(&self, args: &J::Args) -> Result<Payload> {
        Ok(Payload::new(
            J::CLASS,
            J::QUEUE,
            encode_args(args)?,
            J::RETRY.to_value(),
            self.clock.now(),
        ))
    }

    /// Push a job to its queue. Returns its jid.
    ///
    /// # Errors
    /// The arguments do not serialise, or the store fails.
    pub async fn enqueue<J: Job>(&self, args: &J::Args) -> Result<String> {
        let payload = self.payload::<J>(args)?;
        let jid = payload.jid().to_string();
        self.push(vec![payload]).await?;
        Ok(jid)
    }

    /// Schedule a job to run after `delay`. Returns its jid.
    ///
    /// # Errors
    /// The arguments do not serialise, or the store fails.
    pub async fn enqueue_in<J: Job>(&self, delay: Duration, args: &J::Args) -> Result<String> {
        let at = self.clock.now() + delay.as_secs_f64();
        self.enqueue_at::<J>(at, args).await
    }

    /// Schedule a job to run at `at` (epoch seconds); a time already past enqueues it now,
    /// as Sidekiq's `perform_at` does. Returns its jid.
    ///
    /// # Errors
    /// The arguments do not serialise, or the store fails.
    pub async fn enqueue_at<J: Job>(&self, at: f64, args: &J::Args) -> Result<String> {
        let payload = self.payload::<J>(args)?;
        let jid = payload.jid().to_string();
        self.schedule(at, payload).await?;
        Ok(jid)
    }

    /// Push a job about `record` (e.g. `post:42`): its status (pending, processing with
    /// progress, done, failed, dead) is kept for [`crate::api::Inspector::statuses`].
    /// Returns its jid.
    ///
    /// # Errors
    /// The arguments do not serialise, or the store fails.
    pub async fn enqueue_for<J: Job>(&self, record: &str, args: &J::Args) -> Result<String> {
        let mut payload = self.payload::<J>(args)?;
        payload.set("record", record.into());
        let jid = payload.jid().to_string();
        self.track(&payload).await?;
        self.push(vec![payload]).await?;
        Ok(jid)
    }

    /// Schedule a job about `record` for `at` (epoch seconds), tracked like
    /// [`Self::enqueue_for`]. Returns its jid.
    ///
    /// # Errors
    /// The arguments do not serialise, or the store fails.
    pub async fn enqueue_at_for<J: Job>(
        &self,
        record: &str,
        at: f64,
        args: &J::Args,
    ) -> Result<String> {
        let mut payload = self.payload::<J>(args)?;
        payload.set("record", record.into());
        let jid = payload.jid().to_string();
        self.track(&payload).await?;
        self.schedule(at, payload).await?;
        Ok(jid)
    }

    async fn track(&self, payload: &Payload) -> Result<()> {
        match JobStatus::of(payload, JobState::Pending, self.clock.now()) {
            Some(status) => self.store.put_status(&status).await,
            None => Ok(()),
        }
    }

    /// Push one job per argument set in one round trip (Sidekiq's `push_bulk`). Returns
    /// the jids in order.
    ///
    /// # Errors
    /// An argument set does not serialise, or the store fails.
    pub async fn enqueue_bulk<J: Job>(
        &self,
        args: impl IntoIterator<Item = J::Args>,
    ) -> Result<Vec<String>> {
        let payloads = args
            .into_iter()
            .map(|a| self.payload::<J>(&a))
            .collect::<Result<Vec<_>>>()?;
        let jids = payloads.iter().map(|p| p.jid().to_string()).collect();
        self.push(payloads).await?;
        Ok(jids)
    }

    /// Push ready-made payloads to their queues, stamping `enqueued_at`.
    ///
    /// # Errors
    /// The store fails.
    pub async fn push(&self, payloads: Vec<Payload>) -> Result<()> {
        let now = self.clock.now();
        let jobs: Vec<(String, String)> = payloads
            .into_iter()
            .map(|mut p| {
                p.mark_enqueued(now);
                (p.queue().to_string(), p.to_json())
            })
            .collect();
        self.store.push(&jobs).await?;
        self.wake.notify_waiters();
        Ok(())
    }

    /// Put a ready-made payload in the schedule set for `at`. Like Sidekiq's client, a
    /// scheduled payload carries no `enqueued_at` until it is pushed to its queue.
    ///
    /// # Errors
    /// The store fails.
    pub async fn schedule(&self, at: f64, mut payload: Payload) -> Result<()> {
        let now = self.clock.now();
        if at <= now {
            return self.push(vec![payload]).await;
        }
        payload.remove("enqueued_at");
        payload.remove("at");
        self.store
            .add_to_set(SortedSet::Schedule, &[(at, payload.to_json())], now)
            .await
    }
}
