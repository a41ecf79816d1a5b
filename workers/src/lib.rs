//! A Sidekiq-compatible job runtime: Sidekiq's protocol and semantics, on Redis or SQL.
//!
//! - [`Job`]: typed arguments, a constant class name and queue, a retry policy.
//! - [`Client`]: enqueue now, later, or in bulk, writing Sidekiq 6/7 payloads.
//! - [`Server`]: fetches reliably, runs jobs concurrently, retries with Sidekiq's backoff,
//!   polls the schedule and retry sets, runs periodic jobs, beats its heart, obeys Quiet and
//!   Stop from Sidekiq's Web UI, and shuts down gracefully.
//! - [`api::Inspector`]: what Sidekiq's Web UI shows, and its per-job and bulk actions.
//! - [`store::Store`]: Redis ([`store::redis::RedisStore`]) or SQL (`store::sql::SqlStore`,
//!   behind the `sql` cargo feature, on by default: turn default features off for a
//!   Redis-only build without SeaORM).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod client;
pub mod clock;
pub mod error;
pub mod job;
pub mod payload;
pub mod registry;
pub mod retry;
pub mod server;
pub mod status;
pub mod store;

pub use client::Client;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
pub use job::{Job, JobContext, JobError, Retry};
pub use payload::Payload;
pub use registry::Registry;
pub use server::{Server, ServerConfig, ServerHandle};
pub use status::{JobState, JobStatus};
