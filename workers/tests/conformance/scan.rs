//! Whole-set inspection: finding one job, grouping failures, retry with edited arguments.

use std::sync::Arc;

use copydesk_workers::{Payload, api::Inspector, store::SortedSet};
use serde_json::json;

use crate::common::{Env, NowSecs};

crate::conformance!(
    find_one_job_by_score_and_jid,
    failures_grouped_by_class_and_message,
    retry_one_error_group,
    retry_with_edited_arguments_keeps_the_other_fields,
);

/// Puts failed jobs in the retry set: (class, error class, message) each, scored 100 s on.
async fn failed(env: &Env, jobs: &[(&str, &str, &str)]) -> Vec<(f64, Payload)> {
    let now = env.clock.now_secs();
    let mut out = Vec::new();
    for (i, (class, error_class, message)) in jobs.iter().enumerate() {
        let mut p = Payload::new(class, "mail", vec![json!(i)], true.into(), now);
        p.set("error_class", (*error_class).into());
        p.set("error_message", (*message).into());
        p.set("retry_count", 3.into());
        p.set("failed_at", now.into());
        p.set("tenant", "north".into());
        out.push((now + 100.0 + i as f64, p));
    }
    let entries: Vec<(f64, String)> = out.iter().map(|(s, p)| (*s, p.to_json())).collect();
    env.store
        .add_to_set(SortedSet::Retry, &entries, now)
        .await
        .unwrap();
    out
}

async fn find_one_job_by_score_and_jid(env: Arc<Env>) {
    let jobs = failed(&env, &[("A", "E", "x"), ("B", "E", "y"), ("C", "E", "z")]).await;
    let inspector = Inspector::new(env.client.clone());
    let (score, wanted) = &jobs[1];
    let found = inspector
        .find(SortedSet::Retry, *score, wanted.jid())
        .await
        .unwrap()
        .expect("found");
    assert_eq!(found.payload.jid(), wanted.jid());
    assert_eq!(found.payload.class(), "B");
    // The jid with another job's score is not that job.
    assert!(
        inspector
            .find(SortedSet::Retry, jobs[0].0, wanted.jid())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        inspector
            .find(SortedSet::Dead, *score, wanted.jid())
            .await
            .unwrap()
            .is_none()
    );
}

async fn failures_grouped_by_class_and_message(env: Arc<Env>) {
    failed(
        &env,
        &[
            ("A", "Timeout", "smtp"),
            ("B", "KeyError", "id"),
            ("A", "Timeout", "smtp"),
            ("C", "Timeout", "dns"),
            ("D", "Timeout", "smtp"),
        ],
    )
    .await;
    let inspector = Inspector::new(env.client.clone());
    let groups = inspector.error_groups(SortedSet::Retry).await.unwrap();
    let seen: Vec<(&str, &str, u64)> = groups
        .iter()
        .map(|g| (g.class.as_str(), g.message.as_str(), g.count))
        .collect();
    assert_eq!(
        seen,
        [
            ("Timeout", "smtp", 3),
            ("KeyError", "id", 1),
            ("Timeout", "dns", 1)
        ]
    );
    assert!(
        inspector
            .error_groups(SortedSet::Dead)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn retry_one_error_group(env: Arc<Env>) {
    failed(
        &env,
        &[
            ("A", "Timeout", "smtp"),
            ("B", "KeyError", "id"),
            ("C", "Timeout", "smtp"),
        ],
    )
    .await;
    let inspector = Inspector::new(env.client.clone());
    let n = inspector
        .retry_error_group(SortedSet::Retry, "Timeout", "smtp")
        .await
        .unwrap();
    assert_eq!(n, 2);
    let mut queued: Vec<String> = inspector
        .queue_jobs("mail", 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|p| p.class().to_string())
        .collect();
    queued.sort();
    assert_eq!(queued, ["A", "C"]);
    let groups = inspector.error_groups(SortedSet::Retry).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].class, "KeyError");
}

async fn retry_with_edited_arguments_keeps_the_other_fields(env: Arc<Env>) {
    let jobs = failed(&env, &[("Mailer", "Timeout", "smtp")]).await;
    let (score, original) = &jobs[0];
    let inspector = Inspector::new(env.client.clone());
    let new_jid = inspector
        .enqueue_edited(original, vec![json!(42), json!("text")])
        .await
        .unwrap();
    assert_ne!(new_jid, original.jid());
    let queued = inspector.queue_jobs("mail", 0, 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    let copy = &queued[0];
    assert_eq!(copy.jid(), new_jid);
    assert_eq!(copy.class(), "Mailer");
    assert_eq!(copy.args(), [json!(42), json!("text")]);
    assert_eq!(copy.get("retried_from"), Some(&json!(original.jid())));
    assert_eq!(copy.get("tenant"), Some(&json!("north")));
    assert_eq!(copy.get("retry"), original.get("retry"));
    for gone in ["retry_count", "error_class", "error_message", "failed_at"] {
        assert!(copy.get(gone).is_none(), "{gone} dropped");
    }
    assert!(copy.get("enqueued_at").is_some());
    // The original stays in its set.
    assert!(
        inspector
            .find(SortedSet::Retry, *score, original.jid())
            .await
            .unwrap()
            .is_some()
    );
}
