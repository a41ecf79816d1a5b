//! One test binary for the whole suite (one link instead of one per file); tests inside run
//! in parallel, each on its own database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod e2e;
mod jobs;
mod models;
mod requests;
