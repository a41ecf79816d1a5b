//! The rules on readers' comments: each one hits and misses, `hold` keeps a comment pending
//! while `flag` publishes it with the flag on its case, and a silenced member may not
//! comment at all.
use chrono::Duration;
use copydesk::{
    models::{
        comments::{self, CommentError, CommentForm, RateLimit, Submitted},
        moderation::{self, Target, flags},
        now, users,
    },
    settings::{Moderation, RuleAction},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

fn limit() -> RateLimit {
    RateLimit {
        max: 100,
        window: Duration::minutes(10),
    }
}

fn form(body: &str) -> CommentForm {
    CommentForm {
        name: "Guest".into(),
        body: body.into(),
        website: String::new(),
    }
}

async fn submit(
    app: &TestApp,
    settings: &Moderation,
    post_id: i32,
    body: &str,
    author: Option<&users::Model>,
    ip: &str,
) -> comments::Model {
    match comments::Model::submit_comment(
        &app.ctx.db,
        settings,
        post_id,
        &form(body),
        author,
        ip,
        limit(),
    )
    .await
    .unwrap()
    {
        Submitted::Stored(c) => c,
        Submitted::Discarded => panic!("not a bot"),
    }
}

/// The rule flags on `comment`'s case: (rule, what it found).
async fn hits(app: &TestApp, comment: &comments::Model) -> Vec<(String, String)> {
    let Some(case) = moderation::case_of(&app.ctx.db, Target::Comment(comment.id))
        .await
        .unwrap()
    else {
        return Vec::new();
    };
    flags::Entity::find()
        .filter(flags::Column::CaseId.eq(case.id))
        .filter(flags::Column::Source.eq("rule"))
        .all(&app.ctx.db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.reason, f.text))
        .collect()
}

/// Silences `user_id` from now until `ends` (`None`: until lifted), as a moderator's
/// sanction would (the sanction screens are another slice).
async fn silence(app: &TestApp, user_id: i32, ends: Option<chrono::DateTime<chrono::FixedOffset>>) {
    use copydesk::models::_entities::sanctions;
    let at = now();
    sanctions::ActiveModel {
        user_id: Set(user_id),
        kind: Set("silence".into()),
        reason: Set("Repeated insults".into()),
        starts_at: Set(at),
        ends_at: Set(ends),
        strike_expires_at: Set(at + Duration::days(90)),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&app.ctx.db)
    .await
    .unwrap();
}

/// A member with one approved comment already, so `first_comments` does not hit.
async fn established(app: &TestApp, name: &str, post_id: i32) -> users::Model {
    let db = &app.ctx.db;
    let member = fixtures::person(db, name, "member").await;
    fixtures::comment(
        db,
        &member,
        post_id,
        None,
        "An earlier, approved remark.",
        "approved",
    )
    .await;
    member
}

