//! Scheduled publishing and unpublishing through the job runtime, on each job store:
//! scheduling puts one job per post in the scheduled set for its time; rescheduling or
//! archiving replaces it; a job lost from the store is caught by the minute sweep and the
//! post goes up late (and says so) rather than never; a worker stopped at arbitrary moments
//! and started again still publishes every post exactly once.
use std::time::Duration;

use chrono::Duration as Span;
use copydesk::{
    jobs::{
        self, Jobs,
        publish::{self, PublishDuePosts, PublishPost, UnpublishPost},
        records::post_record,
    },
    models::{
        _entities::{audit_log, posts as post_entity},
        now,
        posts::{
            self,
            workflow::{self, Transition, TransitionForm},
        },
    },
    settings::Settings,
};
use copydesk_workers::{Job, JobState, api::Inspector, store::SortedSet};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    common::{TestApp, fixtures, fixtures::PostSpec},
    on_each_job_store,
};

fn step(
    t: Transition,
    v: i32,
    at: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> TransitionForm {
    TransitionForm {
        transition: t,
        lock_version: v,
        note: String::new(),
        at,
        until: None,
        override_reason: String::new(),
    }
}

/// The jids of the scheduled-set jobs of `class` about post `id`, with their scores.
async fn scheduled(api: &Inspector, id: i32, class: &str) -> Vec<(f64, String)> {
    let record = post_record(id);
    api.scan(SortedSet::Schedule)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| {
            j.payload.class() == class
                && j.payload.get("record").and_then(|r| r.as_str()) == Some(record.as_str())
        })
        .map(|j| (j.score, j.payload.jid().to_string()))
        .collect()
}

async fn state_of(db: &sea_orm::DatabaseConnection, id: i32) -> String {
    post_entity::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .state
}

async fn publishes_of(db: &sea_orm::DatabaseConnection, id: i32) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("post.publish_scheduled"))
        .filter(audit_log::Column::TargetId.eq(id.to_string()))
        .count(db)
        .await
        .unwrap()
}

