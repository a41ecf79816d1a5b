//! The SQL store's tables, created by the app's migration or by tests.

use sea_orm::{ConnectionTrait, DbBackend};

use crate::error::Result;

/// Job states in `worker_jobs.state`.
pub(crate) mod state {
    pub const QUEUED: i64 = 0;
    pub const WORKING: i64 = 1;
    pub const SCHEDULE: i64 = 2;
    pub const RETRY: i64 = 3;
    pub const DEAD: i64 = 4;
}

/// Create the SQL store's tables and indexes if they do not exist (idempotent).
///
/// Tables: `worker_jobs` (every job: queued, in progress, scheduled, retrying or dead),
/// `worker_queues`, `worker_processes`, `worker_work`, `worker_signals`, `worker_stats`,
/// `worker_status` (progress of jobs about a record) and `worker_cron`. Call it from a
/// migration.
///
/// # Errors
/// The database refuses a statement (permissions, an unsupported backend).
pub async fn create_tables<C: ConnectionTrait>(db: &C) -> Result<()> {
    let (id, float) = match db.get_database_backend() {
        DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "DOUBLE PRECISION"),
        _ => ("INTEGER PRIMARY KEY", "REAL"),
    };
    let statements = [
        format!(
            "CREATE TABLE IF NOT EXISTS worker_jobs (
                id {id},
                state BIGINT NOT NULL,
                queue TEXT NOT NULL,
                jid TEXT NOT NULL,
                score {float} NOT NULL,
                owner TEXT,
                payload TEXT NOT NULL
            )"
        ),
        "CREATE INDEX IF NOT EXISTS worker_jobs_fetch ON worker_jobs (state, queue, score, id)"
            .into(),
        "CREATE INDEX IF NOT EXISTS worker_jobs_sets ON worker_jobs (state, score)".into(),
        "CREATE INDEX IF NOT EXISTS worker_jobs_jid ON worker_jobs (jid)".into(),
        "CREATE INDEX IF NOT EXISTS worker_jobs_owner ON worker_jobs (owner)".into(),
        "CREATE TABLE IF NOT EXISTS worker_queues (name TEXT PRIMARY KEY)".into(),
        format!(
            "CREATE TABLE IF NOT EXISTS worker_processes (
                identity TEXT PRIMARY KEY,
                info TEXT NOT NULL,
                busy BIGINT NOT NULL,
                beat {float} NOT NULL,
                quiet BIGINT NOT NULL,
                rss BIGINT NOT NULL
            )"
        ),
        "CREATE TABLE IF NOT EXISTS worker_work (
            identity TEXT NOT NULL,
            tid TEXT NOT NULL,
            work TEXT NOT NULL,
            PRIMARY KEY (identity, tid)
        )"
        .into(),
        format!(
            "CREATE TABLE IF NOT EXISTS worker_signals (
                id {id},
                identity TEXT NOT NULL,
                signal TEXT NOT NULL
            )"
        ),
        "CREATE TABLE IF NOT EXISTS worker_stats (name TEXT PRIMARY KEY, value BIGINT NOT NULL)"
            .into(),
        format!(
            "CREATE TABLE IF NOT EXISTS worker_status (
                jid TEXT PRIMARY KEY,
                record TEXT NOT NULL,
                data TEXT NOT NULL,
                updated_at {float} NOT NULL
            )"
        ),
        "CREATE INDEX IF NOT EXISTS worker_status_record ON worker_status (record, updated_at)"
            .into(),
        "CREATE INDEX IF NOT EXISTS worker_status_updated ON worker_status (updated_at)".into(),
        "CREATE TABLE IF NOT EXISTS worker_cron (
            name TEXT NOT NULL,
            tick BIGINT NOT NULL,
            PRIMARY KEY (name, tick)
        )"
        .into(),
    ];
    for sql in statements {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// The SQL store's tables, for a migration's `down`.
pub const TABLES: [&str; 8] = [
    "worker_jobs",
    "worker_queues",
    "worker_processes",
    "worker_work",
    "worker_signals",
    "worker_stats",
    "worker_status",
    "worker_cron",
];

/// Drop the SQL store's tables (a migration's `down`); every job in them is lost.
///
/// # Errors
/// The database refuses a statement.
pub async fn drop_tables<C: ConnectionTrait>(db: &C) -> Result<()> {
    for table in TABLES {
        db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
            .await?;
    }
    Ok(())
}
