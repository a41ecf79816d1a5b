//! Jobs about a post, on every job store. The scheduled publish is one job per post declared
//! as `posts:{id}`: a failure (here the database refusing the write) names and links its
//! post; a second cron tick does not double it; publishing a published post does nothing.
//! Authors and editors see their own posts' jobs at `/admin/jobs/mine`; retrying from a
//! record's page needs `retry_jobs` and `jobs.view` over that record.
use std::{future::Future, time::Duration};

use axum::http::StatusCode;
use copydesk::{
    auth::{Actor, AuthError, RequestMeta, actor::Via},
    controllers::admin::jobs::retry_by_jid,
    errors::AppError,
    jobs::{
        self, Jobs,
        publish::{PublishDuePosts, PublishPost},
        records::jobs_for_record,
        records::post_record,
    },
    models::{_entities::audit_log, posts, users},
    settings::Settings,
    views::Web,
};
use copydesk_workers::{
    JobState,
    api::{Filter, Inspector},
    store::SortedSet,
};
use loco_rs::controller::views::ViewRenderer;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    common::{
        Backend, TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
    on_each_job_store,
};

/// Makes the database refuse to publish these posts, as a constraint would.
async fn freeze_publishing(app: &TestApp, ids: &[i32]) {
    let ids = ids
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let db = &app.ctx.db;
    match app.backend {
        Backend::Sqlite => db
            .execute_unprepared(&format!(
                "CREATE TRIGGER freeze_publishing BEFORE UPDATE OF state ON posts WHEN \
                 NEW.state = 'published' AND OLD.id IN ({ids}) BEGIN SELECT RAISE(ABORT, \
                 'publishing is frozen for this post'); END"
            ))
            .await
            .unwrap(),
        Backend::Postgres => {
            db.execute_unprepared(&format!(
                "CREATE FUNCTION freeze_publishing() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN IF NEW.state = 'published' AND OLD.id IN ({ids}) THEN RAISE EXCEPTION \
                 'publishing is frozen for this post'; END IF; RETURN NEW; END $$"
            ))
            .await
            .unwrap();
            db.execute_unprepared(
                "CREATE TRIGGER freeze_publishing BEFORE UPDATE ON posts FOR EACH ROW EXECUTE \
                 FUNCTION freeze_publishing()",
            )
            .await
            .unwrap()
        }
    };
}

async fn thaw_publishing(app: &TestApp) {
    let sql = match app.backend {
        Backend::Sqlite => "DROP TRIGGER freeze_publishing",
        Backend::Postgres => "DROP TRIGGER freeze_publishing ON posts",
    };
    app.ctx.db.execute_unprepared(sql).await.unwrap();
}

