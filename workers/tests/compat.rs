//! Compatibility with real Ruby Sidekiq 6.4 (Debian `ruby-sidekiq`) on real Redis.
//!
//! Each test owns one Redis database index (Sidekiq's keys are unprefixed) and flushes it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use common::{eventually, fast_config, jobs::*};
use copydesk_workers::{
    Client, Job, JobContext, JobError, Registry, Server, ServerConfig,
    store::{Inspect, SortedSet, redis::RedisStore},
};
use serde_json::{Value, json};
use tokio::{process::Command, sync::Mutex};

const HELPER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/compat/sidekiq_helper.rb"
);
const RUBY_WORKER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/compat/ruby_worker.rb");

struct Db {
    url: String,
    store: Arc<RedisStore>,
    client: Client,
}

impl Db {
    /// Database `index`, flushed; None (skipped) when Redis or Ruby Sidekiq is missing.
    async fn open(index: u8) -> Option<Self> {
        let ruby = Command::new("ruby")
            .args([
                "-e",
                "require 'sidekiq'; exit(Sidekiq::VERSION.start_with?('6.4') ? 0 : 1)",
            ])
            .status()
            .await;
        if !ruby.is_ok_and(|s| s.success()) {
            common::unavailable(
                "sidekiq",
                "ruby with sidekiq 6.4 not installed (apt-get install ruby-sidekiq)",
            );
            return None;
        }
        let url = format!("{}/{index}", common::REDIS_URL);
        let store =
            match tokio::time::timeout(Duration::from_secs(3), RedisStore::connect(&url)).await {
                Ok(Ok(s)) => Arc::new(s),
                _ => {
                    common::unavailable("redis", "cannot connect");
                    return None;
                }
            };
        let _: () = redis::cmd("FLUSHDB")
            .query_async(&mut store.connection())
            .await
            .unwrap();
        let client = Client::new(store.clone());
        Some(Self { url, store, client })
    }

    async fn ruby(&self, args: &[&str]) -> String {
        let out = Command::new("ruby")
            .arg(HELPER)
            .args(args)
            .env("REDIS_URL", &self.url)
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "ruby {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    async fn inspect(&self) -> Value {
        serde_json::from_str(&self.ruby(&["inspect"]).await).unwrap()
    }

    async fn web(&self, path: &str) -> String {
        let page = self.ruby(&["web", path]).await;
        assert!(
            page.starts_with("200\n"),
            "{path}: {}",
            &page[..page.len().min(300)]
        );
        page
    }

    async fn close(self) {
        let _: () = redis::cmd("FLUSHDB")
            .query_async(&mut self.store.connection())
            .await
            .unwrap();
    }
}

