//! The database pool, with the same SQLite settings on every connection.
//!
//! Loco opens its pool and runs its PRAGMAs once, on whichever connection serves that one
//! statement; the pool's other connections keep SQLite's defaults (`synchronous=FULL`, no
//! WAL on a file created before the switch). Copydesk opens its own pool instead, whose
//! every connection is set up the same way as it is opened.
use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};

/// How long a connection waits for another one's write lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How much of the database file a connection maps into memory (SQLite's `mmap_size`):
/// reads of mapped pages are memory reads, not a `read` call copying each page out of the
/// OS's cache. The mapping is shared by the connections and the OS, so it costs no memory of
/// its own; a file larger than this is mapped up to here and read beyond it.
const SQLITE_MMAP_BYTES: u64 = 256 * 1024 * 1024;
/// Each connection's own page cache, in KiB (SQLite's `cache_size`, given negative): 8 MiB
/// instead of SQLite's 2 MiB, filled only as pages are used.
const SQLITE_CACHE_KIB: u64 = 8 * 1024;

fn sqlite_options(o: SqliteConnectOptions) -> SqliteConnectOptions {
    o.journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        .synchronous(SqliteSynchronous::Normal)
        .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
        .pragma("cache_size", format!("-{SQLITE_CACHE_KIB}"))
}

fn options(config: &loco_rs::config::Database) -> ConnectOptions {
    let mut opt = ConnectOptions::new(&config.uri);
    opt.max_connections(config.max_connections)
        .min_connections(config.min_connections)
        .connect_timeout(Duration::from_millis(config.connect_timeout))
        .idle_timeout(Duration::from_millis(config.idle_timeout))
        .sqlx_logging(config.enable_logging)
        .map_sqlx_sqlite_opts(sqlite_options);
    if let Some(ms) = config.acquire_timeout {
        opt.acquire_timeout(Duration::from_millis(ms));
    }
    opt
}

/// Opens the pool `config` describes. On SQLite every connection gets WAL, a busy timeout,
/// foreign keys, `synchronous=NORMAL`, a memory map and a larger page cache; on PostgreSQL `run_on_start` runs, as in Loco.
///
/// # Errors
/// When the database cannot be reached or a setting is refused.
pub async fn connect(config: &loco_rs::config::Database) -> Result<DatabaseConnection, DbErr> {
    if config.uri.starts_with("sqlite:") {
        // Switching a new file to WAL takes a lock that the busy timeout does not wait for:
        // do it once, alone, before the pool opens several connections at the same time.
        let mut first = options(config);
        first.max_connections(1).min_connections(0);
        Database::connect(first).await?.close().await?;
    }
    let db = Database::connect(options(config)).await?;
    if db.get_database_backend() != DatabaseBackend::Sqlite
        && let Some(sql) = &config.run_on_start
    {
        db.execute_raw(Statement::from_string(
            db.get_database_backend(),
            sql.clone(),
        ))
        .await?;
    }
    Ok(db)
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), waiting up to [`BUSY_TIMEOUT`] for another writer: a transaction
/// that reads first and writes later cannot wait then, and fails with "database is locked"
/// whenever another connection wrote in between (the job runtime writes every few seconds).
///
/// # Errors
/// When no connection is free or the lock is not had within the busy timeout.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}