/// Works the jobs until `check` holds (at most 15 s), then stops working them.
async fn work_until<F, Fut>(app: &TestApp, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let settings = Settings::get(&app.ctx).unwrap();
    let jobs = Jobs::get(&app.ctx).unwrap();
    let server = jobs::start_server(&app.ctx, &settings, &jobs)
        .await
        .unwrap();
    let mut done = false;
    for _ in 0..150 {
        if check().await {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.shutdown().await.unwrap();
    assert!(done, "{what} did not happen within 15 s");
}

async fn state_of(app: &TestApp, id: i32) -> String {
    posts::Entity::find_by_id(id)
        .one(&app.ctx.db)
        .await
        .unwrap()
        .unwrap()
        .state
}

async fn audited(app: &TestApp, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(&app.ctx.db)
        .await
        .unwrap()
}

fn actor(user: &users::Model) -> Actor {
    Actor {
        user: user.clone(),
        via: Via::Token {
            token_id: 0,
            write: true,
        },
    }
}

async fn post_jobs(app: TestApp) {
    let db = &app.ctx.db;
    let jobs = Jobs::get(&app.ctx).unwrap();
    let api = Inspector::new(jobs.client.clone());
    let ada = user(&app, "author", "Ada Byron").await;
    let eddie = user(&app, "editor", "Eddie Tor").await;
    let support = user(&app, "support", "Sue Port").await;
    let scheduled = |title: &str, days_ago| PostSpec::published(title, days_ago).state("scheduled");
    let on_time = fixtures::post(db, &ada, scheduled("On time", 1)).await;
    let stuck = fixtures::post(db, &ada, scheduled("Stuck at the printer", 1)).await;
    let eddies = fixtures::post(db, &eddie, scheduled("Eddie on Tuesdays", 1)).await;
    let later = fixtures::post(db, &ada, scheduled("Not yet", -1)).await;
    freeze_publishing(&app, &[stuck.id, eddies.id]).await;

    // The cron job enqueues one publish job per due post, each about its post.
    jobs.client.enqueue::<PublishDuePosts>(&()).await.unwrap();
    work_until(&app, "one publish job per due post", || {
        let (app, api) = (&app, &api);
        async move {
            state_of(app, on_time.id).await == "published"
                && api
                    .list(SortedSet::Retry, &Filter::default(), 0, 10)
                    .await
                    .unwrap()
                    .total
                    == 2
        }
    })
    .await;
    let done = api.statuses(&post_record(on_time.id), 5).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(
        (done[0].class.as_str(), done[0].state),
        ("Copydesk::PublishPost", JobState::Done)
    );
    assert!(
        api.statuses(&post_record(later.id), 5)
            .await
            .unwrap()
            .is_empty(),
        "nothing for a post not due yet"
    );
    assert_eq!(state_of(&app, later.id).await, "scheduled");
    let failed = api
        .list(SortedSet::Retry, &Filter::default(), 0, 10)
        .await
        .unwrap()
        .jobs;
    let failed_for = |id: i32| {
        failed
            .iter()
            .find(|j| j.payload.get("record").and_then(|r| r.as_str()) == Some(&post_record(id)))
            .unwrap()
            .clone()
    };
    let (stuck_job, eddies_job) = (failed_for(stuck.id), failed_for(eddies.id));
    assert_eq!(stuck_job.payload.class(), "Copydesk::PublishPost");
    assert!(
        stuck_job
            .payload
            .error_message()
            .unwrap()
            .contains("publishing is frozen for this post"),
        "{:?}",
        stuck_job.payload.error_message()
    );
    assert_eq!(audited(&app, "post.publish_scheduled").await, 1);

    // A second tick does not enqueue another job for a post whose job is on its way.
    jobs.client.enqueue::<PublishDuePosts>(&()).await.unwrap();
    work_until(&app, "the second tick", || {
        let api = &api;
        async move { api.queues().await.unwrap().iter().all(|q| q.size == 0) }
    })
    .await;
    assert!(api.queues().await.unwrap().iter().all(|q| q.size == 0));
    assert_eq!(
        api.list(SortedSet::Retry, &Filter::default(), 0, 10)
            .await
            .unwrap()
            .total,
        2,
        "still one failed job per post"
    );
    assert_eq!(
        api.statuses(&post_record(stuck.id), 5).await.unwrap().len(),
        1
    );

    // Publishing a published post does nothing: no second audit row, the same date.
    assert!(
        posts::publish_scheduled(db, on_time.id)
            .await
            .unwrap()
            .is_none()
    );
    let published_at = posts::Entity::find_by_id(on_time.id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .published_at;
    jobs.client
        .enqueue_for::<PublishPost>(&post_record(on_time.id), &(on_time.id,))
        .await
        .unwrap();
    work_until(&app, "a publish job for a published post", || {
        let api = &api;
        async move {
            let s = api.statuses(&post_record(on_time.id), 5).await.unwrap();
            s.len() == 2 && s[0].state == JobState::Done
        }
    })
    .await;
    assert_eq!(audited(&app, "post.publish_scheduled").await, 1);
    let again = posts::Entity::find_by_id(on_time.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.state.as_str(), again.published_at),
        ("published", published_at)
    );

    // Support sees which post's publish failed, linked to the post's admin page.
    let mut s = Browser::signed_in(&app, &support.email, "/admin/login").await;
    let detail = s
        .get(&format!(
            "/admin/jobs/retries/{}/{}",
            stuck_job.score,
            stuck_job.payload.jid()
        ))
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(
        detail.text.contains(&format!(
            "The scheduled publish of post {} failed.",
            stuck.id
        )),
        "{}",
        detail.text
    );
    assert!(
        detail
            .text
            .contains(&format!("href=\"/admin/content/posts/{}\"", stuck.id))
    );

    // A waiting and a scheduled job about Ada's post not yet due, and Eddie's failure dead.
    jobs.client
        .enqueue_for::<PublishPost>(&post_record(later.id), &(later.id,))
        .await
        .unwrap();
    let in_an_hour = copydesk_workers::Clock::now(jobs.client.clock().as_ref()) + 3600.0;
    jobs.client
        .enqueue_at_for::<PublishPost>(&post_record(later.id), in_an_hour, &(later.id,))
        .await
        .unwrap();
    assert!(
        api.kill(SortedSet::Retry, eddies_job.score, eddies_job.payload.jid())
            .await
            .unwrap()
    );

    // Ada (an author: jobs.view for her own records, no retry_jobs) sees her posts' jobs.
    let mut a = Browser::signed_in(&app, &ada.email, "/admin/login").await;
    let own = a.get("/admin/jobs/mine").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.text.contains("Stuck at the printer"));
    assert!(
        own.text
            .contains(&format!("The scheduled publish of post {}", stuck.id))
    );
    assert!(own.text.contains("failed; it will be retried at"));
    assert!(own.text.contains("Not yet") && own.text.contains("waiting to run"));
    assert!(own.text.contains("scheduled for"));
    assert!(own.text.contains("publishing is frozen for this post"));
    assert!(
        !own.text.contains("Eddie on Tuesdays"),
        "not someone else's"
    );
    assert!(!own.text.contains("Retry now"), "she may not retry");
    assert!(
        !own.text.contains("/admin/jobs/retries/"),
        "nor open the full screen"
    );
    let home = a.get("/admin/jobs").await;
    assert_eq!(home.header("location"), Some("/admin/jobs/mine"));
    assert_eq!(
        a.get("/admin/jobs/retries").await.status,
        StatusCode::FORBIDDEN
    );
    let mut e = Browser::signed_in(&app, &eddie.email, "/admin/login").await;
    let his = e.get("/admin/jobs/mine").await;
    assert!(his.text.contains("Eddie on Tuesdays") && his.text.contains("failed for good on"));
    assert!(!his.text.contains("Stuck at the printer"));
    let sues = s.get("/admin/jobs/mine").await;
    assert!(
        sues.text.contains("No job about your posts"),
        "support wrote no posts"
    );

    // Retrying needs retry_jobs and jobs.view over the record.
    let retry = "/admin/jobs/mine/retry";
    let stuck_jid = stuck_job.payload.jid().to_string();
    assert_eq!(
        a.post(retry, &[("jid", &stuck_jid)]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.post(retry, &[("jid", &stuck_jid)]).await.status,
        StatusCode::FORBIDDEN
    );
    let meta = RequestMeta::system("test");
    for who in [&ada, &eddie] {
        assert!(matches!(
            retry_by_jid(&app.ctx, &actor(who), &meta, &stuck_jid).await,
            Err(AppError::Auth(AuthError::Forbidden(_)))
        ));
    }
    assert_eq!(
        api.list(SortedSet::Retry, &Filter::default(), 0, 10)
            .await
            .unwrap()
            .total,
        1
    );

    // The post page's panel: its owner sees it, someone else's editor sees nothing, support
    // sees it with Retry.
    let record = post_record(stuck.id);
    let for_ada = jobs_for_record(&app.ctx, &actor(&ada), &record)
        .await
        .unwrap();
    assert_eq!(for_ada.len(), 1);
    assert_eq!(for_ada[0].state, "failed; it will be retried");
    assert!(!for_ada[0].can_retry);
    assert!(
        jobs_for_record(&app.ctx, &actor(&eddie), &record)
            .await
            .unwrap()
            .is_empty()
    );
    let for_sue = jobs_for_record(&app.ctx, &actor(&support), &record)
        .await
        .unwrap();
    assert!(for_sue[0].can_retry);
    let post_page = format!("/admin/content/posts/{}", stuck.id);
    assert_eq!(for_sue[0].back.as_deref(), Some(post_page.as_str()));
    let web = Web::build(Settings::get(&app.ctx).unwrap()).unwrap();
    let panel = web
        .view
        .render(
            "admin/jobs/_record_jobs.html",
            serde_json::json!({"page": {"record_jobs": for_sue, "admin": {"csrf": "the-token"}}}),
        )
        .unwrap();
    for part in [
        "action=\"/admin/jobs/mine/retry\"",
        "name=\"_csrf\" value=\"the-token\"",
        &format!("name=\"jid\" value=\"{stuck_jid}\""),
        &format!("name=\"back\" value=\"{post_page}\""),
    ] {
        assert!(panel.contains(part), "{part} in {panel}");
    }

    // The database takes publishing again; support retries both from the record pages.
    thaw_publishing(&app).await;
    let res = s
        .post(retry, &[("jid", &stuck_jid), ("back", &post_page)])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), Some(post_page.as_str()));
    let res = s
        .post(
            retry,
            &[
                ("jid", eddies_job.payload.jid()),
                ("back", "https://elsewhere.example/admin/"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(
        res.header("location")
            .unwrap()
            .starts_with("/admin/jobs/mine?done="),
        "never sent off the site"
    );
    assert_eq!(audited(&app, "jobs.retry").await, 2);
    work_until(&app, "the retried publishes", || {
        let app = &app;
        async move {
            state_of(app, stuck.id).await == "published"
                && state_of(app, eddies.id).await == "published"
        }
    })
    .await;
    assert_eq!(audited(&app, "post.publish_scheduled").await, 3);
    let own = a.get("/admin/jobs/mine").await;
    assert!(
        !own.text.contains("Stuck at the printer"),
        "nothing left failing"
    );
}

on_each_job_store!(publish_jobs_per_post, redis_db = 8, post_jobs);

/// Mail kept in the outbox whose hand-over never happened (the job store was down, the
/// process stopped after the commit) is queued by the outbox sweep: once, and only when its
/// writer had time to hand it over and no job points at it.
async fn outbox_sweep(app: TestApp) {
    use copydesk::{jobs::outbox::DrainOutbox, models::mail};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let db = &app.ctx.db;
    let jobs = Jobs::get(&app.ctx).unwrap();
    let api = Inspector::new(jobs.client.clone());
    let locals = serde_json::json!({"name": "Sam", "site_title": "Copydesk", "reset_link": "-"});
    let store = |to: &'static str, minutes_ago: i64| {
        let locals = locals.clone();
        async move {
            let row = mail::store(db, to, "password_changed", &locals, None)
                .await
                .unwrap();
            let mut a: mail::ActiveModel = row.into();
            a.created_at = Set(copydesk::models::now() - chrono::Duration::minutes(minutes_ago));
            a.update(db).await.unwrap()
        }
    };
    let stranded = store("stranded@example.com", 10).await;
    let fresh = store("fresh@example.com", 0).await;
    let handed = store("handed@example.com", 10).await;
    mail::dispatch(&app.ctx, handed.clone()).await.unwrap();

    jobs.client.enqueue::<DrainOutbox>(&()).await.unwrap();
    let status = |id: i32| async move {
        mail::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .status
    };
    work_until(&app, "the stranded message goes out", || async {
        status(stranded.id).await == "kept" && status(handed.id).await == "kept"
    })
    .await;
    let jobs_of = |id: i32| {
        let api = &api;
        async move {
            api.statuses(&copydesk::jobs::records::mail_record(id), 5)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        jobs_of(stranded.id).await.len(),
        1,
        "queued once by the sweep"
    );
    assert_eq!(
        jobs_of(handed.id).await.len(),
        1,
        "not doubled: it had its job"
    );
    assert!(
        jobs_of(fresh.id).await.is_empty(),
        "a message still in its writer's hands is left to them"
    );
    assert_eq!(status(fresh.id).await, "queued");
}

on_each_job_store!(
    outbox_sweep_queues_stranded_mail,
    redis_db = 10,
    outbox_sweep
);
