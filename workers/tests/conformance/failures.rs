//! Failures: retry fields and backoff, the dead set, discards, panics, unknown fields.

use std::sync::{Arc, atomic::Ordering};

use copydesk_workers::{
    Payload,
    api::{Filter, Inspector},
    retry::{retry_delay, uncompress_backtrace},
    store::SortedSet,
};
use serde_json::{Value, json};

use crate::common::{Env, NowSecs, eventually, fast_config, jobs::*};

crate::conformance!(
    failure_files_a_retry_with_sidekiq_fields,
    always_failing_job_walks_the_schedule_into_the_dead_set,
    retry_false_is_discarded,
    panic_is_a_job_failure,
    unknown_fields_and_minus_one_survive_a_retry,
    dead_set_is_trimmed_like_sidekiq,
);

async fn failure_files_a_retry_with_sidekiq_fields(env: Arc<Env>) {
    let jobs = Jobs::new();
    let server = env.server(jobs.registry(), fast_config()).await;
    let mut payload = env.client.payload::<AlwaysFails>(&(7,)).unwrap();
    payload.set("backtrace", true.into());
    let jid = payload.jid().to_string();
    env.client.push(vec![payload]).await.unwrap();
    let store = env.store.clone();
    eventually(10, "a retry", || {
        let store = store.clone();
        async move { store.set_size(SortedSet::Retry).await.unwrap() == 1 }
    })
    .await;
    server.shutdown().await.unwrap();
    let now = env.clock.now_secs();
    let page = Inspector::new(env.client.clone())
        .list(SortedSet::Retry, &Filter::default(), 0, 10)
        .await
        .unwrap();
    let entry = &page.jobs[0];
    let p = &entry.payload;
    assert_eq!(p.jid(), jid);
    assert_eq!(p.retry_count(), Some(0));
    assert_eq!(p.error_message(), Some("it always fails"));
    assert_eq!(p.error_class(), Some("RuntimeError"));
    assert_eq!(p.get("failed_at").and_then(Value::as_f64), Some(now));
    assert!(p.get("retried_at").is_none());
    assert!(
        (now + 15.0..=now + 24.0).contains(&entry.score),
        "{} vs {now}",
        entry.score
    );
    let bt = uncompress_backtrace(p.get("error_backtrace").unwrap()).unwrap();
    assert_eq!(bt[0], "RuntimeError: it always fails");
    let stats = Inspector::new(env.client.clone()).stats(1).await.unwrap();
    assert_eq!((stats.processed, stats.failed, stats.retry_size), (1, 1, 1));
}

async fn always_failing_job_walks_the_schedule_into_the_dead_set(env: Arc<Env>) {
    let jobs = Jobs::new();
    let server = env.server(jobs.registry(), fast_config()).await;
    env.client.enqueue::<AlwaysFails>(&(1,)).await.unwrap();
    let inspector = Inspector::new(env.client.clone());
    for count in 0..25_i64 {
        let (store, runs) = (env.store.clone(), jobs.fails.runs.clone());
        eventually(10, "the next retry", || {
            let (store, runs) = (store.clone(), runs.clone());
            async move {
                runs.load(Ordering::SeqCst) as i64 == count + 1
                    && store.set_size(SortedSet::Retry).await.unwrap() == 1
            }
        })
        .await;
        let page = inspector
            .list(SortedSet::Retry, &Filter::default(), 0, 1)
            .await
            .unwrap();
        let entry = &page.jobs[0];
        assert_eq!(entry.payload.retry_count(), Some(count));
        let delay = entry.score - env.clock.now_secs();
        let (min, max) = (retry_delay(count, 0), retry_delay(count, 9));
        assert!(
            delay >= min - 1e-3 && delay <= max + 1e-3,
            "retry {count}: {delay} not in {min}..{max}"
        );
        // Move the clock to the retry time; the poller enqueues it.
        env.clock.set(entry.score + 0.5);
    }
    let store = env.store.clone();
    eventually(10, "the dead set", || {
        let store = store.clone();
        async move { store.set_size(SortedSet::Dead).await.unwrap() == 1 }
    })
    .await;
    server.shutdown().await.unwrap();
    assert_eq!(jobs.fails.runs.load(Ordering::SeqCst), 26);
    let dead = inspector
        .list(SortedSet::Dead, &Filter::default(), 0, 1)
        .await
        .unwrap();
    assert_eq!(dead.jobs[0].payload.retry_count(), Some(25));
    assert!((dead.jobs[0].score - env.clock.now_secs()).abs() < 1e-3);
    assert_eq!(env.store.set_size(SortedSet::Retry).await.unwrap(), 0);
}

