//! Interop with rusty-sidekiq 0.15 on real Redis: jobs pass both ways.
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
    Client, Job, JobContext, JobError, Server, api::Inspector, store::redis::RedisStore,
};
use sidekiq::{Processor, RedisConnectionManager, RedisPool, Worker};

const DB: u8 = 6;

async fn open() -> Option<(Arc<RedisStore>, RedisPool)> {
    let url = format!("{}/{DB}", common::REDIS_URL);
    let Ok(Ok(store)) =
        tokio::time::timeout(Duration::from_secs(3), RedisStore::connect(&url)).await
    else {
        common::unavailable("redis", "cannot connect");
        return None;
    };
    let _: () = redis::cmd("FLUSHDB")
        .query_async(&mut store.connection())
        .await
        .unwrap();
    let pool = bb8::Pool::builder()
        .build(RedisConnectionManager::new(url.as_str()).unwrap())
        .await
        .unwrap();
    Some((Arc::new(store), pool))
}

/// A rusty-sidekiq worker; its class name is `RustyCount`.
#[derive(Clone, Default)]
struct RustyCount {
    seen: Arc<std::sync::Mutex<Vec<(String, i64)>>>,
    runs: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl Worker<(String, i64)> for RustyCount {
    async fn perform(&self, args: (String, i64)) -> sidekiq::Result<()> {
        self.seen.lock().unwrap().push(args);
        self.runs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Our side of `RustyCount`, to enqueue it.
struct RustyCountJob;

impl Job for RustyCountJob {
    type Args = (String, i64);
    const CLASS: &'static str = "RustyCount";

    async fn perform(&self, _ctx: JobContext, _args: (String, i64)) -> Result<(), JobError> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_pass_both_ways_with_rusty_sidekiq() {
    let Some((store, pool)) = open().await else {
        return;
    };
    let client = Client::new(store.clone());

    // rusty-sidekiq → copydesk-workers (rusty-sidekiq writes millisecond timestamps).
    for i in 0..3 {
        sidekiq::perform_async(
            &pool,
            "CountJob".into(),
            "default".into(),
            ("rusty".to_string(), i),
        )
        .await
        .unwrap();
    }
    let latency = Inspector::new(client.clone()).queues().await.unwrap()[0].latency;
    assert!(
        (0.0..60.0).contains(&latency),
        "millisecond timestamps read as seconds: {latency}"
    );
    let jobs = Jobs::new();
    let server = Server::new(client.clone(), jobs.registry(), fast_config())
        .start()
        .await
        .unwrap();
    let runs = jobs.count.runs.clone();
    eventually(20, "3 rusty-sidekiq jobs in copydesk-workers", || {
        let runs = runs.clone();
        async move { runs.load(Ordering::SeqCst) == 3 }
    })
    .await;
    server.shutdown().await.unwrap();
    let mut seen = jobs.count.seen.lock().await.clone();
    seen.sort();
    assert_eq!(
        seen,
        (0..3).map(|i| ("rusty".to_string(), i)).collect::<Vec<_>>()
    );

    // copydesk-workers → rusty-sidekiq.
    client
        .enqueue_bulk::<RustyCountJob>((0..3).map(|i| ("workers-test".to_string(), i)))
        .await
        .unwrap();
    let worker = RustyCount::default();
    let mut processor = Processor::new(pool.clone(), vec!["default".to_string()]);
    processor.register(worker.clone());
    let cancel = processor.get_cancellation_token();
    let task = tokio::spawn(processor.run());
    let runs = worker.runs.clone();
    eventually(20, "3 copydesk-workers jobs in rusty-sidekiq", || {
        let runs = runs.clone();
        async move { runs.load(Ordering::SeqCst) == 3 }
    })
    .await;
    cancel.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    let mut seen = worker.seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(
        seen,
        (0..3)
            .map(|i| ("workers-test".to_string(), i))
            .collect::<Vec<_>>()
    );
    let _: () = redis::cmd("FLUSHDB")
        .query_async(&mut store.connection())
        .await
        .unwrap();
}