async fn schedule_flow(app: TestApp) {
    let db = &app.ctx.db;
    let meta = fixtures::meta();
    let policy = fixtures::policy();
    let jobs = Jobs::get(&app.ctx).unwrap();
    let client = jobs.client.clone();
    let api = Inspector::new(client.clone());
    let ed = fixtures::person(db, "Eda Editor", "editor").await;
    let eda = fixtures::actor(&ed);
    let soon = now() + Span::seconds(2);

    // Twelve approved posts, each scheduled two seconds from now: one job each.
    let mut ids = Vec::new();
    for i in 0..12 {
        let p = fixtures::post(
            db,
            &ed,
            PostSpec::published(&format!("Timed {i}"), 1)
                .state("approved")
                .undated(),
        )
        .await;
        let p = workflow::apply(
            db,
            &eda,
            &meta,
            policy,
            p.id,
            &step(Transition::Schedule, p.lock_version, Some(soon)),
        )
        .await
        .unwrap()
        .post;
        publish::sync(&client, &p).await.unwrap();
        ids.push(p.id);
    }
    for &id in &ids {
        let jobs = scheduled(&api, id, PublishPost::CLASS).await;
        assert_eq!(jobs.len(), 1, "one publish job for post {id}");
        assert!(
            (jobs[0].0 - soon.timestamp() as f64).abs() < 1.0,
            "at its time"
        );
    }

    // Rescheduling replaces the job; its old status says so.
    let moved = post_entity::Entity::find_by_id(ids[0])
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let old = scheduled(&api, moved.id, PublishPost::CLASS).await;
    let later = soon + Span::seconds(1);
    let moved = workflow::apply(
        db,
        &eda,
        &meta,
        policy,
        moved.id,
        &step(Transition::Schedule, moved.lock_version, Some(later)),
    )
    .await
    .unwrap()
    .post;
    publish::sync(&client, &moved).await.unwrap();
    let now_jobs = scheduled(&api, moved.id, PublishPost::CLASS).await;
    assert_eq!(now_jobs.len(), 1);
    assert_ne!(now_jobs[0].1, old[0].1, "a new job");
    assert!((now_jobs[0].0 - later.timestamp() as f64).abs() < 1.0);
    let statuses = api.statuses(&post_record(moved.id), 10).await.unwrap();
    let replaced = statuses.iter().find(|s| s.jid == old[0].1).unwrap();
    assert_eq!(replaced.state, JobState::Done);
    assert!(replaced.message.as_deref().unwrap().contains("rescheduled"));

    // Archiving a scheduled post leaves no job behind.
    let gone = post_entity::Entity::find_by_id(ids[1])
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let gone = workflow::apply(
        db,
        &eda,
        &meta,
        policy,
        gone.id,
        &step(Transition::Archive, gone.lock_version, None),
    )
    .await
    .unwrap()
    .post;
    publish::sync(&client, &gone).await.unwrap();
    assert!(
        scheduled(&api, gone.id, PublishPost::CLASS)
            .await
            .is_empty()
    );

    // One job is lost from the store (deleted by hand, a store restored from backup): the
    // minute sweep catches its post.
    let lost = scheduled(&api, ids[2], PublishPost::CLASS).await;
    assert!(
        api.delete(SortedSet::Schedule, lost[0].0, &lost[0].1)
            .await
            .unwrap()
    );
    // Its status too, as if it never was.
    let mut status = api
        .statuses(&post_record(ids[2]), 1)
        .await
        .unwrap()
        .remove(0);
    status.state = JobState::Done;
    status.updated_at = 0.0;
    client.store().put_status(&status).await.unwrap();

    // A published post that comes down three seconds from now.
    let up = fixtures::post(
        db,
        &ed,
        PostSpec::published("Up for a moment", 1)
            .state("approved")
            .undated(),
    )
    .await;
    let mut f = step(Transition::PublishNow, up.lock_version, None);
    f.until = Some(now() + Span::seconds(3));
    let up = workflow::apply(db, &eda, &meta, policy, up.id, &f)
        .await
        .unwrap()
        .post;
    assert_eq!(up.state, "published");
    publish::sync(&client, &up).await.unwrap();
    assert_eq!(scheduled(&api, up.id, UnpublishPost::CLASS).await.len(), 1);

    // Wait for the times to pass, then work the jobs with a worker that is stopped at
    // arbitrary moments and started again (a bounded number of times).
    tokio::time::sleep(Duration::from_millis(3300)).await;
    client.enqueue::<PublishDuePosts>(&()).await.unwrap();
    let settings = Settings::get(&app.ctx).unwrap();
    let live: Vec<i32> = ids.iter().copied().filter(|&i| i != gone.id).collect();
    let mut done = false;
    for round in 0..40u64 {
        let server = jobs::start_server(&app.ctx, &settings, &jobs)
            .await
            .unwrap();
        // 50–450 ms of work, varying by round.
        tokio::time::sleep(Duration::from_millis(50 + (round * 137) % 400)).await;
        server.shutdown().await.unwrap();
        let mut all = state_of(db, up.id).await == "approved";
        for &id in &live {
            all &= state_of(db, id).await == "published";
        }
        if all {
            done = true;
            break;
        }
        if round % 5 == 4 {
            // The minute sweep, as cron would run it.
            client.enqueue::<PublishDuePosts>(&()).await.unwrap();
        }
    }
    assert!(
        done,
        "every scheduled post went up, and the timed one came down"
    );
    for &id in &live {
        assert_eq!(
            publishes_of(db, id).await,
            1,
            "post {id} published exactly once"
        );
    }
    assert_eq!(
        publishes_of(db, gone.id).await,
        0,
        "the archived post never went up"
    );
    assert_eq!(state_of(db, gone.id).await, "archived");
    // Published at their scheduled time, whenever the job ran.
    let p = post_entity::Entity::find_by_id(ids[3])
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        p.published_at.map(|d| d.timestamp()),
        Some(soon.timestamp())
    );
    let down = post_entity::Entity::find_by_id(up.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(down.unpublish_at, None);
    // Nothing left pending about them.
    for &id in &live {
        assert!(scheduled(&api, id, PublishPost::CLASS).await.is_empty());
    }
    // Running everything again changes nothing.
    assert_eq!(posts::publish_due(db).await.unwrap(), 0);
}

on_each_job_store!(scheduling_through_jobs, redis_db = 11, schedule_flow);