async fn retry_false_is_discarded(env: Arc<Env>) {
    let jobs = Jobs::new();
    let server = env.server(jobs.registry(), fast_config()).await;
    env.client.enqueue::<FailsOnce>(&()).await.unwrap();
    let runs = jobs.once.runs.clone();
    eventually(10, "one run", || {
        let runs = runs.clone();
        async move { runs.load(Ordering::SeqCst) == 1 }
    })
    .await;
    server.shutdown().await.unwrap();
    assert_eq!(env.store.set_size(SortedSet::Retry).await.unwrap(), 0);
    assert_eq!(env.store.set_size(SortedSet::Dead).await.unwrap(), 0);
    let stats = Inspector::new(env.client.clone()).stats(1).await.unwrap();
    assert_eq!((stats.processed, stats.failed), (1, 1));
}

async fn panic_is_a_job_failure(env: Arc<Env>) {
    let jobs = Jobs::new();
    let server = env.server(jobs.registry(), fast_config()).await;
    env.client.enqueue::<Panics>(&()).await.unwrap();
    env.client
        .enqueue::<Count>(&("after".into(), 1))
        .await
        .unwrap();
    let store = env.store.clone();
    eventually(10, "a retry", || {
        let store = store.clone();
        async move { store.set_size(SortedSet::Retry).await.unwrap() == 1 }
    })
    .await;
    let runs = jobs.count.runs.clone();
    eventually(10, "the next job", || {
        let runs = runs.clone();
        async move { runs.load(Ordering::SeqCst) == 1 }
    })
    .await;
    server.shutdown().await.unwrap();
    let page = Inspector::new(env.client.clone())
        .list(SortedSet::Retry, &Filter::default(), 0, 1)
        .await
        .unwrap();
    assert_eq!(page.jobs[0].payload.error_class(), Some("Panic"));
    assert_eq!(page.jobs[0].payload.error_message(), Some("kaboom"));
}

async fn unknown_fields_and_minus_one_survive_a_retry(env: Arc<Env>) {
    let jobs = Jobs::new();
    let mut p = env.client.payload::<AlwaysFails>(&(3,)).unwrap();
    p.set("retry_count", (-1).into());
    p.set("bid", "batch-1".into());
    p.set("tags", json!(["a", "b"]));
    env.client.push(vec![p]).await.unwrap();
    let server = env.server(jobs.registry(), fast_config()).await;
    let store = env.store.clone();
    eventually(10, "a retry", || {
        let store = store.clone();
        async move { store.set_size(SortedSet::Retry).await.unwrap() == 1 }
    })
    .await;
    server.shutdown().await.unwrap();
    let page = Inspector::new(env.client.clone())
        .list(SortedSet::Retry, &Filter::default(), 0, 1)
        .await
        .unwrap();
    let p = &page.jobs[0].payload;
    assert_eq!(p.retry_count(), Some(0));
    assert!(p.get("retried_at").is_some());
    assert_eq!(p.get("bid"), Some(&json!("batch-1")));
    assert_eq!(p.get("tags"), Some(&json!(["a", "b"])));
}

async fn dead_set_is_trimmed_like_sidekiq(env: Arc<Env>) {
    let now = env.clock.now_secs();
    let old: Vec<(f64, String)> = (0..5)
        .map(|i| {
            (
                now - 181.0 * 86_400.0,
                env.client
                    .payload::<Count>(&("old".into(), i))
                    .unwrap()
                    .to_json(),
            )
        })
        .collect();
    env.store
        .add_to_set(SortedSet::Dead, &old, now - 181.0 * 86_400.0)
        .await
        .unwrap();
    assert_eq!(env.store.set_size(SortedSet::Dead).await.unwrap(), 5);
    let many: Vec<(f64, String)> = (0..10_005)
        .map(|i| {
            (
                now - 10_005.0 + f64::from(i),
                env.client
                    .payload::<Count>(&("d".into(), i64::from(i)))
                    .unwrap()
                    .to_json(),
            )
        })
        .collect();
    env.store
        .add_to_set(SortedSet::Dead, &many, now)
        .await
        .unwrap();
    // DeadSet#kill: older than 180 days go, then `zremrangebyrank(0, -10_000)`.
    assert_eq!(env.store.set_size(SortedSet::Dead).await.unwrap(), 9_999);
    let newest = env
        .store
        .set_range(SortedSet::Dead, 0, 1, true)
        .await
        .unwrap();
    assert_eq!(
        Payload::parse(&newest[0].raw).unwrap().args()[1],
        json!(10_004)
    );
}
