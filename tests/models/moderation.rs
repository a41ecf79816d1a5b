//! Moderation's cases: every flag on one target gathers into one case, scored by weight
//! times reporter accuracy, with the score's inputs stored so they reproduce it whatever the
//! settings say later; "reviewed, fine" stops counting flags until the content changes.
use copydesk::{
    models::{
        comments,
        moderation::{self, NewFlag, Reason, Source, Target, reporter_stats, score},
    },
    settings::Moderation,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

async fn a_comment(app: &TestApp, body: &str) -> comments::Model {
    let db = &app.ctx.db;
    let author = fixtures::author(db, "Cas Author").await;
    let post = fixtures::post(db, &author, PostSpec::published("Reported here", 1)).await;
    // Through the staff path, so that no rule flags it: these tests count every flag.
    fixtures::comment(db, &author, post.id, Some("Guest"), body, "pending").await
}

fn report(target: Target, reason: Reason, by: Option<i32>) -> NewFlag {
    NewFlag {
        target,
        source: Source::Report,
        reason: reason.as_str().into(),
        text: "<script>alert(1)</script> see for yourself".into(),
        reporter_id: by,
        reporter_key: String::new(),
    }
}

both_backends!(
    flags_gather_into_one_case_with_its_score_and_why,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let settings = Moderation::default();
        let c = a_comment(&app, "Buy cheap watches at example.test").await;
        let target = Target::Comment(c.id);
        let new = fixtures::person(db, "New Reader", "member").await;
        let trusted = fixtures::person(db, "Trusted Reader", "member").await;
        reporter_stats::ActiveModel {
            user_id: Set(trusted.id),
            upheld: Set(8),
            dismissed: Set(0),
        }
        .insert(db)
        .await
        .unwrap();

        // A new account counts 1; a reporter whose eight reports were upheld counts 1.8.
        let case = moderation::flag(db, &settings, &report(target, Reason::Spam, Some(new.id)))
            .await
            .unwrap();
        assert_eq!(case.status, "open");
        assert!((case.score - 1.0).abs() < 1e-9, "{}", case.score);
        assert_eq!(case.priority, "low");
        let case = moderation::flag(
            db,
            &settings,
            &report(target, Reason::Harassment, Some(trusted.id)),
        )
        .await
        .unwrap();
        let expected = 1.0 + 2.0 * score::accuracy(8, 0);
        assert!(
            (case.score - expected).abs() < 1e-9,
            "{} vs {expected}",
            case.score
        );
        assert_eq!(case.priority, "medium");
        assert!(!case.hidden, "below the hiding threshold");

        // A rule hit joins the same case; one case per target, however many flags.
        let rule = NewFlag {
            source: Source::Rule,
            reason: "blocked_words".into(),
            text: "matched “cheap watches”".into(),
            reporter_id: None,
            ..report(target, Reason::Other, None)
        };
        let case = moderation::flag(db, &settings, &rule).await.unwrap();
        assert_eq!(
            moderation::cases::Entity::find().count(db).await.unwrap(),
            1
        );
        assert_eq!(
            moderation::flags::Entity::find().count(db).await.unwrap(),
            3
        );

        // The stored inputs explain the score, and hiding, in words.
        let inputs = moderation::inputs(&case).unwrap();
        assert_eq!(inputs.contributions.len(), 3);
        assert_eq!(inputs.formula, score::FORMULA);
        assert!((inputs.outcome().score - case.score).abs() < 1e-9);
        let why = inputs.explain();
        assert!(
            why.contains("harassment 2.00 × accuracy 1.80 = 3.60"),
            "{why}"
        );
        assert!(
            why.contains(
                "high priority (low from 1, medium from 3, high from 6); not hidden (hidden from 8)"
            ),
            "{why}"
        );

        // Enough weight hides the content pending review; it never deletes it.
        let illegal = report(target, Reason::Illegal, Some(trusted.id));
        let case = moderation::flag(db, &settings, &illegal).await.unwrap();
        assert!(case.score >= settings.hide, "{}", case.score);
        assert!(case.hidden);
        assert_eq!(case.priority, "high");
        assert!(
            comments::Entity::find_by_id(c.id)
                .one(db)
                .await
                .unwrap()
                .is_some()
        );

        // The snapshot is the content as it was when reported.
        let flags = moderation::flags::Entity::find().all(db).await.unwrap();
        assert!(
            flags
                .iter()
                .all(|f| f.snapshot == "Buy cheap watches at example.test")
        );
        assert!(flags.iter().all(|f| f.counted));
    }
);

