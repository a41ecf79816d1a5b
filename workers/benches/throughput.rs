//! 100,000 no-op jobs at concurrency 25: copydesk-workers on Redis against Ruby Sidekiq 6.4 on the
//! same Redis, then its SQL store on SQLite and PostgreSQL.
//!
//!   nice -n 19 cargo bench -p copydesk-workers --bench throughput
//!
//! Env: `BENCH_JOBS` (100000), `BENCH_SQL_JOBS` (same), `BENCH_REDIS_URL`
//! (redis://127.0.0.1:6379/7, flushed), `BENCH_PG_URL` (postgres://postgres@127.0.0.1:5432),
//! `BENCH_SKIP` (comma list of `ruby`, `sqlite`, `postgres`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use copydesk_workers::{
    Client, Job, JobContext, JobError, Registry, Server, ServerConfig,
    store::{Store, redis::RedisStore, sql::SqlStore},
};
use redis::aio::ConnectionManager;
use sea_orm::{ConnectOptions, ConnectionTrait, Database};

const CONCURRENCY: usize = 25;
const CHUNK: usize = 1000;
/// Longest any phase may take before the benchmark gives up.
const PHASE_LIMIT: Duration = Duration::from_secs(900);
const RUBY_WORKER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/compat/ruby_worker.rb");

#[derive(Clone, Default)]
struct NoopJob {
    done: Arc<AtomicUsize>,
}

impl Job for NoopJob {
    type Args = (i64,);
    const CLASS: &'static str = "NoopJob";
    const QUEUE: &'static str = "bench";

