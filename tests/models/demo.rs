//! The demo content: complete, realistic and idempotent.
use std::collections::BTreeSet;

use copydesk::{
    demo,
    models::{
        _entities::{
            appeals as appeal_rows, mod_flags, mod_log, mod_reasons, sanctions as sanction_rows,
        },
        comments, media,
        moderation::{
            self,
            appeals::{self, AppealDecision},
            claims,
            reasons::{self, Applies},
            sanctions,
        },
        posts, tags, users,
    },
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{both_backends, common::TestApp};

both_backends!(
    demo_covers_every_state_and_seeds_idempotently,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        assert!(demo::is_empty(db).await.unwrap());
        let first = demo::seed(db, &copydesk::settings::Settings::get(&app.ctx).unwrap())
            .await
            .unwrap();
        assert!(first.posts >= 40, "{first:?}");

        let all_posts = posts::Entity::find().all(db).await.unwrap();
        let states: BTreeSet<&str> = all_posts.iter().map(|p| p.state.as_str()).collect();
        for s in posts::PostState::ALL {
            assert!(
                states.contains(s.as_str()),
                "no demo post is {}",
                s.as_str()
            );
        }
        assert!(all_posts.iter().any(|p| p.visibility == "members"));
        assert!(all_posts.iter().any(|p| p.visibility == "paid"));
        assert!(
            all_posts
                .iter()
                .any(|p| p.state == "scheduled" && p.scheduled_at.is_some())
        );
        assert!(
            all_posts.iter().all(|p| !p.body_html.is_empty()),
            "bodies rendered"
        );
        assert!(
            !all_posts
                .iter()
                .any(|p| p.body_markdown.to_lowercase().contains("lorem ipsum"))
        );

        let all_users = users::Entity::find().all(db).await.unwrap();
        let authors: BTreeSet<i32> = all_posts.iter().map(|p| p.author_id).collect();
        assert!(authors.len() >= 5, "at least five authors");
        let roles: BTreeSet<&str> = all_users.iter().map(|u| u.role.as_str()).collect();
        for r in users::Role::ALL {
            assert!(
                roles.contains(r.as_str()),
                "no demo user has role {}",
                r.as_str()
            );
        }
        let statuses: BTreeSet<String> = comments::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.status)
            .collect();
        for s in comments::CommentStatus::ALL {
            assert!(
                statuses.contains(s.as_str()),
                "no demo comment is {}",
                s.as_str()
            );
        }
        assert!(tags::Entity::find().count(db).await.unwrap() >= 5);
        // The media library is not empty, and shows both an image missing its alt text and
        // one with it (what the accessibility gate will look at).
        let files = media::Entity::find().all(db).await.unwrap();
        assert_eq!(first.media, files.len());
        assert!(files.len() >= 3, "{files:?}");
        assert!(files.iter().any(|m| m.uploader_id.is_some()));
        assert!(
            files
                .iter()
                .any(|m| m.content_type.starts_with("image/") && m.alt_text.is_empty())
        );
        assert!(
            files
                .iter()
                .any(|m| m.content_type.starts_with("image/") && !m.alt_text.is_empty())
        );

        // Every post that left the draft has a timeline, dated in the past, that ends where
        // the post stands; one draft came back with a reviewer's note.
        for p in &all_posts {
            let steps = posts::workflow::timeline(db, p.id, 20).await.unwrap();
            assert!(steps.iter().all(|s| s.at <= copydesk::models::now()));
            if p.state == "draft" {
                continue;
            }
            let last = steps
                .first()
                .unwrap_or_else(|| panic!("{} has no timeline", p.slug));
            let ends = match p.state.as_str() {
                "in_review" if p.review_stage.as_deref() == Some("legal") => "approve",
                "in_review" => "submit",
                "approved" => "approve",
                "scheduled" => "schedule",
                "published" => "publish_now",
                _ => "archive",
            };
            assert_eq!(last.transition.as_str(), ends, "{}", p.slug);
        }
        let sent_back = all_posts
            .iter()
            .find(|p| p.slug == "pickles-of-the-northern-coast")
            .unwrap();
        let steps = posts::workflow::timeline(db, sent_back.id, 20)
            .await
            .unwrap();
        assert_eq!(steps[0].transition.as_str(), "request_changes");
        assert!(
            steps[0]
                .note
                .as_deref()
                .is_some_and(|n| n.contains("brine ratios"))
        );
        assert_eq!(steps[0].stage.as_deref(), Some("Copy edit"));

        let story = moderation_story(&app).await;

        let counts = (
            users::Entity::find().count(db).await.unwrap(),
            posts::Entity::find().count(db).await.unwrap(),
            comments::Entity::find().count(db).await.unwrap(),
            media::Entity::find().count(db).await.unwrap(),
        );
        let moderation_before = moderation_counts(&app).await;
        let second = demo::seed(db, &copydesk::settings::Settings::get(&app.ctx).unwrap())
            .await
            .unwrap();
        assert!(second.is_empty(), "a second run writes nothing: {second:?}");
        let again = (
            users::Entity::find().count(db).await.unwrap(),
            posts::Entity::find().count(db).await.unwrap(),
            comments::Entity::find().count(db).await.unwrap(),
            media::Entity::find().count(db).await.unwrap(),
        );
        assert_eq!(counts, again);
        assert_eq!(
            moderation_before,
            moderation_counts(&app).await,
            "a second run adds no preset, case, flag, log row, sanction or appeal"
        );

        // The demo moderator the start message names may decide the waiting appeal; the
        // colleague who gave the silence may not.
        let by = |email: &str| {
            let db = db.clone();
            let email = email.to_string();
            async move {
                copydesk::actor::Actor {
                    user: users::Model::find_by_email(&db, &email)
                        .await
                        .unwrap()
                        .unwrap(),
                    via: copydesk::actor::Via::Token {
                        token_id: 0,
                        write: true,
                    },
                }
            }
        };
        let meta = copydesk::auth::RequestMeta::system("test");
        let uphold = AppealDecision {
            outcome: "uphold".into(),
            note: "One comment; a warning would have done.".into(),
        };
        assert!(
            appeals::decide(
                db,
                &by(demo::SECOND_MODERATOR).await,
                &meta,
                story.appeal,
                &uphold
            )
            .await
            .is_err(),
            "who gave the silence cannot decide its appeal"
        );
        appeals::decide(db, &by(demo::MODERATOR).await, &meta, story.appeal, &uphold)
            .await
            .unwrap();
        assert_eq!(
            sanctions::silenced_until(db, story.silenced).await.unwrap(),
            None,
            "upheld: the silence is lifted"
        );

        // The demo home page shows published posts only.
        let home = app.get("/").await;
        assert_eq!(home.status, axum::http::StatusCode::OK);
        assert_eq!(home.text.matches("class=\"post-card\"").count(), 10);
    }
);

