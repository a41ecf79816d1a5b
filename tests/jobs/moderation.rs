//! Moderation on the job runtime: the minute job that ends lapsed suspensions, and a
//! sanction's notice delivered by the mail job to a real SMTP server.
use chrono::Duration as Span;
use copydesk::{
    auth::RequestMeta,
    jobs::{self, Jobs, moderation::EndLapsedSanctions},
    models::{
        _entities::mod_log,
        mail,
        moderation::sanctions::{self, SanctionForm},
        now, users,
    },
    settings::Settings,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::{eventually, with_smtp};
use crate::{
    both_backends,
    common::{TestApp, browser::user, fixtures},
};

async fn expiries(app: &TestApp) -> usize {
    mod_log::Entity::find()
        .filter(mod_log::Column::Action.eq("expire"))
        .all(&app.ctx.db)
        .await
        .unwrap()
        .len()
}

both_backends!(
    a_lapsed_suspension_is_ended_by_the_minute_job,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let settings = Settings::get(&app.ctx).unwrap();
        let mo = user(&app, "moderator", "Job Moderator").await;
        let member = user(&app, "member", "Suspended Member").await;
        let still = user(&app, "member", "Still Suspended").await;
        let suspend = |id: i32| SanctionForm {
            kind: "suspend".into(),
            user_id: id,
            reason: "Spam account".into(),
            days: Some(1),
            ..SanctionForm::default()
        };
        let meta = RequestMeta::system("test");
        let given = sanctions::sanction(
            db,
            &fixtures::actor(&mo),
            &meta,
            &settings.moderation,
            &suspend(member.id),
        )
        .await
        .unwrap();
        sanctions::sanction(
            db,
            &fixtures::actor(&mo),
            &meta,
            &settings.moderation,
            &suspend(still.id),
        )
        .await
        .unwrap();
        // Its day is over: a suspension cannot be given in the past, so its end is moved.
        let mut row: sanctions::entity::ActiveModel = given.sanction.clone().into();
        row.ends_at = Set(Some(now() - Span::minutes(1)));
        row.update(db).await.unwrap();
        let status = |id: i32| {
            let db = db.clone();
            async move {
                users::Entity::find_by_id(id)
                    .one(&db)
                    .await
                    .unwrap()
                    .unwrap()
                    .status
            }
        };
        assert_eq!(status(member.id).await, "suspended");

        let jobs_rt = Jobs::get(&app.ctx).unwrap();
        jobs_rt
            .client
            .enqueue::<EndLapsedSanctions>(&())
            .await
            .unwrap();
        let server = jobs::start_server(&app.ctx, &settings, &jobs_rt)
            .await
            .unwrap();
        eventually("the suspension's end", || async {
            status(member.id).await == "active"
        })
        .await;
        server.shutdown().await.unwrap();

        let ended = sanctions::entity::Entity::find_by_id(given.sanction.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(ended.lifted_at.is_some(), "marked as ended");
        assert!(!sanctions::in_force(&ended));
        assert_eq!(status(still.id).await, "suspended", "one still running");
        assert_eq!(expiries(&app).await, 1, "logged once, as `expire`");
        // Idempotent: another tick finds nothing to end.
        assert_eq!(sanctions::end_lapsed(db).await.unwrap(), 0);
        assert_eq!(expiries(&app).await, 1);
    }
);

/// The text of a message as its reader sees it: quoted-printable soft breaks joined and
/// `=XX` escapes decoded (lettre encodes long lines so).
fn readable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn silence_notice_delivery(app: TestApp, sink: crate::common::smtp::SmtpSink) {
    let db = &app.ctx.db;
    let settings = Settings::get(&app.ctx).unwrap();
    let mo = user(&app, "moderator", "Smtp Moderator").await;
    let member = user(&app, "member", "Silenced Reader").await;
    let given = sanctions::sanction(
        db,
        &fixtures::actor(&mo),
        &RequestMeta::system("test"),
        &settings.moderation,
        &SanctionForm {
            kind: "silence".into(),
            user_id: member.id,
            reason: "Repeated harassment".into(),
            days: Some(7),
            ..SanctionForm::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(given.mail.len(), 1, "one notice, to the member");
    let until = given
        .sanction
        .ends_at
        .unwrap()
        .format("%-d %b %Y %H:%M UTC")
        .to_string();
    mail::dispatch_all(&app.ctx, given.mail).await;

    let jobs_rt = Jobs::get(&app.ctx).unwrap();
    let server = jobs::start_server(&app.ctx, &settings, &jobs_rt)
        .await
        .unwrap();
    eventually("the notice at the SMTP server", || async {
        !sink.messages().is_empty()
    })
    .await;
    server.shutdown().await.unwrap();

    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "one message reached the SMTP server");
    let m = readable(&messages[0]);
    assert!(
        m.lines()
            .any(|l| l.starts_with("To:") && l.contains(&member.email)),
        "to the member: {m}"
    );
    assert!(m.contains("Subject: Your account was silenced"), "{m}");
    assert!(
        m.contains(&format!(
            "A moderator has silenced your account until {until}"
        )),
        "says until when: {m}"
    );
    assert!(m.contains("Reason: Repeated harassment."), "{m}");
    let base = settings.site.base().trim_end_matches('/');
    assert!(
        m.contains(&format!("{base}/account#moderation")),
        "the link carries the site's address: {m}"
    );
    assert!(!m.contains(mail::SITE_PLACEHOLDER), "{m}");
}

/// A sanction's notice, handed to the mail job, delivered through lettre to a real SMTP
/// server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silence_notice_is_sent_over_smtp_by_the_mail_job() {
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
        move |app| silence_notice_delivery(app, sink),
    )
    .await;
}
