//! The inspection API: busy processes, listings and actions, record statuses.

use std::{sync::Arc, time::Duration};

use copydesk_workers::{
    Job, JobContext, JobError, JobState, Payload, Registry, ServerConfig,
    api::{Filter, Inspector},
    store::SortedSet,
};
use serde_json::json;

use crate::common::{Env, NowSecs, eventually, fast_config, jobs::*};

crate::conformance!(
    busy_page_data_while_running,
    inspection_actions,
    filters_match_substrings_of_class_arguments_and_error,
    delete_one_job_from_a_queue,
    job_status_follows_a_record,
);

async fn busy_page_data_while_running(env: Arc<Env>) {
    let jobs = Jobs::new();
    let config = ServerConfig {
        tag: "workers-test".into(),
        ..fast_config()
    };
    let server = env.server(jobs.registry(), config).await;
    let jid = env.client.enqueue::<Sleepy>(&(1_500,)).await.unwrap();
    let inspector = Inspector::new(env.client.clone());
    let i2 = inspector.clone();
    eventually(10, "a busy job", || {
        let i2 = i2.clone();
        async move { i2.busy().await.unwrap().len() == 1 }
    })
    .await;
    let busy = inspector.busy().await.unwrap();
    assert_eq!(busy[0].payload.jid(), jid);
    assert_eq!(busy[0].identity, server.identity());
    assert_eq!(busy[0].queue, "default");
    let procs = inspector.processes().await.unwrap();
    assert_eq!(procs.len(), 1);
    assert_eq!(procs[0].busy, 1);
    assert_eq!(procs[0].info["tag"], "workers-test");
    assert_eq!(procs[0].info["concurrency"], 5);
    assert_eq!(procs[0].info["queues"], json!(["default"]));
    let stats = inspector.stats(1).await.unwrap();
    assert_eq!((stats.processes_size, stats.workers_size), (1, 1));
    server.shutdown().await.unwrap();
}

async fn inspection_actions(env: Arc<Env>) {
    let inspector = Inspector::new(env.client.clone());
    let now = env.clock.now_secs();
    let mut entries = Vec::new();
    for (i, (class, err)) in [
        ("A", "Timeout talking to SMTP"),
        ("B", "bad data"),
        ("A", "bad data"),
    ]
    .iter()
    .enumerate()
    {
        let mut p = Payload::new(class, "mail", vec![json!(i)], true.into(), now);
        p.set("error_message", (*err).into());
        p.set("error_class", "RuntimeError".into());
        p.set("retry_count", 2.into());
        entries.push((now + 100.0 + i as f64, p.to_json()));
    }
    env.store
        .add_to_set(SortedSet::Retry, &entries, now)
        .await
        .unwrap();
    let by_class = Filter {
        class: Some("A".into()),
        ..Filter::default()
    };
    assert_eq!(
        inspector
            .list(SortedSet::Retry, &by_class, 0, 10)
            .await
            .unwrap()
            .total,
        2
    );
    let by_error = Filter {
        error: Some("smtp".into()),
        ..Filter::default()
    };
    let page = inspector
        .list(SortedSet::Retry, &by_error, 0, 10)
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    let target = page.jobs[0].clone();
    // Retry now: back in its queue with retry_count one lower, as Sidekiq does.
    assert!(
        inspector
            .retry_now(SortedSet::Retry, target.score, target.payload.jid())
            .await
            .unwrap()
    );
    assert!(
        !inspector
            .retry_now(SortedSet::Retry, target.score, target.payload.jid())
            .await
            .unwrap()
    );
    let queued = inspector.queue_jobs("mail", 0, 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].retry_count(), Some(1));
    assert_eq!(queued[0].error_message(), Some("Timeout talking to SMTP"));
    // Kill and delete.
    let rest = inspector
        .list(SortedSet::Retry, &Filter::default(), 0, 10)
        .await
        .unwrap();
    assert_eq!(rest.total, 2);
    assert!(
        inspector
            .kill(
                SortedSet::Retry,
                rest.jobs[0].score,
                rest.jobs[0].payload.jid()
            )
            .await
            .unwrap()
    );
    assert!(
        inspector
            .delete(
                SortedSet::Retry,
                rest.jobs[1].score,
                rest.jobs[1].payload.jid()
            )
            .await
            .unwrap()
    );
    assert_eq!(env.store.set_size(SortedSet::Retry).await.unwrap(), 0);
    assert_eq!(env.store.set_size(SortedSet::Dead).await.unwrap(), 1);
    // Retry all from the dead set, delete all from the schedule set.
    assert_eq!(inspector.retry_all(SortedSet::Dead).await.unwrap(), 1);
    assert_eq!(inspector.queue_jobs("mail", 0, 10).await.unwrap().len(), 2);
    for i in 0..3 {
        env.client
            .enqueue_in::<Count>(Duration::from_secs(60), &("s".into(), i))
            .await
            .unwrap();
    }
    let sched = inspector
        .list(SortedSet::Schedule, &Filter::default(), 0, 10)
        .await
        .unwrap();
    assert!(
        inspector
            .add_to_queue(
                SortedSet::Schedule,
                sched.jobs[0].score,
                sched.jobs[0].payload.jid()
            )
            .await
            .unwrap()
    );
    assert_eq!(
        inspector.queue_jobs("default", 0, 10).await.unwrap().len(),
        1
    );
    assert_eq!(inspector.delete_all(SortedSet::Schedule).await.unwrap(), 2);
    // Stats and latency.
    env.clock.advance(5.0);
    let queues = inspector.queues().await.unwrap();
    let mail = queues.iter().find(|q| q.name == "mail").unwrap();
    assert_eq!(mail.size, 2);
    assert!((mail.latency - 5.0).abs() < 0.01, "{}", mail.latency);
    let stats = inspector.stats(7).await.unwrap();
    assert_eq!(stats.history.len(), 7);
    assert_eq!(stats.enqueued, 3);
    assert!((stats.default_queue_latency - 5.0).abs() < 0.01);
    assert_eq!(inspector.clear_queue("mail").await.unwrap(), 2);
}

