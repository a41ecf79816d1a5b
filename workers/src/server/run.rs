//! The fetch loop, job execution, batched acknowledgement and shutdown.

use std::{
    panic::AssertUnwindSafe,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use futures_util::FutureExt;
use rand::seq::SliceRandom;
use tokio::{
    sync::{OwnedSemaphorePermit, mpsc},
    task::JoinSet,
    time::{sleep, timeout},
};

use super::{Running, Shared, beat, periodic};
use crate::{
    error::Result,
    job::{JobContext, JobError},
    payload::Payload,
    retry,
    status::{JobState, JobStatus},
    store::{Completion, Fetched, Outcome},
};

/// Acknowledgements written per store call at most.
const ACK_BATCH: usize = 1000;
/// Attempts at writing one batch of acknowledgements before leaving the jobs to recovery.
const ACK_ATTEMPTS: u32 = 20;
/// Fetch attempts tolerated in a row before backing off to a second between tries.
const FETCH_BACKOFF_MAX: Duration = Duration::from_secs(1);

pub(super) async fn run(shared: Arc<Shared>) -> Result<()> {
    let (ack_tx, ack_rx) = mpsc::unbounded_channel();
    let acker = tokio::spawn(acknowledge(shared.clone(), ack_rx));
    let background = [
        tokio::spawn(beat::heartbeat_loop(shared.clone())),
        tokio::spawn(beat::poll_loop(shared.clone())),
        tokio::spawn(beat::orphan_loop(shared.clone())),
        tokio::spawn(periodic::cron_loop(shared.clone())),
    ];
    let mut jobs = JoinSet::new();
    fetch_loop(&shared, &ack_tx, &mut jobs).await;

    // Graceful shutdown: running jobs get the timeout, then are cancelled and requeued.
    let grace = shared.config.shutdown_timeout;
    let finished = timeout(grace, async { while jobs.join_next().await.is_some() {} }).await;
    if finished.is_err() {
        tracing::warn!(
            count = jobs.len(),
            "shutdown timeout: requeueing unfinished jobs"
        );
        jobs.abort_all();
        while jobs.join_next().await.is_some() {}
    }
    drop(ack_tx);
    let _ = acker.await;
    // The heartbeat loop ends by itself once stopping. Aborting it could cut a beat in flight
    // after it took the counters and before it wrote them, losing those stats: let it finish.
    let [beat_task, others @ ..] = background;
    let _ = timeout(Duration::from_secs(10), beat_task).await;
    for task in others {
        task.abort();
    }
    let store = shared.client.store();
    match store.recover(&shared.identity).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(n, "requeued unfinished jobs"),
        Err(e) => tracing::error!(error = %e, "could not requeue; another process will recover"),
    }
    shared.busy.lock().map(|mut b| b.clear()).ok();
    if let Err(e) = beat::heartbeat(&shared).await {
        tracing::warn!(error = %e, "final stats flush failed");
    }
    store.clear_process(&shared.identity).await?;
    Ok(())
}

/// Fetch while not stopping; each job runs in its own task holding a concurrency slot.
async fn fetch_loop(
    shared: &Arc<Shared>,
    acks: &mpsc::UnboundedSender<Completion>,
    jobs: &mut JoinSet<()>,
) {
    let mut stop = shared.stop.subscribe();
    let batch = match shared.config.fetch_batch {
        0 => shared.config.concurrency,
        n => n,
    };
    let mut idle = Duration::from_millis(1);
    let mut seq: u64 = 0;
    while !shared.stopping() {
        while jobs.try_join_next().is_some() {}
        if shared.quiet.load(Ordering::SeqCst) {
            let _ = timeout(Duration::from_millis(200), stop.changed()).await;
            continue;
        }
        let first = tokio::select! {
            permit = shared.slots.clone().acquire_owned() => permit,
            _ = stop.changed() => continue,
        };
        let Ok(first) = first else { return };
        let mut permits = vec![first];
        while permits.len() < batch {
            match shared.slots.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        let order = queue_order(&shared.config.queues);
        let guard = shared.fetch_lock.lock().await;
        let fetched = shared
            .client
            .store()
            .fetch(&shared.identity, &order, permits.len())
            .await;
        if let Ok(jobs) = &fetched {
            hold(shared, jobs);
        }
        drop(guard);
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "fetch failed; retrying");
                idle = (idle * 2).min(FETCH_BACKOFF_MAX);
                drop(permits);
                let _ = timeout(idle, stop.changed()).await;
                continue;
            }
        };
        if fetched.is_empty() {
            drop(permits);
            idle = (idle * 2).min(shared.config.idle_poll_max);
            let wake = shared.client.wake().clone();
            tokio::select! {
                () = sleep(idle) => {}
                () = wake.notified() => idle = Duration::from_millis(1),
                _ = stop.changed() => {}
            }
            continue;
        }
        idle = Duration::from_millis(1);
        for (job, permit) in fetched.into_iter().zip(permits) {
            seq += 1;
            jobs.spawn(execute(shared.clone(), job, permit, acks.clone(), seq));
        }
    }
}

