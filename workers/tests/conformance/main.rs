//! One behaviour suite, run against Redis, SQL on SQLite and SQL on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod failures;
mod inspection;
mod runtime;
mod scan;
