//! Moderation's actions: claims as leases (two at once, one wins), decisions with the mod
//! log and audit in one transaction, reporter accuracy following decisions, reviewed-fine,
//! bulk decisions over a filter, sanctions within rank, strikes that expire, appeals decided
//! by another moderator that reverse every effect.
use copydesk::{
    models::{
        _entities::{appeals as appeal_rows, audit_log, mod_log},
        WriteError, comments,
        moderation::{
            self, NewFlag, Reason, Source, Target,
            appeals::{self, AppealDecision, AppealForm},
            claims,
            decide::{self, DecisionForm},
            queue::{self, Filter},
            reporter_stats,
            sanctions::{self, SanctionForm},
        },
        users,
    },
    settings::Moderation,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter,
};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

/// A published post and an approved comment on it by the member `author`.
async fn comment_by(app: &TestApp, author: &users::Model, body: &str) -> comments::Model {
    let db = &app.ctx.db;
    let writer = fixtures::author(db, &format!("Writer of {body}")).await;
    let post = fixtures::post(db, &writer, PostSpec::published(&format!("On {body}"), 1)).await;
    fixtures::comment(db, author, post.id, None, body, "approved").await
}

async fn report_by(app: &TestApp, target: Target, by: i32) -> moderation::Case {
    moderation::flag(
        &app.ctx.db,
        &Moderation::default(),
        &NewFlag {
            target,
            source: Source::Report,
            reason: Reason::Harassment.as_str().into(),
            text: "rude".into(),
            reporter_id: Some(by),
            reporter_key: String::new(),
        },
    )
    .await
    .unwrap()
}

fn form(decision: &str, reason: &str) -> DecisionForm {
    DecisionForm {
        decision: decision.into(),
        reason: reason.into(),
        ..DecisionForm::default()
    }
}

async fn stats(app: &TestApp, user: i32) -> (i32, i32) {
    reporter_stats::Entity::find_by_id(user)
        .one(&app.ctx.db)
        .await
        .unwrap()
        .map_or((0, 0), |s| (s.upheld, s.dismissed))
}

