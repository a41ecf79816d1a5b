//! The app's jobs on the runtime: mail and scheduled publishing, worked by a real server on
//! the SQL store in the test's own database.
use std::time::Duration;

use axum::http::StatusCode;
use chrono::Duration as Span;
use copydesk::{
    jobs::{self, Jobs, publish::PublishDuePosts},
    models::{_entities::mail_outbox, mail, now, posts},
    settings::Settings,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures,
        fixtures::PostSpec,
    },
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
        assert!(
            b.get("/account")
                .await
                .text
                .contains("<strong>waiting to run</strong>"),
            "the person sees the job's state"
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
        assert!(
            b.get("/account")
                .await
                .text
                .contains("<strong>done</strong>"),
            "and sees it done"
        );
        let res = b.post("/account/verification", &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(
            b.get("/account")
                .await
                .text
                .contains("<strong>waiting to run</strong>"),
            "a resent link is a new job"
        );
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
        // The author was told, once, with a link to the post on the site.
        let notices = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::ToAddress.eq(&ada.email))
            .filter(mail_outbox::Column::Template.eq("post_notice"))
            .all(db)
            .await
            .unwrap();
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert_eq!(notices[0].subject, "“Due now” is published");
        let server = jobs::start_server(&app.ctx, &settings, &jobs)
            .await
            .unwrap();
        let (dbc, mail_id) = (db.clone(), notices[0].id);
        eventually("the author's notice", || {
            let db = dbc.clone();
            async move {
                mail_outbox::Entity::find_by_id(mail_id)
                    .one(&db)
                    .await
                    .unwrap()
                    .is_some_and(|m| m.status == "kept")
            }
        })
        .await;
        server.shutdown().await.unwrap();
        let kept = mail_outbox::Entity::find_by_id(mail_id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let link = format!(
            "{}/posts/{}",
            settings.site.base().trim_end_matches('/'),
            due.slug
        );
        assert!(kept.text_body.contains(&link), "{}", kept.text_body);
        assert!(
            kept.html_body.contains(&format!("href=\"{link}\"")),
            "{}",
            kept.html_body
        );
        assert!(!kept.text_body.contains(mail::SITE_PLACEHOLDER));
    }
);