both_backends!(
    each_rule_hits_and_misses_and_hold_differs_from_flag,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let author = fixtures::author(db, "Rue Author").await;
        let post = fixtures::post(db, &author, PostSpec::published("Rules apply", 1)).await;
        let mut settings = Moderation::default();
        settings.rules.blocked_words = vec!["casino".into(), "cheap pills".into()];

        // A guest is held as a first comment; nothing else hits.
        let c = submit(&app, &settings, post.id, "A fine piece.", None, "ip-guest").await;
        assert_eq!(c.status, "pending");
        assert_eq!(
            hits(&app, &c).await,
            [(
                "first_comments".to_string(),
                "a guest's comment".to_string()
            )]
        );

        // A new member (no approved comment yet) likewise.
        let newbie = fixtures::person(db, "New Member", "member").await;
        let c = submit(
            &app,
            &settings,
            post.id,
            "Hello there.",
            Some(&newbie),
            "ip-new",
        )
        .await;
        assert_eq!(c.status, "pending");
        assert_eq!(
            hits(&app, &c).await,
            [(
                "first_comments".to_string(),
                "0 approved comments so far (fewer than 1)".to_string()
            )]
        );

        // An established member publishes at once, with no case at all.
        let member = established(&app, "Est Member", post.id).await;
        let c = submit(
            &app,
            &settings,
            post.id,
            "Two links: https://a.test and https://b.test",
            Some(&member),
            "ip-m",
        )
        .await;
        assert_eq!(c.status, "approved");
        assert!(
            hits(&app, &c).await.is_empty(),
            "two links are within the limit"
        );
        assert!(
            moderation::case_of(db, Target::Comment(c.id))
                .await
                .unwrap()
                .is_none()
        );

        // Links over the limit flag (the default action) but publish.
        let c = submit(
            &app,
            &settings,
            post.id,
            "See https://a.test, [b](https://b.test) and www.c.test",
            Some(&member),
            "ip-m",
        )
        .await;
        assert_eq!(c.status, "approved", "links only flag by default");
        assert_eq!(
            hits(&app, &c).await,
            [("links".to_string(), "3 links (more than 2)".to_string())]
        );
        let case = moderation::case_of(db, Target::Comment(c.id))
            .await
            .unwrap()
            .unwrap();
        assert!(
            (case.score - 1.0).abs() < 1e-9,
            "the links weight: {}",
            case.score
        );
        assert!(!case.hidden);

        // Blocked words hold, whole words only, ignoring case.
        let c = submit(
            &app,
            &settings,
            post.id,
            "The CASINO downtown closed.",
            Some(&member),
            "ip-m",
        )
        .await;
        assert_eq!(c.status, "pending");
        assert_eq!(
            hits(&app, &c).await,
            [(
                "blocked_words".to_string(),
                "blocked word: casino".to_string()
            )]
        );
        let c = submit(
            &app,
            &settings,
            post.id,
            "Casinos and occasional visits.",
            Some(&member),
            "ip-m",
        )
        .await;
        assert_eq!(c.status, "approved");
        assert!(hits(&app, &c).await.is_empty());

        // The same text more than twice within a day holds the third.
        let text = "Visit my page for more!";
        for _ in 0..2 {
            let c = submit(&app, &settings, post.id, text, Some(&member), "ip-m").await;
            assert_eq!(c.status, "approved");
        }
        let c = submit(
            &app,
            &settings,
            post.id,
            "  visit MY page   for more! ",
            Some(&member),
            "ip-m",
        )
        .await;
        assert_eq!(c.status, "pending", "normalised, it is the same text");
        assert_eq!(
            hits(&app, &c).await,
            [(
                "repeated_text".to_string(),
                "the same text 3 times within 24 hours (more than 2)".to_string()
            )]
        );
        // Another member's same text is theirs, not repeated.
        let other = established(&app, "Other Member", post.id).await;
        let c = submit(&app, &settings, post.id, text, Some(&other), "ip-o").await;
        assert_eq!(c.status, "approved");

        // Actions come from settings: links held, blocked words only flagged.
        settings
            .rules
            .actions
            .insert("links".into(), RuleAction::Hold);
        settings
            .rules
            .actions
            .insert("blocked_words".into(), RuleAction::Flag);
        let c = submit(
            &app,
            &settings,
            post.id,
            "http://a.test http://b.test http://c.test",
            Some(&other),
            "ip-o",
        )
        .await;
        assert_eq!(c.status, "pending");
        let c = submit(
            &app,
            &settings,
            post.id,
            "cheap pills, anyone?",
            Some(&other),
            "ip-o",
        )
        .await;
        assert_eq!(c.status, "approved");
        assert_eq!(
            hits(&app, &c).await,
            [(
                "blocked_words".to_string(),
                "blocked word: cheap pills".to_string()
            )]
        );

        // Several hits are several flags on one case; nothing is ever deleted.
        let c = submit(
            &app,
            &settings,
            post.id,
            "casino https://a.test https://b.test https://c.test",
            None,
            "ip-g2",
        )
        .await;
        let mut found: Vec<String> = hits(&app, &c).await.into_iter().map(|(r, _)| r).collect();
        found.sort();
        assert_eq!(found, ["blocked_words", "first_comments", "links"]);
        assert!(
            comments::Entity::find_by_id(c.id)
                .one(db)
                .await
                .unwrap()
                .is_some()
        );
    }
);

