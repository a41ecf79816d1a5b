//! Fault tests on real Redis: a worker killed with SIGKILL mid-job, connections cut under a
//! running server, and a Redis server (the test's own) restarted mid-run. (The always-failing job walking the retry schedule into the dead
//! set, with a controlled clock, is in the conformance suite.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use common::{eventually, fast_config};
use copydesk_workers::{
    Client, Job, JobContext, JobError, Registry, Server, ServerConfig,
    api::Inspector,
    store::{Inspect, redis::RedisStore},
};
use redis::aio::ConnectionManager;
use tokio::{process::Command, sync::Mutex};

const FIXTURE: &str = env!("CARGO_BIN_EXE_copydesk-workers-fixture");

async fn open(index: u8) -> Option<(String, Arc<RedisStore>, ConnectionManager)> {
    let url = format!("{}/{index}", common::REDIS_URL);
    match tokio::time::timeout(Duration::from_secs(3), RedisStore::connect(&url)).await {
        Ok(Ok(store)) => {
            let mut conn = store.connection();
            let _: () = redis::cmd("FLUSHDB").query_async(&mut conn).await.unwrap();
            Some((url, Arc::new(store), conn))
        }
        _ => {
            common::unavailable("redis", "cannot connect");
            None
        }
    }
}

async fn llen(conn: &mut ConnectionManager, key: &str) -> usize {
    redis::cmd("LLEN").arg(key).query_async(conn).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_of_a_killed_worker_runs_after_restart() {
    let Some((url, store, mut conn)) = open(14).await else {
        return;
    };
    let client = Client::new(store.clone());
    let payload = copydesk_workers::Payload::new(
        "MarkJob",
        "default",
        vec![3000.into()],
        true.into(),
        common::real_now(),
    );
    let jid = payload.jid().to_string();
    client.push(vec![payload]).await.unwrap();

    let spawn = || {
        Command::new(FIXTURE)
            .env("REDIS_URL", &url)
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    };
    let mut first = spawn();
    for _ in 0..1500 {
        if llen(&mut conn, "marks:start").await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        llen(&mut conn, "marks:start").await,
        1,
        "the first worker started the job"
    );
    first.start_kill().unwrap(); // SIGKILL
    first.wait().await.unwrap();
    assert_eq!(llen(&mut conn, "marks:done").await, 0);
    assert_eq!(
        llen(&mut conn, "queue:default").await,
        0,
        "the job left its queue"
    );
    let working: Vec<String> = redis::cmd("KEYS")
        .arg("workers:working:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        working.len(),
        1,
        "the job waits in the dead worker's in-progress list"
    );
    assert_eq!(llen(&mut conn, &working[0]).await, 1);

    let mut second = spawn();
    for _ in 0..1500 {
        if llen(&mut conn, "marks:done").await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _: () = redis::cmd("SET")
        .arg("fixture:stop")
        .arg(1)
        .query_async(&mut conn)
        .await
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(20), second.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
    let done: Vec<String> = redis::cmd("LRANGE")
        .arg("marks:done")
        .arg(0)
        .arg(-1)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(done, vec![jid.clone()], "the restarted worker ran the job");
    assert_eq!(
        llen(&mut conn, "marks:start").await,
        2,
        "it ran again from the start"
    );
    let left: Vec<String> = redis::cmd("KEYS")
        .arg("workers:working:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(left.is_empty(), "no in-progress list is left: {left:?}");
    assert_eq!(store.counters(&[]).await.unwrap().processed, 1);
    let _: () = redis::cmd("FLUSHDB").query_async(&mut conn).await.unwrap();
}

/// Records each argument it runs with, after a short sleep.
#[derive(Clone, Default)]
struct Slow {
    seen: Arc<Mutex<HashSet<i64>>>,
    runs: Arc<AtomicUsize>,
}

impl Job for Slow {
    type Args = (i64,);
    const CLASS: &'static str = "Slow";

    async fn perform(&self, _ctx: JobContext, (n,): (i64,)) -> Result<(), JobError> {
        tokio::time::sleep(Duration::from_millis(10)).await;
        self.seen.lock().await.insert(n);
        self.runs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Kill every connection on database `index` except `own`.
async fn cut_connections(conn: &mut ConnectionManager, index: u8, own: i64) -> usize {
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(conn)
        .await
        .unwrap();
    let mut killed = 0;
    for line in list.lines() {
        let field = |name: &str| {
            line.split(' ')
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
        };
        let (Some(id), Some(db)) = (field("id"), field("db")) else {
            continue;
        };
        let id: i64 = id.parse().unwrap();
        if db == index.to_string() && id != own {
            let _: Result<(), _> = redis::cmd("CLIENT")
                .arg("KILL")
                .arg("ID")
                .arg(id)
                .query_async(conn)
                .await;
            killed += 1;
        }
    }
    killed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_reconnect_after_their_connections_are_killed() {
    let Some((url, store, _)) = open(8).await else {
        return;
    };
    // The test's own connection, spared by the kills.
    let mut admin = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection_manager()
        .await
        .unwrap();
    let own: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut admin)
        .await
        .unwrap();
    let client = Client::new(store.clone());
    let job = Slow::default();
    let config = ServerConfig {
        concurrency: 10,
        ..fast_config()
    };
    let server = Server::new(
        client.clone(),
        Registry::new().register(job.clone()),
        config,
    )
    .start()
    .await
    .unwrap();
    client
        .enqueue_bulk::<Slow>((0..400).map(|i| (i,)))
        .await
        .unwrap();
    for round in 1..=3 {
        let runs = job.runs.clone();
        eventually(30, "progress", || {
            let runs = runs.clone();
            async move { runs.load(Ordering::SeqCst) >= round * 80 }
        })
        .await;
        assert!(
            cut_connections(&mut admin, 8, own).await >= 1,
            "round {round}: a connection was cut"
        );
    }
    let seen = job.seen.clone();
    eventually(60, "all 400 jobs", || {
        let seen = seen.clone();
        async move { seen.lock().await.len() == 400 }
    })
    .await;
    server.shutdown().await.unwrap();
    assert_eq!(llen(&mut admin, "queue:default").await, 0);
    let working: Vec<String> = redis::cmd("KEYS")
        .arg("workers:working:*")
        .query_async(&mut admin)
        .await
        .unwrap();
    assert!(working.is_empty(), "every job acknowledged: {working:?}");
    // At-least-once: an acknowledgement cut mid-flight may rerun a job, never lose one.
    let stats = Inspector::new(client).stats(1).await.unwrap();
    assert!(
        stats.processed >= 400,
        "stats flushed after reconnecting: {}",
        stats.processed
    );
    let _: () = redis::cmd("FLUSHDB").query_async(&mut admin).await.unwrap();
}

/// A Redis server of the test's own, on a free port, persisting to an append-only file so a
/// restart keeps its data (as a production Redis with AOF does).
struct PrivateRedis {
    port: u16,
    dir: std::path::PathBuf,
    child: Option<std::process::Child>,
}

impl PrivateRedis {
    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let dir = std::env::temp_dir().join(format!("workers-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let mut r = Self {
            port,
            dir,
            child: None,
        };
        r.spawn().then_some(r)
    }

    fn spawn(&mut self) -> bool {
        let Ok(child) = std::process::Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &self.port.to_string(),
                "--save",
                "",
            ])
            .args(["--appendonly", "yes", "--appendfsync", "always", "--dir"])
            .arg(&self.dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        else {
            return false;
        };
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_reconnect_and_finish_after_redis_restarts() {
    let Some(mut redis_server) = PrivateRedis::start() else {
        common::unavailable("redis", "could not start a private redis-server");
        return;
    };
    let store = Arc::new(RedisStore::connect(&redis_server.url()).await.unwrap());
    let client = Client::new(store.clone());
    let job = Slow::default();
    let server = Server::new(
        client.clone(),
        Registry::new().register(job.clone()),
        ServerConfig {
            concurrency: 10,
            ..fast_config()
        },
    )
    .start()
    .await
    .unwrap();
    client
        .enqueue_bulk::<Slow>((0..300).map(|i| (i,)))
        .await
        .unwrap();
    let runs = job.runs.clone();
    eventually(30, "progress before the restart", || {
        let runs = runs.clone();
        async move { runs.load(Ordering::SeqCst) >= 60 }
    })
    .await;
    // Redis goes away mid-run and comes back a moment later.
    redis_server.kill();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(redis_server.spawn(), "redis-server restarts");
    let seen = job.seen.clone();
    eventually(60, "all 300 jobs after the restart", || {
        let seen = seen.clone();
        async move { seen.lock().await.len() == 300 }
    })
    .await;
    server.shutdown().await.unwrap();
    let mut conn = store.connection();
    assert_eq!(
        llen(&mut conn, "queue:default").await,
        0,
        "nothing left queued"
    );
    let working: Vec<String> = redis::cmd("KEYS")
        .arg("workers:working:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut left = 0;
    for key in &working {
        left += llen(&mut conn, key).await;
    }
    assert_eq!(left, 0, "every job acknowledged: {working:?}");
}