both_backends!(
    reviewed_fine_stops_counting_until_the_content_changes,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let settings = Moderation::default();
        let c = a_comment(&app, "A perfectly ordinary remark.").await;
        let target = Target::Comment(c.id);
        let case = moderation::flag(db, &settings, &report(target, Reason::Spam, None))
            .await
            .unwrap();
        // A moderator marks it reviewed and fine (the decision module will do this).
        let mut fine: moderation::cases::ActiveModel = case.clone().into();
        fine.reviewed_fine_hash = Set(Some(moderation::content_hash(&c.body)));
        fine.status = Set("closed".into());
        let closed = fine.update(db).await.unwrap();

        let again = moderation::flag(db, &settings, &report(target, Reason::Spam, None))
            .await
            .unwrap();
        assert_eq!(again.status, "closed", "an unchanged comment stays closed");
        assert_eq!(again.opened_at, closed.opened_at);
        let last = moderation::flags::Entity::find().all(db).await.unwrap();
        assert!(!last.last().unwrap().counted, "kept, not counted");

        // Edited, it can be reported again: the case reopens.
        let mut edited: comments::ActiveModel = c.into();
        edited.body = Set("A remark, now with a link to example.test".into());
        edited.update(db).await.unwrap();
        let reopened = moderation::flag(db, &settings, &report(target, Reason::Spam, None))
            .await
            .unwrap();
        assert_eq!(reopened.status, "open");
        assert!(reopened.opened_at > closed.opened_at);
    }
);

both_backends!(
    bad_flags_are_refused_and_write_nothing,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let settings = Moderation::default();
        let c = a_comment(&app, "Fine.").await;
        let mut long = report(Target::Comment(c.id), Reason::Other, None);
        long.text = "x".repeat(moderation::MAX_TEXT + 1);
        assert!(matches!(
            moderation::flag(db, &settings, &long).await,
            Err(copydesk::models::WriteError::Field { .. })
        ));
        let gone = report(Target::Comment(c.id + 1000), Reason::Spam, None);
        assert!(matches!(
            moderation::flag(db, &settings, &gone).await,
            Err(copydesk::models::WriteError::NotFound)
        ));
        assert_eq!(
            moderation::cases::Entity::find().count(db).await.unwrap(),
            0
        );
        assert_eq!(
            moderation::flags::Entity::find().count(db).await.unwrap(),
            0
        );
    }
);

/// The stored inputs reproduce the score, priority and hiding after the settings change:
/// a property over 2,000 generated cases (a fixed seed, so a failure replays).
#[test]
fn stored_inputs_reproduce_the_score_whatever_the_settings_become() {
    let mut seed: u64 = 0x5EED_CA5E;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    for _ in 0..2000 {
        let mut settings = Moderation::default();
        settings.low = 0.5 + next(30) as f64 / 10.0;
        settings.medium = settings.low + next(40) as f64 / 10.0;
        settings.high = settings.medium + next(60) as f64 / 10.0;
        settings.hide = 1.0 + next(120) as f64 / 10.0;
        let contributions = (0..next(12))
            .map(|i| score::Contribution {
                flag_id: i as i32,
                reason: ["spam", "harassment", "links"][next(3) as usize].into(),
                weight: next(40) as f64 / 10.0,
                accuracy: score::accuracy(next(20) as u32, next(20) as u32),
            })
            .collect();
        let inputs = score::Inputs::new(&settings, contributions);
        let before = inputs.outcome();
        let stored = serde_json::to_string(&inputs).unwrap();

        // The settings move on; what was stored still answers the same.
        settings.low *= 3.0;
        settings.medium *= 3.0;
        settings.high *= 3.0;
        settings.hide /= 2.0;
        settings.weights.insert("spam".into(), 9.0);
        let read: score::Inputs = serde_json::from_str(&stored).unwrap();
        let after = read.outcome();
        assert!((after.score - before.score).abs() < 1e-9);
        assert_eq!(after.priority, before.priority);
        assert_eq!(after.hides, before.hides);
        // And the score is what the formula says.
        let sum: f64 = read
            .contributions
            .iter()
            .map(|c| c.weight * c.accuracy)
            .sum();
        assert!((after.score - sum).abs() < 1e-9);
        assert_eq!(after.hides, sum >= read.hide);
    }
}

#[test]
fn accuracy_is_neutral_for_newcomers_and_moves_with_decisions() {
    assert!((score::accuracy(0, 0) - 1.0).abs() < 1e-12);
    let mut last = score::accuracy(0, 0);
    for upheld in 1..50 {
        let a = score::accuracy(upheld, 0);
        assert!(a > last && a < 2.0);
        last = a;
    }
    let mut last = score::accuracy(0, 0);
    for dismissed in 1..50 {
        let a = score::accuracy(0, dismissed);
        assert!(a < last && a > 0.0);
        last = a;
    }
}

both_backends!(
    racing_first_flags_make_one_case,
    |app: TestApp| async move {
        let db = app.ctx.db.clone();
        let c = a_comment(&app, "Contested.").await;
        let target = Target::Comment(c.id);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                moderation::flag(
                    &db,
                    &Moderation::default(),
                    &report(target, Reason::Spam, None),
                )
                .await
                .unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(
            moderation::cases::Entity::find().count(&db).await.unwrap(),
            1
        );
        let case = moderation::case_of(&db, target).await.unwrap().unwrap();
        assert_eq!(moderation::inputs(&case).unwrap().contributions.len(), 8);
        assert!(
            (case.score - 8.0).abs() < 1e-9,
            "every flag counted once: {}",
            case.score
        );
    }
);