/// What the moderation part of the demo must give a newcomer.
struct Story {
    appeal: i32,
    silenced: i32,
}

async fn moderation_counts(app: &TestApp) -> [u64; 6] {
    let db = &app.ctx.db;
    [
        mod_reasons::Entity::find().count(db).await.unwrap(),
        moderation::cases::Entity::find().count(db).await.unwrap(),
        mod_flags::Entity::find().count(db).await.unwrap(),
        mod_log::Entity::find().count(db).await.unwrap(),
        sanction_rows::Entity::find().count(db).await.unwrap(),
        appeal_rows::Entity::find().count(db).await.unwrap(),
    ]
}

async fn moderation_story(app: &TestApp) -> Story {
    let db = &app.ctx.db;
    let logins: Vec<String> = demo::logins(db)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    for email in [demo::MODERATOR, demo::SECOND_MODERATOR] {
        assert!(logins.iter().any(|l| l == email), "{email} signs in");
    }
    let person = |email: &str| {
        let db = db.clone();
        let email = email.to_string();
        async move {
            users::Model::find_by_email(&db, &email)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("no demo person {email}"))
        }
    };
    let odile = person(demo::MODERATOR).await;
    let idris = person(demo::SECOND_MODERATOR).await;

    // Presets for both forms.
    let labels =
        |list: Vec<reasons::Preset>| -> Vec<String> { list.into_iter().map(|p| p.label).collect() };
    let decision = labels(reasons::list(db, Applies::Decision).await.unwrap());
    for l in [
        "Spam",
        "Harassment or abuse",
        "Off-topic",
        "Personal information",
        "Within the rules",
    ] {
        assert!(
            decision.iter().any(|d| d == l),
            "decision preset {l}: {decision:?}"
        );
    }
    let sanction = labels(reasons::list(db, Applies::Sanction).await.unwrap());
    for l in ["Repeated harassment", "Spam account", "Ignored warnings"] {
        assert!(
            sanction.iter().any(|d| d == l),
            "sanction preset {l}: {sanction:?}"
        );
    }

    // Open cases at every priority, one hidden by its score, one held by the colleague,
    // one escalated.
    let cases = moderation::cases::Entity::find().all(db).await.unwrap();
    for p in ["low", "medium", "high"] {
        assert!(
            cases.iter().any(|c| c.status == "open" && c.priority == p),
            "an open {p} case"
        );
    }
    let settings = copydesk::settings::Settings::get(&app.ctx).unwrap();
    assert!(
        cases
            .iter()
            .any(|c| c.status == "open" && c.hidden && c.score >= settings.moderation.hide),
        "a case hidden by its score"
    );
    assert!(
        cases
            .iter()
            .any(|c| c.target_type == "post" && c.status == "open"),
        "a reported post"
    );
    assert!(
        cases.iter().any(|c| claims::holder(c) == Some(idris.id)),
        "a case Idris holds"
    );
    assert!(cases.iter().any(|c| c.status == "escalated"));
    let counted = moderation::queue::counts(db, settings.moderation.target_hours)
        .await
        .unwrap();
    assert!(counted.open >= 6 && counted.appeals == 1, "{counted:?}");

    // Closed cases behind them, so the mod log has history.
    let logged: Vec<String> = mod_log::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    for a in [
        "keep",
        "remove",
        "reviewed_fine",
        "escalate",
        "auto_hide",
        "assign",
        "silence",
        "warn",
        "appeal",
    ] {
        assert!(
            logged.iter().any(|l| l == a),
            "the mod log has {a}: {logged:?}"
        );
    }
    assert!(
        cases.iter().filter(|c| c.status == "closed").count() >= 3,
        "closed cases"
    );

    // Reporters whose past reports were upheld count for more than those dismissed.
    let june = person("june.whitlock@example.com").await;
    let arnav = person("arnav.desai@example.com").await;
    let (j, a) = (
        moderation::accuracy_of(db, june.id).await.unwrap(),
        moderation::accuracy_of(db, arnav.id).await.unwrap(),
    );
    assert!(j > 1.0 && a < 1.0, "june {j}, arnav {a}");

    // A silenced member's appeal waits, against a silence the printed moderator did not give.
    let pending = appeal_rows::Entity::find()
        .filter(appeal_rows::Column::Status.eq("pending"))
        .all(db)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    let appeal = &pending[0];
    assert!(appeal.decided_by_id.is_none());
    assert_eq!(appeal.original_moderator_id, Some(idris.id));
    assert_ne!(appeal.original_moderator_id, Some(odile.id));
    let silence = sanction_rows::Entity::find_by_id(appeal.sanction_id.unwrap())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(silence.kind, "silence");
    assert_eq!(silence.user_id, appeal.appellant_id);
    assert!(!silence.reason.is_empty());
    let removed = moderation::cases::Entity::find_by_id(silence.case_id.unwrap())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(removed.removed, "the silence follows a removed comment");
    let until = sanctions::silenced_until(db, appeal.appellant_id)
        .await
        .unwrap()
        .flatten()
        .expect("silenced, until a date");
    let days = (until - copydesk::models::now()).num_hours();
    assert!((6 * 24..=7 * 24).contains(&days), "for a week: {days} h");

    // A warned member whose strike has expired.
    let callum = person("callum.reyes@example.com").await;
    let strikes = sanctions::strikes_of(db, callum.id).await.unwrap();
    assert_eq!(strikes.len(), 1);
    assert_eq!(strikes[0].kind, "warn");
    assert!(!sanctions::counts(&strikes[0]), "expired");

    // A suspended member, who cannot sign in: their notice carries the appeal link (made
    // only when the mail goes to a mail server; the outbox keeps no usable link).
    let rook = person("rook.tallis@example.com").await;
    assert_eq!(rook.status, "suspended");
    assert!(
        !logins.iter().any(|l| l == &rook.email),
        "not offered as a sign-in"
    );
    let notice = copydesk::models::_entities::mail_outbox::Entity::find()
        .filter(copydesk::models::_entities::mail_outbox::Column::ToAddress.eq(rook.email.clone()))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.subject.contains("suspended"))
        .expect("the suspension notice");
    assert_eq!(notice.link_kind.as_deref(), Some("appeal"));
    assert!(notice.text_body.contains("[link added when sent]"));

    Story {
        appeal: appeal.id,
        silenced: appeal.appellant_id,
    }
}
