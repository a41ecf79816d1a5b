//! Heartbeats and signals, the schedule/retry poller, and orphan recovery.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use serde_json::json;
use tokio::time::timeout;

use super::Shared;
use crate::{
    error::Result,
    payload::Payload,
    store::{Heartbeat, Move, Signal, SortedSet},
};

/// Entries moved from a sorted set per poll round, and rounds per poll at most.
const POLL_BATCH: usize = 100;
const POLL_ROUNDS: usize = 1000;

/// The machine's hostname, as Sidekiq's `Socket.gethostname`.
pub(super) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn info(shared: &Shared) -> String {
    let mut queues: Vec<&str> = Vec::new();
    for (q, _) in &shared.config.queues {
        if !queues.contains(&q.as_str()) {
            queues.push(q);
        }
    }
    json!({
        "hostname": shared.hostname,
        "started_at": shared.started_at,
        "pid": std::process::id(),
        "tag": shared.config.tag,
        "concurrency": shared.config.concurrency,
        "queues": queues,
        "labels": shared.config.labels,
        "identity": shared.identity,
    })
    .to_string()
}

/// Write one heartbeat with the stats since the last, and act on a pending signal.
pub(super) async fn heartbeat(shared: &Shared) -> Result<()> {
    let processed = shared.processed.swap(0, Ordering::Relaxed);
    let failed = shared.failed.swap(0, Ordering::Relaxed);
    // A job that panicked while holding the lock leaves the map intact: keep reporting it.
    let work = shared
        .busy
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .map(|(tid, r)| {
            let w = json!({"queue": r.queue, "payload": r.raw, "run_at": r.run_at});
            (tid.clone(), w.to_string())
        })
        .collect();
    let beat = Heartbeat {
        identity: shared.identity.clone(),
        info: info(shared),
        beat: shared.now(),
        quiet: shared.quiet.load(Ordering::SeqCst) || shared.stopping(),
        rss_kb: rss_kb(),
        processed,
        failed,
        work,
    };
    match shared.client.store().heartbeat(&beat).await {
        Ok(signal) => {
            match signal {
                Some(Signal::Quiet) => {
                    tracing::info!("quiet signal received");
                    shared.quiet.store(true, Ordering::SeqCst);
                }
                Some(Signal::Stop) => {
                    tracing::info!("stop signal received");
                    shared.stop.send_replace(true);
                }
                Some(Signal::Dump) => {
                    let busy = shared
                        .busy
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .len();
                    tracing::info!(busy, identity = %shared.identity, "running jobs");
                }
                None => {}
            }
            Ok(())
        }
        Err(e) => {
            // Keep the counts for the next beat.
            shared.processed.fetch_add(processed, Ordering::Relaxed);
            shared.failed.fetch_add(failed, Ordering::Relaxed);
            Err(e)
        }
    }
}

pub(super) async fn heartbeat_loop(shared: Arc<Shared>) {
    let mut stop = shared.stop.subscribe();
    while !shared.stopping() {
        let _ = timeout(shared.config.heartbeat_interval, stop.changed()).await;
        if shared.stopping() {
            break;
        }
        if let Err(e) = heartbeat(&shared).await {
            tracing::warn!(error = %e, "heartbeat failed");
        }
    }
}

/// Move due scheduled jobs and retries to their queues. Returns how many moved.
///
/// # Errors
/// The store fails.
pub(crate) async fn enqueue_due(shared_client: &crate::Client) -> Result<u64> {
    let store = shared_client.store();
    let mut moved = 0;
    for set in [SortedSet::Schedule, SortedSet::Retry] {
        for _ in 0..POLL_ROUNDS {
            let now = shared_client.clock().now();
            let due = store.due(set, now, POLL_BATCH).await?;
            let n = due.len();
            let moves: Vec<Move> = due
                .into_iter()
                .map(|entry| {
                    let (queue, payload) = match Payload::parse(&entry.raw) {
                        Ok(mut p) => {
                            p.mark_enqueued(now);
                            (p.queue().to_string(), p.to_json())
                        }
                        Err(_) => ("default".to_string(), entry.raw.clone()),
                    };
                    Move {
                        entry,
                        queue,
                        payload,
                    }
                })
                .collect();
            moved += store.move_to_queues(set, &moves, now).await?;
            if n < POLL_BATCH {
                break;
            }
        }
    }
    if moved > 0 {
        shared_client.wake().notify_waiters();
    }
    Ok(moved)
}

pub(super) async fn poll_loop(shared: Arc<Shared>) {
    let mut stop = shared.stop.subscribe();
    while !shared.stopping() {
        if let Err(e) = enqueue_due(&shared.client).await {
            tracing::warn!(error = %e, "schedule poll failed");
        }
        // Sidekiq randomises the interval so processes do not poll in step.
        let base = shared.config.poll_interval.as_secs_f64();
        let wait = Duration::from_secs_f64(base * rand::random_range(0.5..1.5));
        let _ = timeout(wait, stop.changed()).await;
    }
}

/// Whether `identity` (`hostname:pid:nonce`) names a process on this host that has exited.
fn exited_locally(identity: &str, hostname: &str) -> bool {
    let mut parts = identity.rsplitn(3, ':');
    let (_nonce, pid, host) = (parts.next(), parts.next(), parts.next());
    let (Some(pid), Some(host)) = (pid, host) else {
        return false;
    };
    host == hostname
        && pid.parse::<u32>().is_ok()
        && cfg!(target_os = "linux")
        && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Requeue the in-progress jobs of processes that are gone: their heartbeat expired, or
/// they ran on this host and their pid no longer exists (a `kill -9`).
pub(super) async fn recover_orphans(shared: &Shared) {
    let store = shared.client.store();
    let fetchers = match store.fetchers(shared.now()).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "orphan check failed");
            return;
        }
    };
    for f in fetchers {
        if f.identity == shared.identity {
            continue;
        }
        if !f.alive || exited_locally(&f.identity, &shared.hostname) {
            match store.recover(&f.identity).await {
                Ok(n) => tracing::info!(n, from = %f.identity, "recovered orphaned jobs"),
                Err(e) => tracing::warn!(error = %e, "orphan recovery failed"),
            }
        }
    }
}

pub(super) async fn orphan_loop(shared: Arc<Shared>) {
    let mut stop = shared.stop.subscribe();
    while !shared.stopping() {
        let _ = timeout(shared.config.orphan_check_interval, stop.changed()).await;
        if shared.stopping() {
            break;
        }
        recover_orphans(&shared).await;
        match super::run::reconcile_own(&shared).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                n,
                "requeued in-progress jobs this process had lost track of"
            ),
            Err(e) => tracing::warn!(error = %e, "in-progress reconciliation failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_exit_detection() {
        let me = format!("h:{}:abc", std::process::id());
        assert!(!exited_locally(&me, "h"));
        assert!(!exited_locally("other:999999999:abc", "h"));
        assert!(exited_locally("h:999999999:abc", "h"));
        assert!(!exited_locally("garbage", "h"));
    }
}
