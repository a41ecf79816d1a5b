//! Periodic (cron) jobs: each tick is claimed in the store, so it runs once across processes.

use std::{str::FromStr, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use croner::{Cron, parser::CronParser};
use serde_json::Value;
use tokio::time::timeout;

use super::Shared;
use crate::{
    error::{Error, Result},
    job::{Job, encode_args},
    payload::Payload,
};

/// Missed ticks enqueued per check at most (after a pause, do not flood the queue).
const MAX_TICKS_PER_CHECK: usize = 10;

/// A job enqueued on a cron schedule.
#[derive(Debug, Clone)]
pub struct Periodic {
    name: String,
    cron: Cron,
    class: &'static str,
    queue: &'static str,
    retry: Value,
    args: Vec<Value>,
}

impl Periodic {
    pub(super) fn new<J: Job>(expr: &str, args: &J::Args) -> Result<Self> {
        let cron = CronParser::builder()
            .seconds(croner::parser::Seconds::Optional)
            .build()
            .parse(expr)
            .or_else(|_| Cron::from_str(expr))
            .map_err(|source| Error::Cron {
                expr: expr.into(),
                source,
            })?;
        Ok(Self {
            name: format!("{}@{expr}", J::CLASS),
            cron,
            class: J::CLASS,
            queue: J::QUEUE,
            retry: J::RETRY.to_value(),
            args: encode_args(args)?,
        })
    }

    /// Ticks in `(after, until]`, as epoch seconds.
    fn ticks(&self, after: f64, until: f64) -> Vec<i64> {
        let mut out = Vec::new();
        let Some(mut at) = DateTime::<Utc>::from_timestamp(after.floor() as i64, 0) else {
            return out;
        };
        while out.len() < MAX_TICKS_PER_CHECK {
            match self.cron.find_next_occurrence(&at, false) {
                Ok(next) if (next.timestamp() as f64) <= until => {
                    out.push(next.timestamp());
                    at = next;
                }
                _ => break,
            }
        }
        out
    }
}

pub(super) async fn cron_loop(shared: Arc<Shared>) {
    if shared.periodic.is_empty() {
        return;
    }
    let mut stop = shared.stop.subscribe();
    let mut last = shared.now();
    while !shared.stopping() {
        let _ = timeout(Duration::from_secs(1), stop.changed()).await;
        let now = shared.now();
        for p in &shared.periodic {
            for tick in p.ticks(last, now) {
                match shared.client.store().claim_tick(&p.name, tick).await {
                    Ok(true) => {
                        let payload =
                            Payload::new(p.class, p.queue, p.args.clone(), p.retry.clone(), now);
                        if let Err(e) = shared.client.push(vec![payload]).await {
                            tracing::warn!(error = %e, job = %p.name, "periodic enqueue failed");
                        }
                    }
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, job = %p.name, "periodic claim failed"),
                }
            }
        }
        last = now;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::job::{JobContext, JobError};

    struct Nightly;
    impl Job for Nightly {
        type Args = ();
        const CLASS: &'static str = "Nightly";
        async fn perform(&self, _: JobContext, (): ()) -> Result<(), JobError> {
            Ok(())
        }
    }

    #[test]
    fn ticks_between_checks() {
        let p = Periodic::new::<Nightly>("0 3 * * *", &()).unwrap();
        // 2023-11-14T22:13:20Z .. +1 day: exactly one 03:00 tick.
        let t = p.ticks(1_700_000_000.0, 1_700_086_400.0);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0] % 86_400, 3 * 3600);
        let every_second = Periodic::new::<Nightly>("* * * * * *", &()).unwrap();
        assert_eq!(every_second.ticks(100.0, 103.0), vec![101, 102, 103]);
        assert!(Periodic::new::<Nightly>("not cron", &()).is_err());
    }
}