/// The queues in the order this fetch tries them.
fn queue_order(queues: &[(String, u32)]) -> Vec<String> {
    let strict = queues.windows(2).all(|w| w[0].1 == w[1].1);
    if strict {
        return queues.iter().map(|(q, _)| q.clone()).collect();
    }
    let mut draw: Vec<&String> = queues
        .iter()
        .flat_map(|(q, w)| std::iter::repeat_n(q, (*w).max(1) as usize))
        .collect();
    draw.shuffle(&mut rand::rng());
    let mut order: Vec<String> = Vec::with_capacity(queues.len());
    for q in draw {
        if !order.contains(q) {
            order.push(q.clone());
        }
    }
    order
}

/// Run one job and hand its outcome to the acknowledger.
async fn execute(
    shared: Arc<Shared>,
    job: Fetched,
    permit: OwnedSemaphorePermit,
    acks: mpsc::UnboundedSender<Completion>,
    seq: u64,
) {
    let tid = format!("{:x}", seq);
    let outcome = run_one(&shared, &job, &tid).await;
    shared.processed.fetch_add(1, Ordering::Relaxed);
    if !matches!(outcome, Outcome::Done) {
        shared.failed.fetch_add(1, Ordering::Relaxed);
    }
    let _ = acks.send(Completion { job, outcome });
    drop(permit);
}

async fn run_one(shared: &Arc<Shared>, job: &Fetched, tid: &str) -> Outcome {
    let now = shared.now();
    let payload = match Payload::parse(&job.raw) {
        Ok(p) => p,
        Err(e) => {
            // Sidekiq sends a job it cannot parse straight to the dead set.
            tracing::error!(error = %e, "invalid job payload; sending to the dead set");
            return Outcome::Dead {
                payload: job.raw.clone(),
            };
        }
    };
    if let Ok(mut busy) = shared.busy.lock() {
        busy.insert(
            tid.to_string(),
            Running {
                queue: job.queue.clone(),
                raw: job.raw.clone(),
                run_at: now as i64,
            },
        );
    }
    let payload = Arc::new(payload);
    track(shared, &payload, JobState::Processing, None).await;
    let handler = shared.registry.get(payload.class()).cloned();
    let fallback = handler.as_ref().map(|h| h.retry());
    let result = match handler {
        None => Err(JobError::new(
            "NameError",
            format!("uninitialized constant {}", payload.class()),
        )),
        Some(handler) => {
            let ctx = JobContext {
                payload: payload.clone(),
                client: shared.client.clone(),
            };
            let args = payload.args().to_vec();
            match AssertUnwindSafe(handler.perform(ctx, args))
                .catch_unwind()
                .await
            {
                Ok(result) => result,
                Err(panic) => Err(JobError::new("Panic", panic_message(panic.as_ref()))),
            }
        }
    };
    if let Ok(mut busy) = shared.busy.lock() {
        busy.remove(tid);
    }
    match result {
        Ok(()) => {
            track(shared, &payload, JobState::Done, None).await;
            Outcome::Done
        }
        Err(error) => {
            tracing::warn!(class = payload.class(), jid = payload.jid(), %error, "job failed");
            let mut payload = Arc::unwrap_or_clone(payload);
            let outcome = retry::fail(&mut payload, &job.queue, &error, fallback, shared.now());
            let state = match outcome {
                Outcome::Retry { .. } => JobState::Failed,
                _ => JobState::Dead,
            };
            track(shared, &payload, state, Some(error.message)).await;
            outcome
        }
    }
}

