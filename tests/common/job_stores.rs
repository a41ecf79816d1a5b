//! Request tests of the job screens on every job store: the SQL store (on SQLite and on
//! PostgreSQL) and real Redis. Each Redis test gets a Redis database of its own, emptied
//! before and after, so tests run in parallel.
use super::required;

/// Points the app's job store at `store` (`sql` or `redis`, on Redis database `redis_db`).
pub fn use_store(config: &mut loco_rs::config::Config, store: &str, redis_db: u8) {
    if let Some(s) = config.settings.as_mut() {
        s["jobs"]["store"] = serde_json::json!(store);
        s["jobs"]["redis_url"] = serde_json::json!(redis_url(redis_db));
    }
}

pub fn redis_url(db: u8) -> String {
    format!("redis://127.0.0.1:6379/{db}")
}

/// Empties Redis database `db`; false (with a note) when Redis cannot be reached and is not
/// required.
pub async fn flush_redis(db: u8) -> bool {
    let client = redis::Client::open(redis_url(db)).unwrap();
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
        assert!(!required("redis"), "Redis is required but unreachable");
        eprintln!("skipped: Redis unreachable (set COPYDESK_TEST_REQUIRE=redis to fail instead)");
        return false;
    };
    let _: () = redis::cmd("FLUSHDB").query_async(&mut conn).await.unwrap();
    true
}

/// `mod $name { sql_on_sqlite, sql_on_postgres, redis }`, each running `$flow(app)` on
/// that store; the Redis one on database `$db` (which no other test may use).
#[macro_export]
macro_rules! on_each_job_store {
    ($name:ident, redis_db = $db:expr, $flow:ident) => {
        mod $name {
            use $crate::common::{Backend, job_stores, run_with};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sql_on_sqlite() {
                run_with(
                    Backend::Sqlite,
                    |c| job_stores::use_store(c, "sql", $db),
                    super::$flow,
                )
                .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sql_on_postgres() {
                run_with(
                    Backend::Postgres,
                    |c| job_stores::use_store(c, "sql", $db),
                    super::$flow,
                )
                .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis() {
                if !job_stores::flush_redis($db).await {
                    return;
                }
                run_with(
                    Backend::Sqlite,
                    |c| job_stores::use_store(c, "redis", $db),
                    super::$flow,
                )
                .await;
                job_stores::flush_redis($db).await;
            }
        }
    };
}