fn this_year() -> i64 {
    use chrono::Datelike;
    i64::from(chrono::Utc::now().year())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ruby_enqueued_jobs_run_in_workers() {
    let Some(db) = Db::open(9).await else { return };
    let jids: Vec<String> =
        serde_json::from_str(&db.ruby(&["enqueue", "CountJob", "5"]).await).unwrap();
    assert_eq!(jids.len(), 5);
    let jobs = Jobs::new();
    let server = Server::new(db.client.clone(), jobs.registry(), fast_config())
        .start()
        .await
        .unwrap();
    let runs = jobs.count.runs.clone();
    eventually(20, "5 Ruby jobs", || {
        let runs = runs.clone();
        async move { runs.load(Ordering::SeqCst) == 5 }
    })
    .await;
    server.shutdown().await.unwrap();
    let mut seen = jobs.count.seen.lock().await.clone();
    seen.sort();
    assert_eq!(
        seen,
        (0..5).map(|i| ("ruby".to_string(), i)).collect::<Vec<_>>()
    );
    let ruby = db.inspect().await;
    assert_eq!(ruby["stats"]["processed"], 5);
    assert_eq!(ruby["stats"]["enqueued"], 0);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_enqueued_jobs_run_in_ruby_sidekiq() {
    let Some(db) = Db::open(10).await else { return };
    let jids = db
        .client
        .enqueue_bulk::<Count>((0..5).map(|i| ("rust".to_string(), i)))
        .await
        .unwrap();
    let at = db
        .client
        .enqueue_in::<Count>(Duration::from_secs(1), &("later".into(), 9))
        .await
        .unwrap();
    let mut child = Command::new("sidekiq")
        .args(["-r", RUBY_WORKER, "-c", "5", "-q", "default"])
        .env("REDIS_URL", &db.url)
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("sidekiq runs");
    let mut conn = db.store.connection();
    let mut done: Vec<String> = Vec::new();
    for _ in 0..1500 {
        done = redis::cmd("LRANGE")
            .arg("ruby:done")
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await
            .unwrap();
        if done.len() == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap();
    let _ = child.wait().await;
    assert_eq!(done.len(), 6, "Ruby ran every job we enqueued: {done:?}");
    let mut ran: Vec<String> = done
        .iter()
        .map(|d| {
            serde_json::from_str::<Value>(d).unwrap()[2]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    ran.sort();
    let mut expected = jids.clone();
    expected.push(at);
    expected.sort();
    assert_eq!(ran, expected);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_failures_read_correctly_in_ruby_api_and_web_ui() {
    let Some(db) = Db::open(11).await else { return };
    let jobs = Jobs::new();
    let config = ServerConfig {
        tag: "workers-test".into(),
        shutdown_timeout: Duration::from_millis(100),
        ..fast_config()
    };
    let server = Server::new(db.client.clone(), jobs.registry(), config)
        .start()
        .await
        .unwrap();
    let mut failing = db.client.payload::<AlwaysFails>(&(1,)).unwrap();
    failing.set("backtrace", true.into());
    failing.set("bid", "kept".into());
    let retry_jid = failing.jid().to_string();
    let mut doomed = db.client.payload::<AlwaysFails>(&(2,)).unwrap();
    doomed.set("retry", 0.into());
    let dead_jid = doomed.jid().to_string();
    db.client.push(vec![failing, doomed]).await.unwrap();
    let busy_jid = db.client.enqueue::<Sleepy>(&(30_000,)).await.unwrap();
    let store = db.store.clone();
    eventually(20, "a retry, a dead job, stats flushed", || {
        let store = store.clone();
        async move {
            let c = store.counters(&[]).await.unwrap();
            store.set_size(SortedSet::Retry).await.unwrap() == 1
                && store.set_size(SortedSet::Dead).await.unwrap() == 1
                && c.failed == 2
                && store.work(0.0).await.unwrap().len() == 1
        }
    })
    .await;

    let ruby = db.inspect().await;
    let year = this_year();
    let retry = &ruby["retries"][0];
    assert_eq!(retry["jid"], retry_jid.as_str());
    assert_eq!(retry["klass"], "AlwaysFails");
    assert_eq!(retry["error_message"], "it always fails");
    assert_eq!(retry["error_class"], "RuntimeError");
    assert_eq!(retry["retry_count"], 0);
    assert_eq!(retry["bid"], "kept");
    assert_eq!(retry["at_year"], year);
    assert_eq!(retry["failed_at_year"], year);
    assert_eq!(retry["created_at_year"], year);
    assert_eq!(
        retry["error_backtrace"],
        json!(["RuntimeError: it always fails"])
    );
    let dead = &ruby["dead"][0];
    assert_eq!(dead["jid"], dead_jid.as_str());
    assert_eq!(dead["at_year"], year);
    assert_eq!(dead["error_message"], "it always fails");
    assert_eq!(ruby["stats"]["processed"], 2);
    assert_eq!(ruby["stats"]["failed"], 2);
    assert_eq!(ruby["stats"]["retry_size"], 1);
    assert_eq!(ruby["stats"]["dead_size"], 1);
    assert_eq!(ruby["stats"]["processes_size"], 1);
    assert_eq!(ruby["stats"]["workers_size"], 1);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(ruby["history_failed"][&today], 2);
    let process = &ruby["processes"][0];
    assert_eq!(process["identity"], server.identity());
    assert_eq!(process["busy"], 1);
    assert_eq!(process["quiet"], false);
    assert_eq!(process["tag"], "workers-test");
    assert_eq!(process["concurrency"], 5);
    assert_eq!(process["queues"], json!(["default"]));
    assert_eq!(process["beat_year"], year);
    assert_eq!(process["started_at_year"], year);
    let worker = &ruby["workers"][0];
    assert_eq!(worker["process"], server.identity());
    assert_eq!(worker["jid"], busy_jid.as_str());
    assert_eq!(worker["class"], "Sleepy");
    assert_eq!(worker["queue"], "default");
    assert_eq!(worker["run_at_year"], year);

    // Sidekiq::Web renders the same data.
    let retries = db.web("/retries").await;
    assert!(
        retries.contains(&retry_jid) && retries.contains("AlwaysFails"),
        "retries page"
    );
    assert!(retries.contains("it always fails"));
    assert!(!retries.contains("58858"));
    let key = format!(
        "{}-{}",
        ruby["retries"][0]["at"].as_f64().unwrap(),
        retry_jid
    );
    let detail = db.web(&format!("/retries/{key}")).await;
    assert!(
        detail.contains(&retry_jid),
        "retry detail page names the jid"
    );
    assert!(
        detail.contains("RuntimeError: it always fails"),
        "backtrace shown"
    );
    let morgue = db.web("/morgue").await;
    assert!(morgue.contains("it always fails") && morgue.contains("AlwaysFails"));
    let busy = db.web("/busy").await;
    assert!(
        busy.contains(server.identity()) && busy.contains("workers-test"),
        "busy lists the process"
    );
    assert!(busy.contains("Sleepy"), "busy lists the running job");
    assert!(busy.contains(&busy_jid));
    db.web("/").await;

    server.shutdown().await.unwrap();
    db.close().await;
}

/// Fails on its first run; records the `retry_count` it sees afterwards.
#[derive(Clone, Default)]
struct FailsFirst {
    successes: Arc<AtomicUsize>,
    counts: Arc<Mutex<Vec<Option<i64>>>>,
}

impl Job for FailsFirst {
    type Args = ();
    const CLASS: &'static str = "FailsFirst";

    async fn perform(&self, ctx: JobContext, (): ()) -> Result<(), JobError> {
        self.counts.lock().await.push(ctx.retry_count());
        if ctx.retry_count().is_none() {
            return Err(JobError::msg("first run fails"));
        }
        self.successes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_now_in_sidekiq_web_runs_the_job_in_workers() {
    let Some(db) = Db::open(12).await else { return };
    let job = FailsFirst::default();
    let server = Server::new(
        db.client.clone(),
        Registry::new().register(job.clone()),
        fast_config(),
    )
    .start()
    .await
    .unwrap();
    db.client.enqueue::<FailsFirst>(&()).await.unwrap();
    let store = db.store.clone();
    eventually(20, "a retry", || {
        let store = store.clone();
        async move { store.set_size(SortedSet::Retry).await.unwrap() == 1 }
    })
    .await;
    // The retry is due in 15+ seconds; "Retry Now" in the Web UI pushes it at once.
    let out = db.ruby(&["web_retry_first"]).await;
    assert!(out.starts_with("302"), "{out}");
    let successes = job.successes.clone();
    eventually(20, "the retried job", || {
        let successes = successes.clone();
        async move { successes.load(Ordering::SeqCst) == 1 }
    })
    .await;
    server.shutdown().await.unwrap();
    // Sidekiq's Web UI decrements retry_count: 0 - 1 = -1, and that is a valid job.
    assert_eq!(*job.counts.lock().await, vec![None, Some(-1)]);
    assert_eq!(db.store.set_size(SortedSet::Retry).await.unwrap(), 0);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_and_stop_from_sidekiq_web() {
    let Some(db) = Db::open(13).await else { return };
    let jobs = Jobs::new();
    let server = Server::new(db.client.clone(), jobs.registry(), fast_config())
        .start()
        .await
        .unwrap();
    let out = db.ruby(&["web_quiet", server.identity()]).await;
    assert!(out.starts_with("302"), "{out}");
    for _ in 0..250 {
        if server.is_quiet() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(server.is_quiet());
    let ruby = db.inspect().await;
    let procs = ruby["processes"].as_array().unwrap().clone();
    let quiet = procs
        .iter()
        .find(|p| p["identity"] == server.identity())
        .map(|p| p["quiet"].clone());
    assert_eq!(
        quiet,
        Some(json!(true)),
        "Sidekiq's ProcessSet sees the process as quiet"
    );
    // Stop from the Web UI shuts the process down.
    let out = db.ruby(&["web_stop", server.identity()]).await;
    assert!(out.starts_with("302"), "{out}");
    tokio::time::timeout(Duration::from_secs(20), server.wait())
        .await
        .expect("stops")
        .unwrap();
    assert_eq!(db.inspect().await["stats"]["processes_size"], 0);
    db.close().await;
}
