//! The app's jobs on the runtime: mail and scheduled publishing, worked by a real server on
//! the SQL store in the test's own database.
use std::time::Duration;

use axum::http::StatusCode;
use chrono::Duration as Span;
use copydesk::{
    jobs::{self, Jobs, publish::PublishDuePosts},
    models::{_entities::mail_outbox, now, posts},
    settings::Settings,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    both_backends,
    common::{TestApp, browser::Browser, fixtures, fixtures::PostSpec},
};

/// Polls `check` every 100 ms for at most 15 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 15 s");
}

both_backends!(
    mail_goes_through_the_job_runtime,
    |app: TestApp| async move {
        let mut b = Browser::new(&app);
        b.get("/signup").await;
        let res = b
            .post(
                "/signup",
                &[
                    ("email", "queue@example.com"),
                    ("display_name", "Que Ued"),
                    ("password", "long enough password"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let row = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::ToAddress.eq("queue@example.com"))
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.status, "queued",
            "handed to the runtime, not sent inline"
        );

        let settings = Settings::get(&app.ctx).unwrap();
        let jobs = Jobs::get(&app.ctx).unwrap();
        let server = jobs::start_server(&app.ctx, &settings, &jobs)
            .await
            .unwrap();
        let db = app.ctx.db.clone();
        eventually("the mail job", || {
            let db = db.clone();
            async move {
                mail_outbox::Entity::find_by_id(row.id)
                    .one(&db)
                    .await
                    .unwrap()
                    .is_some_and(|r| r.status == "kept" && r.sent_at.is_some())
            }
        })
        .await;
        server.shutdown().await.unwrap();
    }
);

both_backends!(
    scheduled_posts_are_published_by_the_job_at_their_time,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let due = fixtures::post(
            db,
            &ada,
            PostSpec::published("Due now", 1).state("scheduled"),
        )
        .await;
        let later = fixtures::post(
            db,
            &ada,
            PostSpec::published("Due tomorrow", -1).state("scheduled"),
        )
        .await;
        assert_eq!(
            app.get(&format!("/posts/{}", due.slug)).await.status,
            StatusCode::NOT_FOUND
        );

        let jobs = Jobs::get(&app.ctx).unwrap();
        jobs.client.enqueue::<PublishDuePosts>(&()).await.unwrap();
        let settings = Settings::get(&app.ctx).unwrap();
        let server = jobs::start_server(&app.ctx, &settings, &jobs)
            .await
            .unwrap();
        let dbc = db.clone();
        let id = due.id;
        eventually("scheduled publishing", || {
            let db = dbc.clone();
            async move {
                posts::Entity::find_by_id(id)
                    .one(&db)
                    .await
                    .unwrap()
                    .is_some_and(|p| p.state == "published")
            }
        })
        .await;
        server.shutdown().await.unwrap();

        let published = posts::Entity::find_by_id(due.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            published.published_at, due.scheduled_at,
            "dated at its scheduled time"
        );
        assert!(published.published_at.unwrap() <= now() - Span::hours(23));
        assert_eq!(
            app.get(&format!("/posts/{}", due.slug)).await.status,
            StatusCode::OK
        );
        let still = posts::Entity::find_by_id(later.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(still.state, "scheduled", "not before its time");
        // Idempotent: a second run publishes nothing more.
        assert_eq!(posts::publish_due(db).await.unwrap(), 0);
    }
);
