//! Moderation end to end in headless Chromium: a reader reports a comment from the post
//! page, a moderator claims the case with the keyboard, removes the comment with a reason
//! and silences its author, the author appeals from their account page, and another
//! moderator upholds the appeal, which lifts the silence. Screenshots are saved in
//! `target/e2e-screenshots/moderation/`.
use std::time::Duration;

use copydesk::models::{
    _entities::mod_log,
    comments,
    moderation::{self, Target, sanctions},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryOrder};

use crate::common::{
    Backend, TestApp,
    browser::{PASSWORD, user},
    fixtures::{self, PostSpec},
    required, run_with,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_decided_sanctioned_and_appealed_in_chromium() {
    if !super::browser_present() {
        assert!(
            !required("chromium"),
            "Chromium, chromedriver and selenium are required"
        );
        eprintln!("skipped: Chromium, chromedriver or the Python selenium package is missing");
        return;
    }
    let listen = super::Port::take();
    let port = listen.port;
    run_with(
        Backend::Sqlite,
        super::Port::site(port),
        move |app: TestApp| async move {
            let db = &app.ctx.db;
            let writer = fixtures::author(db, "Wren Writer").await;
            let post = fixtures::post(
                db,
                &writer,
                PostSpec::published("Night markets of the river city", 2),
            )
            .await;
            let troll = user(&app, "member", "Tobias Troll").await;
            let reader = user(&app, "member", "Rosa Reader").await;
            let first = user(&app, "moderator", "Mona Moderator").await;
            let second = user(&app, "moderator", "Milo Moderator").await;
            let comment = comments::ActiveModel {
                post_id: Set(post.id),
                author_id: Set(Some(troll.id)),
                guest_name: Set(None),
                body: Set("Everyone who liked this is an idiot.".into()),
                status: Set("approved".into()),
                ip_hash: Set("e2e".into()),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();

            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let shots = root.join("target/e2e-screenshots/moderation");
            let args: Vec<String> = vec![
                format!("http://127.0.0.1:{port}"),
                shots.display().to_string(),
                PASSWORD.to_string(),
                post.slug.clone(),
                comment.id.to_string(),
                reader.email.clone(),
                first.email.clone(),
                troll.email.clone(),
                second.email.clone(),
            ];
            listen
                .walk(&app, "moderation_flow.py", args, Duration::from_secs(300))
                .await;

            // What the walk did is on the record, by the right people, in order.
            let case = moderation::case_of(db, Target::Comment(comment.id))
                .await
                .unwrap()
                .unwrap();
            assert!(
                case.hidden && case.removed,
                "the comment stays removed: the appeal was against the silence"
            );
            let s = sanctions::strikes_of(db, troll.id).await.unwrap();
            assert_eq!(s.len(), 1);
            assert_eq!(s[0].kind, "silence");
            assert_eq!(s[0].moderator_id, Some(first.id));
            assert!(s[0].lifted_at.is_some(), "the silence was lifted");
            assert_eq!(s[0].lifted_by_id, Some(second.id));
            let log: Vec<(String, Option<i32>)> = mod_log::Entity::find()
                .order_by_asc(mod_log::Column::Id)
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.action, r.moderator_id))
                .collect();
            let actions: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
            assert_eq!(
                actions,
                [
                    "claim",
                    "remove",
                    "silence",
                    "appeal",
                    "lift",
                    "appeal_uphold"
                ],
                "{log:?}"
            );
            assert_eq!(log[1].1, Some(first.id));
            assert_eq!(log[5].1, Some(second.id));
            for n in [
                "1-reader-reports",
                "2-reported",
                "3-queue",
                "4-claimed-by-keyboard",
                "5-removed",
                "6-silenced",
                "7-account-appeal",
                "8-appeal-in-queue",
                "9-upheld",
            ] {
                assert!(shots.join(format!("{n}.png")).exists(), "screenshot {n}");
            }
        },
    )
    .await;
}