/// Update the status of a job about a record; a failure here never fails the job.
async fn track(shared: &Shared, payload: &Payload, state: JobState, error: Option<String>) {
    if let Some(mut status) = JobStatus::of(payload, state, shared.now()) {
        status.error = error;
        if let Err(e) = shared.client.store().put_status(&status).await {
            tracing::warn!(error = %e, jid = payload.jid(), "could not record job status");
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

/// Write acknowledgements in batches: whatever finished while the last write was in flight.
async fn acknowledge(shared: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<Completion>) {
    let mut batch = Vec::with_capacity(ACK_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < ACK_BATCH {
            match rx.try_recv() {
                Ok(c) => batch.push(c),
                Err(_) => break,
            }
        }
        let mut delay = Duration::from_millis(10);
        for attempt in 1..=ACK_ATTEMPTS {
            match shared
                .client
                .store()
                .complete(&shared.identity, &batch, shared.now())
                .await
            {
                Ok(()) => break,
                Err(e) if attempt == ACK_ATTEMPTS => {
                    tracing::error!(error = %e, n = batch.len(), "acknowledgement lost; jobs will be recovered and rerun");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "acknowledgement failed; retrying");
                    sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(1));
                }
            }
        }
        // Acknowledged, or given up on: either way reconciliation may now requeue whatever
        // of these is still in progress.
        release(&shared, batch.iter().map(|c| &c.job));
        batch.clear();
    }
}

/// The key a held job is known by: its row id on SQL, its payload text on Redis.
pub(super) fn held_key(job: &Fetched) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    job.id.hash(&mut h);
    if job.id == 0 {
        job.raw.hash(&mut h);
    }
    h.finish()
}

fn hold(shared: &Shared, jobs: &[Fetched]) {
    if let Ok(mut held) = shared.held.lock() {
        for job in jobs {
            *held.entry(held_key(job)).or_insert(0) += 1;
        }
    }
}

fn release<'a>(shared: &Shared, jobs: impl Iterator<Item = &'a Fetched>) {
    if let Ok(mut held) = shared.held.lock() {
        for job in jobs {
            let key = held_key(job);
            if let Some(n) = held.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    held.remove(&key);
                }
            }
        }
    }
}

/// Requeue jobs the store lists as in progress for this process but the process does not
/// know: a fetch whose reply was lost to a broken connection, or an acknowledgement that
/// could not be written. Returns how many went back.
pub(super) async fn reconcile_own(shared: &Shared) -> Result<u64> {
    let _guard = shared.fetch_lock.lock().await;
    let store = shared.client.store();
    let stored = store.in_progress(&shared.identity).await?;
    // Read after the store: a job acknowledged in between looks unknown, and requeue skips
    // it because it is no longer in progress.
    // Poisoned or not, the set is intact; an empty one would requeue every job held here.
    let mut known = shared
        .held
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let mut stale = Vec::new();
    for job in stored {
        match known.get_mut(&held_key(&job)) {
            Some(n) if *n > 0 => *n -= 1,
            _ => stale.push(job),
        }
    }
    if stale.is_empty() {
        return Ok(0);
    }
    store.requeue(&shared.identity, &stale).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_and_weighted_order() {
        let strict = vec![("a".to_string(), 1), ("b".to_string(), 1)];
        assert_eq!(queue_order(&strict), vec!["a", "b"]);
        let weighted = vec![("a".to_string(), 3), ("b".to_string(), 1)];
        let mut firsts = 0;
        for _ in 0..400 {
            let order = queue_order(&weighted);
            assert_eq!(order.len(), 2);
            if order[0] == "a" {
                firsts += 1;
            }
        }
        assert!(firsts > 200, "{firsts}");
    }
}