    async fn perform(&self, _ctx: JobContext, _args: (i64,)) -> Result<(), JobError> {
        self.done.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn skipped(what: &str) -> bool {
    std::env::var("BENCH_SKIP").is_ok_and(|v| v.split(',').any(|s| s.trim() == what))
}

/// Enqueue `n` jobs in bulk chunks; returns jobs/s.
async fn enqueue(client: &Client, n: usize) -> f64 {
    let start = Instant::now();
    let mut pushed = 0;
    while pushed < n {
        let k = CHUNK.min(n - pushed);
        client
            .enqueue_bulk::<NoopJob>((pushed..pushed + k).map(|i| (i as i64,)))
            .await
            .unwrap();
        pushed += k;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Enqueue `n` jobs one call each; returns jobs/s.
async fn enqueue_single(client: &Client, n: usize) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        client.enqueue::<NoopJob>(&(i as i64,)).await.unwrap();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn config() -> ServerConfig {
    ServerConfig {
        concurrency: CONCURRENCY,
        idle_poll_max: Duration::from_millis(5),
        ..ServerConfig::default().with_queues(&["bench"])
    }
}

/// Start a server, release `n` waiting jobs at once, and time until all ran; jobs/s.
async fn process(client: &Client, n: usize, release: impl AsyncFnOnce()) -> f64 {
    let job = NoopJob::default();
    let server = Server::new(
        client.clone(),
        Registry::new().register(job.clone()),
        config(),
    )
    .start()
    .await
    .unwrap();
    let start = Instant::now();
    release().await;
    while job.done.load(Ordering::Relaxed) < n && start.elapsed() < PHASE_LIMIT {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let rate = job.done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    server.shutdown().await.unwrap();
    rate
}

async fn redis_cmd<T: redis::FromRedisValue>(conn: &mut ConnectionManager, args: &[&str]) -> T {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query_async(conn).await.unwrap()
}

async fn ruby_sidekiq(
    url: &str,
    client: &Client,
    conn: &mut ConnectionManager,
    n: usize,
) -> Option<f64> {
    // The jobs wait under another key until Sidekiq is up, then are released at once.
    enqueue(client, n).await;
    let _: () = redis_cmd(conn, &["RENAME", "queue:bench", "bench:hold"]).await;
    let mut child = tokio::process::Command::new("sidekiq")
        .args([
            "-r",
            RUBY_WORKER,
            "-c",
            &CONCURRENCY.to_string(),
            "-q",
            "bench",
        ])
        .env("REDIS_URL", url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    let start = Instant::now();
    let mut up = false;
    while start.elapsed() < Duration::from_secs(60) && !up {
        let n: u64 = redis_cmd(conn, &["SCARD", "processes"]).await;
        up = n > 0;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !up {
        eprintln!("ruby sidekiq did not start");
        return None;
    }
    let before: Option<u64> = redis_cmd(conn, &["GET", "stat:processed"]).await;
    let _: () = redis_cmd(conn, &["RENAME", "bench:hold", "queue:bench"]).await;
    let start = Instant::now();
    loop {
        let left: u64 = redis_cmd(conn, &["LLEN", "queue:bench"]).await;
        if left == 0 || start.elapsed() > PHASE_LIMIT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    // TERM: Sidekiq finishes its jobs and flushes its stats, which confirms the count.
    let pid = child.id()?.to_string();
    let _ = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await;
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    let after: Option<u64> = redis_cmd(conn, &["GET", "stat:processed"]).await;
    let ran = after.unwrap_or(0) - before.unwrap_or(0);
    let left: u64 = redis_cmd(conn, &["LLEN", "queue:bench"]).await;
    println!("  ruby sidekiq 6.4: stat:processed grew by {ran}; {left} jobs left in the queue");
    Some(n as f64 / elapsed)
}

async fn bench_redis(n: usize) {
    let url =
        std::env::var("BENCH_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/7".into());
    let store = Arc::new(RedisStore::connect(&url).await.expect("redis"));
    let mut conn = store.connection();
    let _: () = redis_cmd(&mut conn, &["FLUSHDB"]).await;
    let client = Client::new(store.clone());
    println!(
        "== Redis store ({url}), {n} no-op jobs, concurrency {CONCURRENCY}, reliable fetch on"
    );
    let single = enqueue_single(&client, n / 10).await;
    let _: () = redis_cmd(&mut conn, &["DEL", "queue:bench"]).await;
    println!(
        "  workers enqueue , one call per job:  {single:>10.0} jobs/s ({} jobs)",
        n / 10
    );
    let bulk = enqueue(&client, n).await;
    println!("  workers enqueue , bulk of {CHUNK}:      {bulk:>10.0} jobs/s");
    let _: () = redis_cmd(&mut conn, &["RENAME", "queue:bench", "bench:hold"]).await;
    let mut c2 = conn.clone();
    let ours = process(&client, n, async move || {
        let _: () = redis_cmd(&mut c2, &["RENAME", "bench:hold", "queue:bench"]).await;
    })
    .await;
    println!("  workers processing:                  {ours:>10.0} jobs/s");
    if skipped("ruby") {
        return;
    }
    match ruby_sidekiq(&url, &client, &mut conn, n).await {
        Some(ruby) => {
            println!("  ruby sidekiq 6.4 processing:         {ruby:>10.0} jobs/s");
            println!(
                "  ratio workers / sidekiq:             {:>10.2}x",
                ours / ruby
            );
        }
        None => println!("  ruby sidekiq: not run (is `sidekiq` installed?)"),
    }
    let _: () = redis_cmd(&mut conn, &["FLUSHDB"]).await;
}

async fn bench_sql(label: &str, db: sea_orm::DatabaseConnection, n: usize) {
    copydesk_workers::store::sql::create_tables(&db)
        .await
        .unwrap();
    let store: Arc<dyn Store> = Arc::new(SqlStore::new(db.clone()));
    let client = Client::new(store);
    println!("== SQL store on {label}, {n} no-op jobs, concurrency {CONCURRENCY}");
    let bulk = enqueue(&client, n).await;
    println!("  enqueue, bulk of {CHUNK}:   {bulk:>10.0} jobs/s");
    // Hold the jobs back under another queue name, then release them in one statement.
    db.execute_unprepared("UPDATE worker_jobs SET queue = 'hold' WHERE queue = 'bench'")
        .await
        .unwrap();
    let db2 = db.clone();
    let rate = process(&client, n, async move || {
        db2.execute_unprepared("UPDATE worker_jobs SET queue = 'bench' WHERE queue = 'hold'")
            .await
            .unwrap();
    })
    .await;
    println!("  processing:               {rate:>10.0} jobs/s");
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n = env_usize("BENCH_JOBS", 100_000);
    let n_sql = env_usize("BENCH_SQL_JOBS", n);
    bench_redis(n).await;
    if !skipped("sqlite") {
        let path =
            std::env::temp_dir().join(format!("workers-bench-{}.sqlite", std::process::id()));
        let mut opts = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
        opts.max_connections(8).sqlx_logging(false);
        let db = Database::connect(opts).await.unwrap();
        db.execute_unprepared("PRAGMA journal_mode=WAL")
            .await
            .unwrap();
        db.execute_unprepared("PRAGMA synchronous=NORMAL")
            .await
            .unwrap();
        bench_sql("SQLite (file, WAL)", db.clone(), n_sql).await;
        let _ = db.close().await;
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
    }
    if !skipped("postgres") {
        let base = std::env::var("BENCH_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let name = format!("cdbench_{}", std::process::id());
        let admin = Database::connect(format!("{base}/postgres")).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let mut opts = ConnectOptions::new(format!("{base}/{name}"));
        opts.max_connections(10).sqlx_logging(false);
        let db = Database::connect(opts).await.unwrap();
        bench_sql("PostgreSQL", db.clone(), n_sql).await;
        let _ = db.close().await;
        admin
            .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
    }
}