async fn filters_match_substrings_of_class_arguments_and_error(env: Arc<Env>) {
    let inspector = Inspector::new(env.client.clone());
    let now = env.clock.now_secs();
    let mut entries = Vec::new();
    for (i, (class, args, err_class, err)) in [
        (
            "Mail::SendWelcome",
            json!(["rosa@example.test", 7]),
            "Net::SMTPFatalError",
            "550 mailbox unavailable",
        ),
        (
            "Import::Row",
            json!([{"file": "members.csv"}]),
            "CSV::MalformedCSVError",
            "Unclosed quoted field in line 3",
        ),
        (
            "Mail::SendDigest",
            json!([12]),
            "RuntimeError",
            "Timeout talking to SMTP",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(args) = args.as_array().cloned() else {
            unreachable!()
        };
        let mut p = Payload::new(class, "default", args, true.into(), now);
        p.set("error_class", err_class.into());
        p.set("error_message", err.into());
        entries.push((now + 10.0 + i as f64, p.to_json()));
    }
    for set in [SortedSet::Retry, SortedSet::Dead, SortedSet::Schedule] {
        env.store.add_to_set(set, &entries, now).await.unwrap();
        let classes = |f: Filter| {
            let inspector = inspector.clone();
            async move {
                let mut c: Vec<String> = inspector
                    .list(set, &f, 0, 10)
                    .await
                    .unwrap()
                    .jobs
                    .iter()
                    .map(|j| j.payload.class().to_string())
                    .collect();
                c.sort();
                c
            }
        };
        let by = |class: Option<&str>, args: Option<&str>, error: Option<&str>| Filter {
            class: class.map(Into::into),
            args: args.map(Into::into),
            error: error.map(Into::into),
        };
        // A part of the class, in any case.
        assert_eq!(
            classes(by(Some("mail::send"), None, None)).await,
            ["Mail::SendDigest", "Mail::SendWelcome"],
            "{set:?} by class"
        );
        // A part of the arguments: a string inside them, a key of an object, a number.
        assert_eq!(
            classes(by(None, Some("ROSA@"), None)).await,
            ["Mail::SendWelcome"]
        );
        assert_eq!(
            classes(by(None, Some("members.csv"), None)).await,
            ["Import::Row"]
        );
        assert_eq!(
            classes(by(None, Some("[12]"), None)).await,
            ["Mail::SendDigest"]
        );
        // A part of the error message, or of the error class.
        assert_eq!(
            classes(by(None, None, Some("quoted field"))).await,
            ["Import::Row"]
        );
        assert_eq!(
            classes(by(None, None, Some("smtp"))).await,
            ["Mail::SendDigest", "Mail::SendWelcome"]
        );
        // All given parts must match.
        assert_eq!(
            classes(by(Some("mail"), Some("7"), Some("550"))).await,
            ["Mail::SendWelcome"]
        );
        assert!(
            classes(by(Some("import"), None, Some("smtp")))
                .await
                .is_empty()
        );
        let page = inspector
            .list(set, &by(Some("mail"), None, None), 1, 1)
            .await
            .unwrap();
        assert_eq!(
            (page.total, page.jobs.len()),
            (2, 1),
            "paged within the matches"
        );
        inspector.delete_all(set).await.unwrap();
    }
}

async fn delete_one_job_from_a_queue(env: Arc<Env>) {
    let inspector = Inspector::new(env.client.clone());
    let mut jids = Vec::new();
    for i in 0..4 {
        jids.push(env.client.enqueue::<Count>(&("q".into(), i)).await.unwrap());
    }
    let jids_in = |inspector: Inspector| async move {
        inspector
            .queue_jobs("default", 0, 10)
            .await
            .unwrap()
            .iter()
            .map(|p| p.jid().to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        inspector
            .delete_from_queue("default", &jids[2])
            .await
            .unwrap()
    );
    assert_eq!(
        jids_in(inspector.clone()).await,
        [jids[0].clone(), jids[1].clone(), jids[3].clone()],
        "exactly that job went, the others keep their order"
    );
    assert!(
        !inspector
            .delete_from_queue("default", &jids[2])
            .await
            .unwrap(),
        "a job already gone"
    );
    assert!(
        !inspector.delete_from_queue("mail", &jids[0]).await.unwrap(),
        "only from the named queue"
    );
    assert!(
        !inspector
            .delete_from_queue("default", "nosuchjid")
            .await
            .unwrap()
    );
    // Scheduled or failed jobs with that jid are not in the queue, and stay.
    let sched = env
        .client
        .enqueue_in::<Count>(Duration::from_secs(60), &("s".into(), 9))
        .await
        .unwrap();
    assert!(
        !inspector
            .delete_from_queue("default", &sched)
            .await
            .unwrap()
    );
    assert_eq!(env.store.set_size(SortedSet::Schedule).await.unwrap(), 1);
    // Deep in a long queue (beyond one read's worth).
    let many: Vec<(String, i64)> = (0..1_200).map(|i| ("m".to_string(), i)).collect();
    let bulk = env.client.enqueue_bulk::<Count>(many).await.unwrap();
    assert!(
        inspector
            .delete_from_queue("default", &bulk[1_100])
            .await
            .unwrap()
    );
    let q = inspector.queues().await.unwrap();
    assert_eq!(
        q.iter().find(|q| q.name == "default").unwrap().size,
        3 + 1_199
    );
}

/// Reports half-way progress, then finishes.
struct Halfway;

impl Job for Halfway {
    type Args = (u64,);
    const CLASS: &'static str = "Halfway";

    async fn perform(&self, ctx: JobContext, (ms,): (u64,)) -> Result<(), JobError> {
        assert_eq!(ctx.record(), Some("import:7"));
        ctx.progress(50, "half the rows")
            .await
            .map_err(|e| JobError::msg(e.to_string()))?;
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(())
    }
}

async fn job_status_follows_a_record(env: Arc<Env>) {
    let inspector = Inspector::new(env.client.clone());
    let jid = env
        .client
        .enqueue_for::<Halfway>("import:7", &(400,))
        .await
        .unwrap();
    let pending = inspector.statuses("import:7", 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].jid.as_str(), pending[0].state),
        (jid.as_str(), JobState::Pending)
    );
    let jobs = Jobs::new();
    let registry: Registry = jobs.registry().register(Halfway);
    let server = env.server(registry, fast_config()).await;
    let i2 = inspector.clone();
    eventually(10, "half-way progress", || {
        let i2 = i2.clone();
        async move {
            let s = i2.statuses("import:7", 1).await.unwrap();
            s.first()
                .is_some_and(|s| s.state == JobState::Processing && s.percent == Some(50))
        }
    })
    .await;
    let i2 = inspector.clone();
    eventually(10, "done", || {
        let i2 = i2.clone();
        async move { i2.statuses("import:7", 1).await.unwrap()[0].state == JobState::Done }
    })
    .await;
    // A failing job about another record shows its error.
    let failed = env
        .client
        .enqueue_for::<AlwaysFails>("post:42", &(1,))
        .await
        .unwrap();
    let i2 = inspector.clone();
    eventually(10, "failed", || {
        let i2 = i2.clone();
        async move {
            i2.statuses("post:42", 1)
                .await
                .unwrap()
                .first()
                .is_some_and(|s| s.state == JobState::Failed)
        }
    })
    .await;
    server.shutdown().await.unwrap();
    let s = &inspector.statuses("post:42", 5).await.unwrap()[0];
    assert_eq!(s.jid, failed);
    assert_eq!(s.error.as_deref(), Some("it always fails"));
    assert_eq!(inspector.statuses("nothing:1", 5).await.unwrap(), vec![]);
}