both_backends!(
    workflow_notices_go_through_the_mail_job_and_follow_each_persons_choice,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = user(&app, "author", "Ada Author").await;
        let eda = user(&app, "editor", "Eda Editor").await;
        let eli = user(&app, "editor", "Eli Editor").await;
        let notices_to = |who: String| {
            let db = db.clone();
            async move {
                mail_outbox::Entity::find()
                    .filter(mail_outbox::Column::ToAddress.eq(who))
                    .filter(mail_outbox::Column::Template.eq("post_notice"))
                    .all(&db)
                    .await
                    .unwrap()
            }
        };

        // Eli turns review notices off on the account page, without JavaScript.
        let mut e = Browser::signed_in(&app, &eli.email, "/admin/login").await;
        let page = e.get("/account").await;
        assert!(page.text.contains("Email me when"), "{}", page.text);
        assert!(
            page.text
                .contains(r#"name="review_waiting" type="checkbox" value="on" checked"#)
        );
        let res = e
            .post(
                "/account/notifications",
                &[
                    ("changes_requested", "on"),
                    ("approved", "on"),
                    ("scheduled", "on"),
                    ("published", "on"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let page = e.get("/account?saved=notifications").await;
        assert!(page.text.contains("Your mail choices are saved."));
        assert!(
            page.text
                .contains(r#"name="review_waiting" type="checkbox" value="on">"#),
            "unchecked now"
        );
        assert!(
            page.text
                .contains(r#"name="published" type="checkbox" value="on" checked"#)
        );

        // Ada submits on the workflow page: Eda's notice is handed to the mail job at once.
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("Handed over", 1)
                .state("draft")
                .undated(),
        )
        .await;
        let mut a = Browser::signed_in(&app, &ada.email, "/admin/login").await;
        let url = format!("/admin/posts/{}/workflow", post.id);
        a.get(&url).await;
        let res = a
            .post(
                &url,
                &[
                    ("transition", "submit"),
                    ("lock_version", &post.lock_version.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        assert!(
            notices_to(eli.email.clone()).await.is_empty(),
            "Eli opted out"
        );
        assert!(
            notices_to(ada.email.clone()).await.is_empty(),
            "nobody hears of their own step"
        );
        let mine = notices_to(eda.email.clone()).await;
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].status, "queued");
        let api =
            copydesk_workers::api::Inspector::new(Jobs::get(&app.ctx).unwrap().client.clone());
        assert_eq!(
            api.statuses(&jobs::records::mail_record(mine[0].id), 1)
                .await
                .unwrap()
                .len(),
            1,
            "a mail job points at it: the sweep is only the fallback"
        );

        let settings = Settings::get(&app.ctx).unwrap();
        let jobs = Jobs::get(&app.ctx).unwrap();
        let server = jobs::start_server(&app.ctx, &settings, &jobs)
            .await
            .unwrap();
        let (dbc, id) = (db.clone(), mine[0].id);
        eventually("the review notice", || {
            let db = dbc.clone();
            async move {
                mail_outbox::Entity::find_by_id(id)
                    .one(&db)
                    .await
                    .unwrap()
                    .is_some_and(|m| m.status == "kept")
            }
        })
        .await;
        server.shutdown().await.unwrap();
        let kept = &notices_to(eda.email.clone()).await[0];
        let base = settings.site.base().trim_end_matches('/').to_string();
        assert!(
            kept.text_body.contains(&format!("{base}{url}")),
            "{}",
            kept.text_body
        );
        assert!(
            kept.text_body.contains(&format!("{base}/account")),
            "{}",
            kept.text_body
        );
        assert!(!kept.html_body.contains(mail::SITE_PLACEHOLDER));
    }
);

fn with_smtp(config: &mut loco_rs::config::Config, port: u16) {
    config.mailer = Some(
        serde_json::from_value(serde_json::json!({
            "stub": false,
            "smtp": {"enable": true, "host": "127.0.0.1", "port": port, "secure": false}
        }))
        .unwrap(),
    );
    if let Some(s) = config.settings.as_mut() {
        s["mail"]["transport"] = serde_json::json!("smtp");
        s["mail"]["from"] = serde_json::json!("Copydesk <desk@copydesk.test>");
    }
}

async fn smtp_delivery(app: TestApp, sink: crate::common::smtp::SmtpSink) {
    let mut b = Browser::new(&app);
    b.get("/signup").await;
    b.post(
        "/signup",
        &[
            ("email", "smtp@example.com"),
            ("display_name", "Sam Tp"),
            ("password", "long enough password"),
        ],
    )
    .await;
    let settings = Settings::get(&app.ctx).unwrap();
    let jobs = Jobs::get(&app.ctx).unwrap();
    let server = jobs::start_server(&app.ctx, &settings, &jobs)
        .await
        .unwrap();
    for _ in 0..150 {
        if !sink.messages().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.shutdown().await.unwrap();
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "one message reached the SMTP server");
    let m = &messages[0];
    assert!(m.contains("Subject: Confirm your email address"), "{m}");
    assert!(m.contains("smtp@example.com"), "{m}");
    assert!(m.contains("/verify/"), "the link is in the message");
    let row = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::ToAddress.eq("smtp@example.com"))
        .one(&app.ctx.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "sent");
}

/// Mail sent by the job through lettre to a real SMTP server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_is_sent_over_smtp_by_the_job() {
    let Some(sink) = crate::common::smtp::SmtpSink::start() else {
        assert!(
            !crate::common::required("smtp"),
            "an SMTP sink (python3 -m aiosmtpd) is required but could not start"
        );
        eprintln!(
            "skipped: python3 -m aiosmtpd is not available (set COPYDESK_TEST_REQUIRE=smtp to fail instead)"
        );
        return;
    };
    let port = sink.port;
    crate::common::run_with(
        crate::common::Backend::Sqlite,
        move |c| with_smtp(c, port),
        move |app| smtp_delivery(app, sink),
    )
    .await;
}

both_backends!(
    the_demo_failure_is_fixed_by_support_in_the_admin,
    |app: TestApp| async move {
        use copydesk::demo;
        use copydesk_workers::{
            api::{Filter, Inspector},
            store::SortedSet,
        };
        let settings = Settings::get(&app.ctx).unwrap();
        demo::seed(&app.ctx.db, &settings).await.unwrap();
        demo::seed_failing_mail(&app.ctx).await.unwrap();
        let jobs_rt = Jobs::get(&app.ctx).unwrap();
        let api = Inspector::new(jobs_rt.client.clone());
        let retries = || async {
            api.list(SortedSet::Retry, &Filter::default(), 0, 5)
                .await
                .unwrap()
        };
        let server = jobs::start_server(&app.ctx, &settings, &jobs_rt)
            .await
            .unwrap();
        eventually("the demo mail fails", || async {
            retries().await.total == 1
        })
        .await;
        server.shutdown().await.unwrap();
        let failed = retries().await.jobs[0].clone();
        assert!(
            failed
                .payload
                .error_message()
                .unwrap()
                .contains("is not a valid email address"),
            "a reason support can act on"
        );

        // Support corrects the address under People, then retries the job.
        let mut s = Browser::new(&app);
        let res = s
            .sign_in(
                "support@example.com",
                copydesk::demo::DEMO_PASSWORD,
                "/admin/login",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let rosa =
            copydesk::models::users::Model::find_by_email(&app.ctx.db, demo::MISTYPED_ADDRESS)
                .await
                .unwrap()
                .unwrap();
        let bad = s
            .post(
                &format!("/admin/people/users/{}", rosa.id),
                &[
                    ("display_name", rosa.display_name.as_str()),
                    ("email", "still..wrong@"),
                    ("bio", rosa.bio.as_str()),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let res = s
            .post(
                &format!("/admin/people/users/{}", rosa.id),
                &[
                    ("display_name", rosa.display_name.as_str()),
                    ("email", demo::MISTYPED_READER),
                    ("bio", rosa.bio.as_str()),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let res = s
            .post(
                "/admin/jobs/retries/actions",
                &[
                    ("action", "retry"),
                    ("job", &format!("{}|{}", failed.score, failed.payload.jid())),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let server = jobs::start_server(&app.ctx, &settings, &jobs_rt)
            .await
            .unwrap();
        let db = app.ctx.db.clone();
        eventually("the corrected mail goes out", || {
            let db = db.clone();
            async move {
                mail_outbox::Entity::find()
                    .filter(mail_outbox::Column::ToAddress.eq(demo::MISTYPED_READER))
                    .one(&db)
                    .await
                    .unwrap()
                    .is_some_and(|m| m.status == "kept")
            }
        })
        .await;
        server.shutdown().await.unwrap();
        assert_eq!(retries().await.total, 0);
    }
);
mod killed_worker;
mod moderation;
mod scheduling;