async fn log_actions(app: &TestApp) -> Vec<String> {
    use sea_orm::QueryOrder;
    mod_log::Entity::find()
        .order_by_asc(mod_log::Column::Id)
        .all(&app.ctx.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect()
}

both_backends!(
    two_moderators_claiming_at_once_exactly_one_wins,
    |app: TestApp| async move {
        let db = app.ctx.db.clone();
        let member = fixtures::person(&db, "Claimed Member", "member").await;
        let reader = fixtures::person(&db, "Claim Reader", "member").await;
        let c = comment_by(&app, &member, "contested comment").await;
        let case = report_by(&app, Target::Comment(c.id), reader.id).await;
        let mut tasks = Vec::new();
        for i in 0..6 {
            let db = db.clone();
            let m = fixtures::person(&db, &format!("Moderator {i}"), "moderator").await;
            let version = case.lock_version;
            let id = case.id;
            tasks.push(tokio::spawn(async move {
                let who = fixtures::actor(&m);
                (
                    m.id,
                    claims::claim(
                        &db,
                        &who,
                        &fixtures::meta(),
                        &Moderation::default(),
                        id,
                        version,
                    )
                    .await,
                )
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            let (id, r) = t.await.unwrap();
            match r {
                Ok(_) => winners.push(id),
                Err(WriteError::Field { message, .. }) => {
                    assert!(message.contains("has claimed this case"), "{message}");
                }
                Err(WriteError::Stale { .. }) => {}
                Err(e) => panic!("unexpected: {e:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one claim wins: {winners:?}");
        let now = moderation::cases::Entity::find_by_id(case.id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claims::holder(&now), Some(winners[0]));
        // Someone else cannot decide it while it is held.
        let other = fixtures::person(&db, "Late Moderator", "moderator").await;
        let refused = decide::decide(
            &db,
            &fixtures::actor(&other),
            &fixtures::meta(),
            &Moderation::default(),
            case.id,
            &form("keep", "fine"),
        )
        .await;
        assert!(
            matches!(refused, Err(WriteError::Field { .. })),
            "{refused:?}"
        );
        // A lapsed claim can be taken over.
        let mut row: moderation::cases::ActiveModel = now.clone().into();
        row.claim_expires_at = Set(Some(
            (chrono::Utc::now() - chrono::Duration::minutes(1)).fixed_offset(),
        ));
        let lapsed = row.update(&db).await.unwrap();
        claims::claim(
            &db,
            &fixtures::actor(&other),
            &fixtures::meta(),
            &Moderation::default(),
            case.id,
            lapsed.lock_version,
        )
        .await
        .expect("a lapsed claim is free");
        assert_eq!(log_actions(&app).await, ["claim", "claim"]);
    }
);

both_backends!(
    decisions_move_reporter_accuracy_and_log_with_audit,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let settings = Moderation::default();
        let member = fixtures::person(db, "Decided Member", "member").await;
        let reader = fixtures::person(db, "Accurate Reader", "member").await;
        let moderator = fixtures::person(db, "Deciding Moderator", "moderator").await;
        let who = fixtures::actor(&moderator);
        let before = moderation::accuracy_of(db, reader.id).await.unwrap();
        // Upheld: accuracy rises.
        let c1 = comment_by(&app, &member, "first rude comment").await;
        let case = report_by(&app, Target::Comment(c1.id), reader.id).await;
        let removed = decide::decide(
            db,
            &who,
            &fixtures::meta(),
            &settings,
            case.id,
            &form("remove", "Harassment"),
        )
        .await
        .unwrap();
        assert!(removed.case.hidden && removed.case.removed);
        assert_eq!(removed.case.status, "closed");
        assert_eq!(
            removed.case.claimed_by_id, None,
            "deciding releases the claim"
        );
        assert_eq!(stats(&app, reader.id).await, (1, 0));
        let after_upheld = moderation::accuracy_of(db, reader.id).await.unwrap();
        assert!(after_upheld > before);
        // The author is told, with the way to appeal.
        assert!(
            removed
                .mail
                .iter()
                .any(|m| m.to_address == member.email && m.text_body.contains("appeal")),
            "{:?}",
            removed.mail
        );
        // Dismissed twice: accuracy falls below where it started.
        for body in ["second comment", "third comment"] {
            let c = comment_by(&app, &member, body).await;
            let case = report_by(&app, Target::Comment(c.id), reader.id).await;
            let kept = decide::decide(
                db,
                &who,
                &fixtures::meta(),
                &settings,
                case.id,
                &DecisionForm {
                    message: "We looked: it stays <b>up</b>.".into(),
                    ..form("keep", "Within the rules")
                },
            )
            .await
            .unwrap();
            assert!(!kept.case.hidden);
            assert!(
                kept.mail.iter().any(|m| m.to_address == reader.email
                    && m.text_body.contains("We looked: it stays <b>up</b>.")
                    && !m.html_body.contains("<b>up</b>")),
                "the message is escaped in HTML mail"
            );
        }
        assert_eq!(stats(&app, reader.id).await, (1, 2));
        assert!(moderation::accuracy_of(db, reader.id).await.unwrap() < after_upheld);
        assert!(moderation::accuracy_of(db, reader.id).await.unwrap() < before);
        // Each decision wrote one mod log row and its audit entry.
        assert_eq!(log_actions(&app).await, ["remove", "keep", "keep"]);
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.starts_with("moderation."))
            .count(db)
            .await
            .unwrap();
        assert_eq!(audited, 3);
        // Escalating leaves it to an admin; a moderator is then refused.
        let c = comment_by(&app, &member, "borderline comment").await;
        let case = report_by(&app, Target::Comment(c.id), reader.id).await;
        let esc = decide::decide(
            db,
            &who,
            &fixtures::meta(),
            &settings,
            case.id,
            &form("escalate", "Legal question"),
        )
        .await
        .unwrap();
        assert_eq!(esc.case.status, "escalated");
        assert!(
            decide::decide(
                db,
                &who,
                &fixtures::meta(),
                &settings,
                case.id,
                &form("keep", "x")
            )
            .await
            .is_err()
        );
        let admin = fixtures::person(db, "Deciding Admin", "admin").await;
        decide::decide(
            db,
            &fixtures::actor(&admin),
            &fixtures::meta(),
            &settings,
            case.id,
            &form("remove", "Legal"),
        )
        .await
        .unwrap();
        // Removing without a reason is refused, naming the field.
        let c = comment_by(&app, &member, "reasonless").await;
        let case = report_by(&app, Target::Comment(c.id), reader.id).await;
        match decide::decide(
            db,
            &who,
            &fixtures::meta(),
            &settings,
            case.id,
            &form("remove", ""),
        )
        .await
        {
            Err(WriteError::Field { field, .. }) => assert_eq!(field, "reason"),
            other => panic!("{other:?}"),
        }
        // Several actions without closing: keep it open, then remove.
        let open = decide::decide(
            db,
            &who,
            &fixtures::meta(),
            &settings,
            case.id,
            &DecisionForm {
                keep_open: Some("1".into()),
                ..form("keep", "First look")
            },
        )
        .await
        .unwrap();
        assert_eq!(open.case.status, "open");
        assert_eq!(
            open.case.claimed_by_id,
            Some(moderator.id),
            "still held by the moderator"
        );
    }
);

both_backends!(
    a_failure_inside_a_decision_leaves_nothing_half_written,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let member = fixtures::person(db, "Half Member", "member").await;
        let reader = fixtures::person(db, "Half Reader", "member").await;
        let moderator = fixtures::person(db, "Half Moderator", "moderator").await;
        let c = comment_by(&app, &member, "half written").await;
        let case = report_by(&app, Target::Comment(c.id), reader.id).await;
        // The mod log cannot be written: the decision fails after its first writes.
        db.execute_unprepared("ALTER TABLE mod_log RENAME TO mod_log_gone")
            .await
            .unwrap();
        let failed = decide::decide(
            db,
            &fixtures::actor(&moderator),
            &fixtures::meta(),
            &Moderation::default(),
            case.id,
            &form("remove", "Harassment"),
        )
        .await;
        db.execute_unprepared("ALTER TABLE mod_log_gone RENAME TO mod_log")
            .await
            .unwrap();
        assert!(matches!(failed, Err(WriteError::Db(_))), "{failed:?}");
        let now = moderation::cases::Entity::find_by_id(case.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(now, case, "the case is as it was");
        assert_eq!(stats(&app, reader.id).await, (0, 0), "no reporter counted");
        let pending = moderation::flags::Entity::find()
            .filter(moderation::flags::Column::Outcome.eq("pending"))
            .count(db)
            .await
            .unwrap();
        assert_eq!(pending, 1, "the flag is still undecided");
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.starts_with("moderation."))
            .count(db)
            .await
            .unwrap();
        assert_eq!(audited, 0);
    }
);

both_backends!(
    reviewed_fine_suppresses_reports_until_the_content_changes,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let member = fixtures::person(db, "Fine Member", "member").await;
        let reader = fixtures::person(db, "Fine Reader", "member").await;
        let moderator = fixtures::person(db, "Fine Moderator", "moderator").await;
        let c = comment_by(&app, &member, "a perfectly fine remark").await;
        let case = report_by(&app, Target::Comment(c.id), reader.id).await;
        decide::decide(
            db,
            &fixtures::actor(&moderator),
            &fixtures::meta(),
            &Moderation::default(),
            case.id,
            &form("reviewed_fine", ""),
        )
        .await
        .unwrap();
        let again = report_by(&app, Target::Comment(c.id), reader.id).await;
        assert_eq!(again.status, "closed", "suppressed: the case stays closed");
        assert!(again.score.abs() < 1e-9);
        // The author edits: the next report counts and reopens it.
        let mut row: comments::ActiveModel = c.clone().into();
        row.body = Set("a perfectly fine remark, now with an insult".into());
        row.update(db).await.unwrap();
        let reopened = report_by(&app, Target::Comment(c.id), reader.id).await;
        assert_eq!(reopened.status, "open");
        assert!(reopened.score > 0.0);
    }
);

both_backends!(
    a_bulk_decision_over_a_filter_changes_exactly_those_cases,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let settings = Moderation::default();
        let moderator = fixtures::person(db, "Bulk Moderator", "moderator").await;
        let writer = fixtures::author(db, "Bulk Writer").await;
        let post = fixtures::post(db, &writer, PostSpec::published("Bulk", 1)).await;
        // 1,000 spam cases and 50 harassment cases, written in bulk.
        let now = chrono::Utc::now().fixed_offset();
        let mut spam_ids = Vec::new();
        for i in 0..1050 {
            let c = comments::ActiveModel {
                post_id: Set(post.id),
                author_id: Set(None),
                guest_name: Set(Some("Guest".into())),
                body: Set(format!("bulk comment {i}")),
                status: Set("approved".into()),
                ip_hash: Set("ip".into()),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
            let reason = if i < 1000 { "spam" } else { "harassment" };
            let case = moderation::cases::ActiveModel {
                target_type: Set("comment".into()),
                target_id: Set(c.id),
                status: Set("open".into()),
                score: Set(1.0),
                priority: Set("low".into()),
                hidden: Set(false),
                score_inputs: Set(String::new()),
                opened_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
                lock_version: Set(0),
                removed: Set(false),
                author_id: Set(None),
                decided_by_id: Set(None),
                decided_at: Set(None),
                // As the write path keeps them for its one flag below.
                flag_tags: Set(moderation::tags::with("", reason, "report").unwrap()),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
            moderation::flags::ActiveModel {
                case_id: Set(case.id),
                source: Set("report".into()),
                reason: Set(reason.into()),
                text: Set(String::new()),
                reporter_id: Set(None),
                reporter_key: Set("k".into()),
                weight: Set(1.0),
                accuracy: Set(1.0),
                snapshot: Set(format!("bulk comment {i}")),
                content_hash: Set(String::new()),
                counted: Set(true),
                outcome: Set("pending".into()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
            if i < 1000 {
                spam_ids.push(case.id);
            }
        }
        let filter = Filter {
            reason: "spam".into(),
            ..Filter::default()
        };
        let max_id = *spam_ids.iter().max().unwrap() + 1000;
        // The page's count stops past 1,000: 1,050 open cases read "more than 1,000".
        assert_eq!(
            queue::count_capped(db, &Filter::default(), moderator.id, 24)
                .await
                .unwrap(),
            (1000, true)
        );
        assert_eq!(
            queue::count_capped(db, &filter, moderator.id, 24)
                .await
                .unwrap(),
            (1000, false)
        );
        let ids = queue::ids(db, &filter, moderator.id, 24, max_id, 5000)
            .await
            .unwrap();
        assert_eq!(ids.len(), 1000);
        let (tally, _) = decide::decide_many(
            db,
            &fixtures::actor(&moderator),
            &fixtures::meta(),
            &settings,
            &ids,
            &form("remove", "Spam"),
        )
        .await
        .unwrap();
        assert_eq!(tally.done, 1000);
        assert_eq!(tally.skipped, 0);
        let removed: Vec<i32> = moderation::cases::Entity::find()
            .filter(moderation::cases::Column::Removed.eq(true))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        let mut expected = spam_ids.clone();
        expected.sort_unstable();
        let mut got = removed.clone();
        got.sort_unstable();
        assert_eq!(got, expected, "exactly the spam cases");
        let open = moderation::cases::Entity::find()
            .filter(moderation::cases::Column::Status.eq("open"))
            .count(db)
            .await
            .unwrap();
        assert_eq!(open, 50, "the harassment cases are untouched");
        assert_eq!(
            mod_log::Entity::find().count(db).await.unwrap(),
            1000,
            "one log row each"
        );
    }
);

both_backends!(
    sanctions_follow_rank_block_comments_and_strikes_expire,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let settings = Moderation::default();
        let member = fixtures::person(db, "Sanctioned Member", "member").await;
        let moderator = fixtures::person(db, "Sanctioning Moderator", "moderator").await;
        let editor = fixtures::person(db, "Untouchable Editor", "editor").await;
        let who = fixtures::actor(&moderator);
        let sanction = |user_id, kind: &str, days| SanctionForm {
            kind: kind.into(),
            user_id,
            case_id: None,
            reason: "Harassment".into(),
            note: String::new(),
            days,
        };
        // Rank: a moderator cannot sanction an editor, nor themself.
        for (target, why) in [(editor.id, "outranks you"), (moderator.id, "yourself")] {
            match sanctions::sanction(
                db,
                &who,
                &fixtures::meta(),
                &settings,
                &sanction(target, "warn", None),
            )
            .await
            {
                Err(WriteError::Field { message, .. }) => {
                    assert!(message.contains(why), "{message}")
                }
                other => panic!("{other:?}"),
            }
        }
        // A silence blocks commenting until it ends; the person is told.
        assert_eq!(
            sanctions::silenced_until(db, member.id).await.unwrap(),
            None
        );
        let given = sanctions::sanction(
            db,
            &who,
            &fixtures::meta(),
            &settings,
            &sanction(member.id, "silence", Some(3)),
        )
        .await
        .unwrap();
        let until = sanctions::silenced_until(db, member.id).await.unwrap();
        assert_eq!(until, Some(given.sanction.ends_at));
        assert!(
            given.mail[0].text_body.contains("silenced"),
            "{}",
            given.mail[0].text_body
        );
        assert_eq!(given.mail[0].to_address, member.email);
        let strikes = sanctions::strikes_of(db, member.id).await.unwrap();
        assert_eq!(strikes.len(), 1);
        assert!(sanctions::counts(&strikes[0]));
        // Strikes expire.
        let mut row: sanctions::entity::ActiveModel = strikes[0].clone().into();
        row.strike_expires_at =
            Set((chrono::Utc::now() - chrono::Duration::days(1)).fixed_offset());
        row.ends_at = Set(Some(
            (chrono::Utc::now() - chrono::Duration::days(1)).fixed_offset(),
        ));
        row.update(db).await.unwrap();
        let strikes = sanctions::strikes_of(db, member.id).await.unwrap();
        assert!(
            !sanctions::counts(&strikes[0]),
            "an expired strike no longer counts"
        );
        assert_eq!(
            sanctions::silenced_until(db, member.id).await.unwrap(),
            None,
            "the silence ended"
        );
        // A silence needs a length.
        assert!(matches!(
            sanctions::sanction(
                db,
                &who,
                &fixtures::meta(),
                &settings,
                &sanction(member.id, "silence", None)
            )
            .await,
            Err(WriteError::Field { field: "days", .. })
        ));
        // A suspension changes the status and comes back on its own when it ends.
        sanctions::sanction(
            db,
            &who,
            &fixtures::meta(),
            &settings,
            &sanction(member.id, "suspend", Some(1)),
        )
        .await
        .unwrap();
        let status = |db| async move {
            users::Entity::find_by_id(member.id)
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .status
        };
        assert_eq!(status(db).await, "suspended");
        sanctions::entity::Entity::update_many()
            .col_expr(
                sanctions::entity::Column::EndsAt,
                sea_orm::sea_query::Expr::value(
                    (chrono::Utc::now() - chrono::Duration::minutes(1)).fixed_offset(),
                ),
            )
            .filter(sanctions::entity::Column::Kind.eq("suspend"))
            .exec(db)
            .await
            .unwrap();
        assert_eq!(sanctions::end_lapsed(db).await.unwrap(), 1);
        assert_eq!(status(db).await, "active");
        assert_eq!(sanctions::end_lapsed(db).await.unwrap(), 0, "once");
        assert_eq!(log_actions(&app).await, ["silence", "suspend", "expire"]);
    }
);

both_backends!(
    an_upheld_appeal_reverses_every_effect_and_needs_another_moderator,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let settings = Moderation::default();
        let member = fixtures::person(db, "Appealing Member", "member").await;
        let reader = fixtures::person(db, "Appeal Reader", "member").await;
        let first = fixtures::person(db, "First Moderator", "moderator").await;
        let second = fixtures::person(db, "Second Moderator", "moderator").await;
        let c = comment_by(&app, &member, "misunderstood joke").await;
        let other = comment_by(&app, &member, "another remark").await;
        let case = report_by(&app, Target::Comment(c.id), reader.id).await;
        let stats_before = stats(&app, reader.id).await;
        let removed = decide::decide(
            db,
            &fixtures::actor(&first),
            &fixtures::meta(),
            &settings,
            case.id,
            &form("remove", "Harassment"),
        )
        .await
        .unwrap()
        .case;
        let banned = sanctions::sanction(
            db,
            &fixtures::actor(&first),
            &fixtures::meta(),
            &settings,
            &SanctionForm {
                kind: "ban".into(),
                user_id: member.id,
                case_id: Some(case.id),
                reason: "Harassment".into(),
                note: String::new(),
                days: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(
            banned.removed.len(),
            1,
            "the ban removed their other visible comment"
        );
        let other_case = moderation::case_of(db, Target::Comment(other.id))
            .await
            .unwrap()
            .unwrap();
        assert!(other_case.hidden && other_case.removed);
        // The member appeals the removal and the ban (banned people appeal from the notice
        // page; here the model is called directly).
        let me = fixtures::actor(
            &users::Entity::find_by_id(member.id)
                .one(db)
                .await
                .unwrap()
                .unwrap(),
        );
        let (removal_appeal, appeal_case) = appeals::file(
            db,
            &me,
            &fixtures::meta(),
            &settings,
            &AppealForm {
                case_id: Some(removed.id),
                text: "It was a joke between friends, quoted out of context.".into(),
                ..AppealForm::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(appeal_case.target_type, "appeal");
        assert_eq!(appeal_case.status, "open");
        assert!(
            removal_appeal.snapshot.contains("misunderstood joke"),
            "the content is kept with the appeal"
        );
        // Once only.
        assert!(
            appeals::file(
                db,
                &me,
                &fixtures::meta(),
                &settings,
                &AppealForm {
                    case_id: Some(removed.id),
                    text: "Again, it really was a joke.".into(),
                    ..AppealForm::default()
                }
            )
            .await
            .is_err()
        );
        let (ban_appeal, _) = appeals::file(
            db,
            &me,
            &fixtures::meta(),
            &settings,
            &AppealForm {
                sanction_id: Some(banned.sanction.id),
                text: "Please lift the ban; I will be careful.".into(),
                ..AppealForm::default()
            },
        )
        .await
        .unwrap();
        let uphold = AppealDecision {
            outcome: "uphold".into(),
            note: "Context makes it fine.".into(),
        };
        // The moderator who acted may not decide.
        match appeals::decide(
            db,
            &fixtures::actor(&first),
            &fixtures::meta(),
            removal_appeal.id,
            &uphold,
        )
        .await
        {
            Err(WriteError::Field { message, .. }) => {
                assert!(message.contains("another moderator"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        let (a, mail) = appeals::decide(
            db,
            &fixtures::actor(&second),
            &fixtures::meta(),
            removal_appeal.id,
            &uphold,
        )
        .await
        .unwrap();
        assert_eq!(a.status, "upheld");
        assert_eq!(a.decided_by_id, Some(second.id));
        assert!(
            mail.iter()
                .any(|m| m.to_address == member.email && m.subject.contains("upheld"))
        );
        appeals::decide(
            db,
            &fixtures::actor(&second),
            &fixtures::meta(),
            ban_appeal.id,
            &uphold,
        )
        .await
        .unwrap();
        // Field by field: the content, the other comment, the account, the sanction, the
        // reporter's record, the appeal cases.
        let case_now = moderation::cases::Entity::find_by_id(case.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(!case_now.hidden, "shown again");
        assert!(!case_now.removed);
        let other_now = moderation::cases::Entity::find_by_id(other_case.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            !other_now.hidden && !other_now.removed,
            "the ban's removal is restored"
        );
        let person = users::Entity::find_by_id(member.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(person.status, "active");
        let s = sanctions::entity::Entity::find_by_id(banned.sanction.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(s.lifted_at.is_some());
        assert_eq!(s.lifted_by_id, Some(second.id));
        assert!(!sanctions::counts(&s), "a lifted strike does not count");
        assert_eq!(
            sanctions::silenced_until(db, member.id).await.unwrap(),
            None
        );
        assert_eq!(
            stats(&app, reader.id).await,
            stats_before,
            "the reporter's upheld report no longer counts"
        );
        let overturned = moderation::flags::Entity::find()
            .filter(moderation::flags::Column::CaseId.eq(case.id))
            .all(db)
            .await
            .unwrap();
        assert!(overturned.iter().all(|f| f.outcome == "overturned"));
        let appeal_cases = moderation::cases::Entity::find()
            .filter(moderation::cases::Column::TargetType.eq("appeal"))
            .all(db)
            .await
            .unwrap();
        assert_eq!(appeal_cases.len(), 2);
        assert!(appeal_cases.iter().all(|c| c.status == "closed"));
        assert_eq!(
            appeal_rows::Entity::find()
                .filter(appeal_rows::Column::Status.eq("upheld"))
                .count(db)
                .await
                .unwrap(),
            2
        );
        let actions = log_actions(&app).await;
        for a in [
            "remove",
            "ban",
            "ban_removal",
            "appeal",
            "restore",
            "appeal_uphold",
            "lift",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
    }
);

both_backends!(the_queue_filters_and_counts, |app: TestApp| async move {
    let db = &app.ctx.db;
    let member = fixtures::person(db, "Queued Member", "member").await;
    let reader = fixtures::person(db, "Queue Reader", "member").await;
    let moderator = fixtures::person(db, "Queue Moderator", "moderator").await;
    let a = comment_by(&app, &member, "queued one").await;
    let b = comment_by(&app, &member, "queued two").await;
    let ca = report_by(&app, Target::Comment(a.id), reader.id).await;
    report_by(&app, Target::Comment(b.id), reader.id).await;
    moderation::flag(
        db,
        &Moderation::default(),
        &NewFlag {
            target: Target::Comment(b.id),
            source: Source::Rule,
            reason: "links".into(),
            text: "3 links".into(),
            reporter_id: None,
            reporter_key: String::new(),
        },
    )
    .await
    .unwrap();
    let (rows, total) = queue::page(db, &Filter::default(), moderator.id, 24, 1, 50)
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(rows[0].target_id, b.id, "highest score first");
    let by_source = Filter {
        source: "rule".into(),
        ..Filter::default()
    };
    assert_eq!(
        queue::page(db, &by_source, moderator.id, 24, 1, 50)
            .await
            .unwrap()
            .1,
        1
    );
    // A reason or source filter matches any of a case's flags, the first or a later one,
    // and reads its value literally (no wildcard, no prefix).
    let count = |f: Filter| async move {
        queue::count_capped(db, &f, moderator.id, 24)
            .await
            .unwrap()
            .0
    };
    let reason = |r: &str| Filter {
        reason: r.into(),
        ..Filter::default()
    };
    assert_eq!(count(reason("harassment")).await, 2);
    assert_eq!(count(reason("links")).await, 1);
    for nothing in ["link", "%", "_inks", "harassment|", "r:links"] {
        assert_eq!(count(reason(nothing)).await, 0, "{nothing}");
    }
    let both = Filter {
        reason: "harassment".into(),
        source: "rule".into(),
        ..Filter::default()
    };
    assert_eq!(count(both).await, 1);
    let stored = moderation::case_of(db, Target::Comment(b.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.flag_tags,
        "|r:harassment||s:report||r:links||s:rule|"
    );
    // Cases flagged before the tags existed get theirs from their flags when the database
    // is migrated: the tags' migration (and any after it) undone and run again.
    use migration::MigratorTrait;
    let applied = migration::Migrator::get_applied_migrations(db)
        .await
        .unwrap();
    let since = applied
        .iter()
        .rev()
        .position(|m| m.name() == "m20261204_000023_moderation_flag_tags")
        .unwrap();
    migration::Migrator::down(db, Some(u32::try_from(since).unwrap() + 1))
        .await
        .unwrap();
    migration::Migrator::up(db, None).await.unwrap();
    let filled = moderation::case_of(db, Target::Comment(b.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        filled.flag_tags,
        "|r:harassment||r:links||s:report||s:rule|"
    );
    assert_eq!(count(reason("links")).await, 1);
    assert_eq!(count(reason("harassment")).await, 2);
    claims::claim(
        db,
        &fixtures::actor(&moderator),
        &fixtures::meta(),
        &Moderation::default(),
        ca.id,
        ca.lock_version,
    )
    .await
    .unwrap();
    let mine = Filter {
        claimed: "mine".into(),
        ..Filter::default()
    };
    let (rows, _) = queue::page(db, &mine, moderator.id, 24, 1, 50)
        .await
        .unwrap();
    assert_eq!(rows.iter().map(|c| c.id).collect::<Vec<_>>(), [ca.id]);
    let counts = queue::counts(db, 24).await.unwrap();
    assert_eq!((counts.open, counts.unclaimed, counts.overdue), (2, 1, 0));
    let next = queue::neighbour(db, &Filter::default(), moderator.id, 24, &rows[0], false)
        .await
        .unwrap();
    assert!(next.is_some(), "the higher-scored case comes before");
});
