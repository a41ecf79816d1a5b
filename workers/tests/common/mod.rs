//! Shared test harness: stores on real engines, test jobs, and bounded waits.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod jobs;

use std::{future::Future, sync::Arc, time::Duration};

#[cfg(feature = "sql")]
use copydesk_workers::store::sql::SqlStore;
use copydesk_workers::{
    Client, ManualClock, Registry, Server, ServerConfig, ServerHandle,
    store::{Store, redis::RedisStore},
};
#[cfg(feature = "sql")]
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

pub const REDIS_URL: &str = "redis://127.0.0.1:6379";
pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Redis,
    Sqlite,
    Postgres,
}

/// Whether `COPYDESK_TEST_REQUIRE` makes `service` mandatory.
pub fn required(service: &str) -> bool {
    std::env::var("COPYDESK_TEST_REQUIRE")
        .map(|v| {
            v.split(',')
                .any(|s| s.trim() == service || s.trim() == "all")
        })
        .unwrap_or(false)
}

/// Skip (with a note) or fail when a service is unreachable.
pub fn unavailable(service: &str, why: &str) {
    assert!(
        !required(service),
        "{service} required but unreachable: {why}"
    );
    eprintln!(
        "SKIPPED: {service} unreachable ({why}); set COPYDESK_TEST_REQUIRE={service} to fail instead"
    );
}

pub fn unique(prefix: &str) -> String {
    let n: u64 = rand::random();
    format!("{prefix}{n:016x}")
}

/// A store on one backend, with a hand-moved clock set to the real time.
pub struct Env {
    pub backend: Backend,
    pub store: Arc<dyn Store>,
    pub clock: ManualClock,
    pub client: Client,
    cleanup: Cleanup,
}

enum Cleanup {
    Redis {
        prefix: String,
    },
    #[cfg(feature = "sql")]
    Sqlite {
        path: std::path::PathBuf,
    },
    #[cfg(feature = "sql")]
    Postgres {
        name: String,
        db: DatabaseConnection,
    },
}

impl Env {
    pub async fn open(backend: Backend) -> Option<Self> {
        let (store, cleanup): (Arc<dyn Store>, Cleanup) = match backend {
            Backend::Redis => {
                let prefix = unique("cdtest:") + ":";
                match redis_store(&prefix).await {
                    Ok(s) => (Arc::new(s), Cleanup::Redis { prefix }),
                    Err(e) => {
                        unavailable("redis", &e);
                        return None;
                    }
                }
            }
            #[cfg(not(feature = "sql"))]
            Backend::Sqlite | Backend::Postgres => {
                eprintln!("SKIPPED: {backend:?} needs the `sql` feature");
                return None;
            }
            #[cfg(feature = "sql")]
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(unique("copydesk-workers-") + ".sqlite");
                let db = sqlite_db(&path).await;
                (Arc::new(SqlStore::new(db)), Cleanup::Sqlite { path })
            }
            #[cfg(feature = "sql")]
            Backend::Postgres => {
                let name = unique("cdtest_");
                match postgres_db(&name).await {
                    Ok(db) => (
                        Arc::new(SqlStore::new(db.clone())),
                        Cleanup::Postgres { name, db },
                    ),
                    Err(e) => {
                        unavailable("postgres", &e);
                        return None;
                    }
                }
            }
        };
        let clock = ManualClock::new(real_now());
        let client = Client::with_clock(store.clone(), Arc::new(clock.clone()));
        Some(Self {
            backend,
            store,
            clock,
            client,
            cleanup,
        })
    }

    pub async fn close(self) {
        match self.cleanup {
            Cleanup::Redis { prefix } => {
                if let Ok(client) = redis::Client::open(REDIS_URL)
                    && let Ok(mut conn) = client.get_multiplexed_async_connection().await
                {
                    delete_prefix(&mut conn, &prefix).await;
                }
            }
            #[cfg(feature = "sql")]
            Cleanup::Sqlite { path } => {
                drop(self.store);
                let _ = std::fs::remove_file(&path);
                let _ = std::fs::remove_file(path.with_extension("sqlite-wal"));
                let _ = std::fs::remove_file(path.with_extension("sqlite-shm"));
            }
            #[cfg(feature = "sql")]
            Cleanup::Postgres { name, db } => {
                drop(self.store);
                let _ = db.close().await;
                if let Ok(admin) = Database::connect(PG_ADMIN_URL).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            }
        }
    }

    /// A server with test-friendly intervals.
    pub async fn server(&self, registry: Registry, config: ServerConfig) -> ServerHandle {
        Server::new(self.client.clone(), registry, config)
            .start()
            .await
            .expect("server starts")
    }
}

