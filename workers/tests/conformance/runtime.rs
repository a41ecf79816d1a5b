//! Fetching, running, scheduling, recovery, shutdown, signals and periodic jobs.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use copydesk_workers::{
    Payload, ServerConfig,
    api::{Filter, Inspector},
    store::{Completion, Fetched, Outcome, SortedSet},
};
use serde_json::{Value, json};

use crate::common::{Env, NowSecs, eventually, fast_config, jobs::*};

crate::conformance!(
    client_writes_sidekiq_payloads,
    fetch_is_reliable_and_ack_removes,
    server_runs_jobs_and_counts_stats,
    foreign_timestamp_units_are_read,
    scheduled_job_runs_at_its_time,
    orphaned_jobs_of_a_dead_process_are_recovered,
    shutdown_requeues_unfinished_jobs,
    quiet_and_stop_signals_are_obeyed,
    periodic_ticks_are_claimed_once,
    a_lost_fetch_reply_is_requeued,
);

async fn client_writes_sidekiq_payloads(env: Arc<Env>) {
    let jid = env.client.enqueue::<Count>(&("a".into(), 1)).await.unwrap();
    let inspector = Inspector::new(env.client.clone());
    let jobs = inspector.queue_jobs("default", 0, 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
    let v: Value = serde_json::from_str(&jobs[0].to_json()).unwrap();
    assert_eq!(v["class"], "CountJob");
    assert_eq!(v["args"], json!(["a", 1]));
    assert_eq!(v["jid"], jid);
    assert_eq!(jid.len(), 24);
    assert_eq!(v["queue"], "default");
    assert_eq!(v["retry"], true);
    assert!(v["created_at"].is_f64() && v["enqueued_at"].is_f64());
    assert!((v["enqueued_at"].as_f64().unwrap() - env.clock.now_secs()).abs() < 1.0);
    let bulk = env
        .client
        .enqueue_bulk::<Count>((0..3).map(|i| ("b".to_string(), i)))
        .await
        .unwrap();
    assert_eq!(bulk.len(), 3);
    let queues = inspector.queues().await.unwrap();
    assert_eq!(queues.len(), 1);
    assert_eq!((queues[0].name.as_str(), queues[0].size), ("default", 4));
}

async fn fetch_is_reliable_and_ack_removes(env: Arc<Env>) {
    env.client
        .enqueue_bulk::<Count>((0..3).map(|i| ("x".to_string(), i)))
        .await
        .unwrap();
    let store = &env.store;
    let queues = vec!["default".to_string()];
    let got = store.fetch("h:1:a", &queues, 2).await.unwrap();
    assert_eq!(got.len(), 2);
    // FIFO: the first enqueued is fetched first.
    assert_eq!(Payload::parse(&got[0].raw).unwrap().args()[1], json!(0));
    store
        .complete(
            "h:1:a",
            &[Completion {
                job: got[0].clone(),
                outcome: Outcome::Done,
            }],
            env.clock.now_secs(),
        )
        .await
        .unwrap();
    // The unacknowledged one goes back to its queue.
    assert_eq!(store.recover("h:1:a").await.unwrap(), 1);
    let again = store.fetch("h:1:b", &queues, 10).await.unwrap();
    assert_eq!(again.len(), 2);
    let mut args: Vec<Value> = again
        .iter()
        .map(|f| Payload::parse(&f.raw).unwrap().args()[1].clone())
        .collect();
    args.sort_by_key(|v| v.as_i64());
    assert_eq!(args, vec![json!(1), json!(2)]);
}

async fn server_runs_jobs_and_counts_stats(env: Arc<Env>) {
    let jobs = Jobs::new();
    let server = env.server(jobs.registry(), fast_config()).await;
    env.client
        .enqueue_bulk::<Count>((0..20).map(|i| ("n".to_string(), i)))
        .await
        .unwrap();
    let runs = jobs.count.runs.clone();
    eventually(10, "20 jobs run", || {
        let runs = runs.clone();
        async move { runs.load(Ordering::SeqCst) == 20 }
    })
    .await;
    server.shutdown().await.unwrap();
    let stats = Inspector::new(env.client.clone()).stats(2).await.unwrap();
    assert_eq!(stats.processed, 20);
    assert_eq!(stats.failed, 0);
    assert_eq!(stats.history[0].processed, 20);
    assert_eq!(stats.history[1].processed, 0);
    assert_eq!(stats.enqueued, 0);
    assert_eq!(stats.processes_size, 0, "a stopped process is removed");
}

async fn foreign_timestamp_units_are_read(env: Arc<Env>) {
    let now = env.clock.now_secs();
    let ms = (now * 1000.0) as i64 - 2000;
    let sidekiq8 = json!({"class": "CountJob", "args": ["s8", 8], "jid": "aaaaaaaaaaaaaaaaaaaaaaaa",
        "queue": "default", "retry": true, "created_at": ms, "enqueued_at": ms});
    let rusty = json!({"class": "CountJob", "args": ["rs", 9], "jid": "bbbbbbbbbbbbbbbbbbbbbbbb",
        "queue": "default", "retry": true, "created_at": now * 1000.0, "enqueued_at": now * 1000.0});
    env.store
        .push(&[
            ("default".into(), sidekiq8.to_string()),
            ("default".into(), rusty.to_string()),
        ])
        .await
        .unwrap();
    let queues = Inspector::new(env.client.clone()).queues().await.unwrap();
    assert!(
        (queues[0].latency - 2.0).abs() < 0.01,
        "latency {}",
        queues[0].latency
    );
    let jobs = Jobs::new();
    let server = env.server(jobs.registry(), fast_config()).await;
    let runs = jobs.count.runs.clone();
    eventually(10, "both run", || {
        let runs = runs.clone();
        async move { runs.load(Ordering::SeqCst) == 2 }
    })
    .await;
    server.shutdown().await.unwrap();
}

async fn scheduled_job_runs_at_its_time(env: Arc<Env>) {
    let jobs = Jobs::new();
    let server = env.server(jobs.registry(), fast_config()).await;
    env.client
        .enqueue_in::<Count>(Duration::from_secs(3600), &("later".into(), 1))
        .await
        .unwrap();
    let scheduled = Inspector::new(env.client.clone())
        .list(SortedSet::Schedule, &Filter::default(), 0, 5)
        .await
        .unwrap();
    assert_eq!(scheduled.total, 1);
    assert!(
        scheduled.jobs[0].payload.enqueued_at().is_none(),
        "Sidekiq stamps enqueued_at on push"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(jobs.count.runs.load(Ordering::SeqCst), 0);
    env.clock.advance(3601.0);
    let runs = jobs.count.runs.clone();
    eventually(10, "the scheduled job", || {
        let runs = runs.clone();
        async move { runs.load(Ordering::SeqCst) == 1 }
    })
    .await;
    server.shutdown().await.unwrap();
    assert_eq!(env.store.set_size(SortedSet::Schedule).await.unwrap(), 0);
}

async fn orphaned_jobs_of_a_dead_process_are_recovered(env: Arc<Env>) {
    env.client
        .enqueue::<Count>(&("orphan".into(), 1))
        .await
        .unwrap();
    // A process on this host whose pid does not exist took the job and vanished.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    let ghost = format!("{host}:4000000:deadbeef0000");
    env.store.register_fetcher(&ghost).await.unwrap();
    let taken: Vec<Fetched> = env
        .store
        .fetch(&ghost, &["default".into()], 1)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(env.store.queues().await.unwrap()[0].size, 0);
    let jobs = Jobs::new();
    let server = env.server(jobs.registry(), fast_config()).await;
    let runs = jobs.count.runs.clone();
    eventually(10, "the recovered job", || {
        let runs = runs.clone();
        async move { runs.load(Ordering::SeqCst) == 1 }
    })
    .await;
    server.shutdown().await.unwrap();
    assert!(
        env.store
            .fetchers(env.clock.now_secs())
            .await
            .unwrap()
            .iter()
            .all(|f| f.identity != ghost)
    );
}

async fn shutdown_requeues_unfinished_jobs(env: Arc<Env>) {
    let jobs = Jobs::new();
    let config = ServerConfig {
        shutdown_timeout: Duration::from_millis(200),
        ..fast_config()
    };
    let server = env.server(jobs.registry(), config).await;
    env.client.enqueue::<Sleepy>(&(60_000,)).await.unwrap();
    env.client.enqueue::<Sleepy>(&(10,)).await.unwrap();
    let finished = jobs.sleepy.finished.clone();
    eventually(10, "the short job", || {
        let finished = finished.clone();
        async move { finished.load(Ordering::SeqCst) == 1 }
    })
    .await;
    server.shutdown().await.unwrap();
    let waiting = Inspector::new(env.client.clone())
        .queue_jobs("default", 0, 10)
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1, "the long job is back in its queue");
    assert_eq!(waiting[0].args()[0], json!(60_000));
}

async fn quiet_and_stop_signals_are_obeyed(env: Arc<Env>) {
    let jobs = Jobs::new();
    let server = env.server(jobs.registry(), fast_config()).await;
    let inspector = Inspector::new(env.client.clone());
    inspector.quiet(server.identity()).await.unwrap();
    let i2 = inspector.clone();
    eventually(10, "quiet in the process record", || {
        let i2 = i2.clone();
        async move {
            i2.processes()
                .await
                .unwrap()
                .first()
                .is_some_and(|p| p.quiet)
        }
    })
    .await;
    assert!(server.is_quiet());
    env.client
        .enqueue::<Count>(&("quiet".into(), 1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        jobs.count.runs.load(Ordering::SeqCst),
        0,
        "a quiet process fetches nothing"
    );
    inspector.stop(server.identity()).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), server.wait())
        .await
        .expect("stops")
        .unwrap();
    assert!(inspector.processes().await.unwrap().is_empty());
    assert_eq!(inspector.queues().await.unwrap()[0].size, 1);
}

