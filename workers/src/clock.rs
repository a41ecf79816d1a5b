//! Time as the runtime sees it: real, or moved by hand in tests.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

/// A source of wall-clock time in float epoch seconds, Sidekiq's unit.
///
/// The runtime reads every timestamp it writes (`enqueued_at`, `failed_at`, retry and
/// schedule scores, heartbeats) from its clock, so a test can walk a job through days of
/// retries without waiting.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now(&self) -> f64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> f64 {
        let micros = chrono::Utc::now().timestamp_micros();
        // Microsecond precision, like Ruby's Time#to_f in practice.
        micros as f64 / 1_000_000.0
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock {
    bits: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock stopped at `now` (epoch seconds).
    #[must_use]
    pub fn new(now: f64) -> Self {
        Self {
            bits: Arc::new(AtomicU64::new(now.to_bits())),
        }
    }

    /// Set the time.
    pub fn set(&self, now: f64) {
        self.bits.store(now.to_bits(), Ordering::SeqCst);
    }

    /// Move the time forward by `seconds`.
    pub fn advance(&self, seconds: f64) {
        self.set(self.now() + seconds);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> f64 {
        f64::from_bits(self.bits.load(Ordering::SeqCst))
    }
}

/// The shared clock handle the runtime passes around.
pub type SharedClock = Arc<dyn Clock>;

/// The UTC date (`YYYY-MM-DD`) of an epoch time, as Sidekiq names its daily stat keys.
#[must_use]
pub fn utc_date(epoch: f64) -> String {
    let secs = epoch.floor() as i64;
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}