/// Test defaults: fast heartbeats and polls, a short shutdown.
pub fn fast_config() -> ServerConfig {
    ServerConfig {
        concurrency: 5,
        heartbeat_interval: Duration::from_millis(100),
        poll_interval: Duration::from_millis(50),
        orphan_check_interval: Duration::from_millis(200),
        idle_poll_max: Duration::from_millis(20),
        shutdown_timeout: Duration::from_secs(5),
        ..ServerConfig::default()
    }
}

pub fn real_now() -> f64 {
    use copydesk_workers::Clock;
    copydesk_workers::SystemClock.now()
}

pub async fn redis_store(prefix: &str) -> Result<RedisStore, String> {
    let connect = RedisStore::connect_with_prefix(REDIS_URL, prefix);
    match tokio::time::timeout(Duration::from_secs(3), connect).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timeout".into()),
    }
}

pub async fn delete_prefix(conn: &mut redis::aio::MultiplexedConnection, prefix: &str) {
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(conn)
        .await
        .unwrap_or_default();
    for chunk in keys.chunks(500) {
        let _: Result<(), _> = redis::cmd("DEL").arg(chunk).query_async(conn).await;
    }
}

#[cfg(feature = "sql")]
pub async fn sqlite_db(path: &std::path::Path) -> DatabaseConnection {
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(4).sqlx_logging(false);
    let db = Database::connect(opts).await.expect("sqlite opens");
    db.execute_unprepared("PRAGMA journal_mode=WAL")
        .await
        .expect("wal");
    copydesk_workers::store::sql::create_tables(&db)
        .await
        .expect("tables");
    db
}

#[cfg(feature = "sql")]
pub async fn postgres_db(name: &str) -> Result<DatabaseConnection, String> {
    let admin = tokio::time::timeout(Duration::from_secs(3), Database::connect(PG_ADMIN_URL))
        .await
        .map_err(|_| "timeout".to_string())?
        .map_err(|e| e.to_string())?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .map_err(|e| e.to_string())?;
    let _ = admin.close().await;
    let mut opts = ConnectOptions::new(format!("postgres://postgres@127.0.0.1:5432/{name}"));
    opts.max_connections(6).sqlx_logging(false);
    let db = Database::connect(opts).await.map_err(|e| e.to_string())?;
    copydesk_workers::store::sql::create_tables(&db)
        .await
        .map_err(|e| e.to_string())?;
    Ok(db)
}

/// Run `body` on `backend` (or skip), cleaning up even when the body panics.
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Arc<Env>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(env) = Env::open(backend).await else {
        return;
    };
    let env = Arc::new(env);
    let outcome = tokio::spawn(body(env.clone())).await;
    if let Ok(env) = Arc::try_unwrap(env) {
        env.close().await;
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Poll `check` every 20 ms until it holds, at most `secs` seconds.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let rounds = secs * 50;
    for _ in 0..rounds {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// One test per backend for each named conformance body.
#[macro_export]
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod on_redis {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $crate::common::run($crate::common::Backend::Redis, super::$name).await })*
        }
        mod on_sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $crate::common::run($crate::common::Backend::Sqlite, super::$name).await })*
        }
        mod on_postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $crate::common::run($crate::common::Backend::Postgres, super::$name).await })*
        }
    };
}

/// Seconds on a manual clock.
pub trait NowSecs {
    fn now_secs(&self) -> f64;
}

impl NowSecs for ManualClock {
    fn now_secs(&self) -> f64 {
        use copydesk_workers::Clock;
        self.now()
    }
}