async fn periodic_ticks_are_claimed_once(env: Arc<Env>) {
    assert!(
        env.store
            .claim_tick("Nightly@0 3 * * *", 1_700_000_000)
            .await
            .unwrap()
    );
    assert!(
        !env.store
            .claim_tick("Nightly@0 3 * * *", 1_700_000_000)
            .await
            .unwrap()
    );
    assert!(
        env.store
            .claim_tick("Nightly@0 3 * * *", 1_700_086_400)
            .await
            .unwrap()
    );
    // Two servers, one cron job every second: each tick enqueues once.
    let jobs = Jobs::new();
    let a = copydesk_workers::Server::new(env.client.clone(), jobs.registry(), fast_config())
        .periodic::<Count>("* * * * * *", &("tick".into(), 0))
        .unwrap()
        .start()
        .await
        .unwrap();
    let b = copydesk_workers::Server::new(env.client.clone(), jobs.registry(), fast_config())
        .periodic::<Count>("* * * * * *", &("tick".into(), 0))
        .unwrap()
        .start()
        .await
        .unwrap();
    let start = env.clock.now_secs().floor();
    // Ten seconds of hand-moved time, one second at a time.
    for _ in 0..10 {
        env.clock.advance(1.0);
        tokio::time::sleep(Duration::from_millis(1_100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
    let seen = jobs.count.seen.lock().await.len();
    let expected = (env.clock.now_secs().floor() - start) as usize;
    assert_eq!(seen, expected, "one run per tick across two processes");
}

async fn a_lost_fetch_reply_is_requeued(env: Arc<Env>) {
    let jobs = Jobs::new();
    // The server works another queue, so only reconciliation touches `default`.
    let server = env
        .server(jobs.registry(), fast_config().with_queues(&["other"]))
        .await;
    env.client
        .enqueue::<Count>(&("lost".into(), 1))
        .await
        .unwrap();
    // A fetch under the server's identity whose reply never reached it.
    let taken = env
        .store
        .fetch(server.identity(), &["default".into()], 1)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    let (store, identity) = (env.store.clone(), server.identity().to_string());
    eventually(10, "the job back in its queue", || {
        let (store, identity) = (store.clone(), identity.clone());
        async move {
            store.in_progress(&identity).await.unwrap().is_empty()
                && store
                    .queues()
                    .await
                    .unwrap()
                    .iter()
                    .any(|q| q.name == "default" && q.size == 1)
        }
    })
    .await;
    server.shutdown().await.unwrap();
    assert_eq!(jobs.count.runs.load(Ordering::SeqCst), 0);
}