both_backends!(
    a_silenced_member_may_not_comment,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let author = fixtures::author(db, "Sil Author").await;
        let post = fixtures::post(db, &author, PostSpec::published("Quiet please", 1)).await;
        let member = established(&app, "Loud Member", post.id).await;
        let ends = now() + Duration::days(3);
        silence(&app, member.id, Some(ends)).await;
        let before = comments::Entity::find().all(db).await.unwrap().len();
        let refused = comments::Model::submit_comment(
            db,
            &Moderation::default(),
            post.id,
            &form("Let me speak"),
            Some(&member),
            "ip",
            limit(),
        )
        .await;
        match refused {
            Err(CommentError::Silenced { until }) => {
                assert_eq!(until.map(|u| u.timestamp()), Some(ends.timestamp()));
            }
            other => panic!("expected Silenced, got {other:?}"),
        }
        assert_eq!(
            comments::Entity::find().all(db).await.unwrap().len(),
            before,
            "nothing stored"
        );
        // A guest is not affected by a member's sanction.
        let c = submit(
            &app,
            &Moderation::default(),
            post.id,
            "A guest speaks",
            None,
            "ip-g",
        )
        .await;
        assert_eq!(c.status, "pending");
    }
);

both_backends!(
    the_post_page_tells_members_what_became_of_their_comment,
    |app: TestApp| async move {
        use crate::common::browser::{Browser, user};
        let db = &app.ctx.db;
        let author = fixtures::author(db, "Pag Author").await;
        let post = fixtures::post(db, &author, PostSpec::published("Say something", 1)).await;
        let path = format!("/posts/{}", post.slug);
        let member = user(&app, "member", "Reg Ular").await;
        fixtures::comment(
            db,
            &member,
            post.id,
            None,
            "An earlier, approved remark.",
            "approved",
        )
        .await;
        let mut b = Browser::signed_in(&app, &member.email, "/login").await;

        // An established member's comment is published at once.
        let res = b
            .post(
                &format!("{path}/comments"),
                &[("body", "Published straight away.")],
            )
            .await;
        assert_eq!(
            res.status,
            axum::http::StatusCode::SEE_OTHER,
            "{}",
            res.text
        );
        let location = res.header("location").unwrap().to_string();
        let stored = comments::Entity::find()
            .filter(comments::Column::Body.eq("Published straight away."))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, "approved");
        assert_eq!(
            location,
            format!("{path}?comment=published#comment-{}", stored.id)
        );
        let page = b.get(location.split('#').next().unwrap()).await;
        assert!(
            page.text
                .contains("Thank you: your comment is published below.")
        );
        assert!(page.text.contains(&format!("id=\"comment-{}\"", stored.id)));

        // Silenced until a moderator lifts it: the sentence replaces the form.
        silence(&app, member.id, None).await;
        let page = b.get(&path).await;
        assert!(
            page.text
                .contains("stopped your account from commenting until a moderator lifts it"),
            "{}",
            page.text
        );
        assert!(!page.text.contains("<form class=\"comment-form\""));
        let before = comments::Entity::find().all(db).await.unwrap().len();
        let res = b
            .post(&format!("{path}/comments"), &[("body", "Let me in")])
            .await;
        assert_eq!(res.status, axum::http::StatusCode::FORBIDDEN);
        assert!(res.text.contains("until a moderator lifts it"));
        assert_eq!(
            comments::Entity::find().all(db).await.unwrap().len(),
            before
        );
    }
);

#[test]
fn settings_that_cannot_work_are_refused_at_boot() {
    assert_eq!(Moderation::default().check(), Ok(()));
    let refused = |change: fn(&mut Moderation)| {
        let mut s = Moderation::default();
        change(&mut s);
        s.check().expect_err("refused")
    };
    assert!(refused(|s| s.reports_per_hour = 0).contains("reports_per_hour"));
    assert!(refused(|s| s.rules.repeat_count = 0).contains("repeat_count"));
    assert!(refused(|s| s.rules.repeat_hours = 0).contains("repeat_hours"));
    assert!(refused(|s| s.rules.blocked_words = vec![" ".into()]).contains("empty word"));
    assert!(
        refused(|s| {
            s.rules.actions.insert("lnks".into(), RuleAction::Hold);
        })
        .contains("moderation.rules.actions.lnks: no such rule")
    );
    // Read from YAML as the config gives it.
    let s: Moderation = serde_json::from_value(serde_json::json!({
        "reports_per_hour": 3,
        "rules": {"blocked_words": ["casino"], "actions": {"links": "hold"}}
    }))
    .unwrap();
    assert_eq!(s.reports_per_hour, 3);
    assert_eq!(s.rules.action("links"), RuleAction::Hold);
    assert_eq!(s.rules.action("first_comments"), RuleAction::Hold);
    assert_eq!(s.rules.max_links, 2, "unset keys keep their defaults");
}
