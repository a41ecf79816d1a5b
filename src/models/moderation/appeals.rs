//! Appeals: the person a sanction or a removal concerns asks, once, for it to be undone,
//! from their account page, within `moderation.appeal_days`. An appeal joins the same queue
//! as a case of its own; a moderator other than the one who acted decides it; upholding it
//! reverses every effect of the original action in one transaction (the content shown
//! again, the silence or suspension lifted, the removals a ban made restored, the reporters'
//! records put back), and the person is told.
use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, TransactionSession, TransactionTrait, sea_query::Expr,
};
use serde::Deserialize;

use super::{
    Case, NewFlag, Source, Target, cases, claims, decide, flags,
    log::{self, ModAction},
    sanctions::{self, Kind, Sanction},
};
pub use crate::models::_entities::appeals::{self as entity, Model as Appeal};
use crate::{
    auth::{Actor, Capability, RequestMeta},
    models::{WriteError, mail, now, users},
    settings::Moderation,
};

/// What a person sends to appeal.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppealForm {
    #[serde(default)]
    pub sanction_id: Option<i32>,
    /// The case whose removal is appealed.
    #[serde(default)]
    pub case_id: Option<i32>,
    #[serde(default)]
    pub text: String,
}

fn check_text(text: &str) -> Result<&str, WriteError> {
    let t = text.trim();
    if t.contains('\0') {
        return Err(WriteError::field(
            "text",
            "Remove the invisible control character (a NUL byte).",
        ));
    }
    let n = t.chars().count();
    if n < 10 {
        return Err(WriteError::field(
            "text",
            "Say in a sentence or two why this should be undone.",
        ));
    }
    if n > super::MAX_TEXT {
        return Err(WriteError::field("text", "Keep it under 2,000 characters."));
    }
    Ok(t)
}

/// Files `me`'s appeal against a sanction on them or the removal of their content, and its
/// case in the queue, in one transaction.
///
/// # Errors
/// [`WriteError::Field`] (`text`, or `__all__` for an appeal that is not theirs to make, is
/// made twice, or comes after the window), [`WriteError::NotFound`], or a database error.
pub async fn file<C: TransactionTrait>(
    db: &C,
    me: &Actor,
    meta: &RequestMeta,
    settings: &Moderation,
    form: &AppealForm,
) -> Result<(Appeal, Case), WriteError> {
    let text = check_text(&form.text)?;
    let window = Duration::days(settings.appeal_days);
    let txn = crate::db::begin_write(db).await?;
    let (sanction_id, removal_case_id, original, snapshot) = match (form.sanction_id, form.case_id)
    {
        (Some(id), None) => {
            let s = sanctions::entity::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|s| s.user_id == me.user.id)
                .ok_or(WriteError::NotFound)?;
            if s.lifted_at.is_some() {
                return Err(WriteError::field(
                    "__all__",
                    "This sanction was already lifted.",
                ));
            }
            if s.created_at + window < now() {
                return Err(closed(settings));
            }
            let content = match s.case_id {
                Some(c) => case_content(&txn, c).await?,
                None => String::new(),
            };
            let snapshot = format!(
                "{} ({}){}{}",
                s.kind,
                s.reason,
                if content.is_empty() { "" } else { "\n\n" },
                content
            );
            (Some(s.id), None, s.moderator_id, snapshot)
        }
        (None, Some(id)) => {
            let case = cases::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|c| c.removed && c.author_id == Some(me.user.id))
                .ok_or(WriteError::NotFound)?;
            if case.decided_at.is_some_and(|at| at + window < now()) {
                return Err(closed(settings));
            }
            (
                None,
                Some(case.id),
                case.decided_by_id,
                case_content(&txn, case.id).await?,
            )
        }
        _ => {
            return Err(WriteError::field(
                "__all__",
                "Choose what you are appealing.",
            ));
        }
    };
    let already = entity::Entity::find()
        .filter(match sanction_id {
            Some(s) => entity::Column::SanctionId.eq(s),
            None => entity::Column::RemovalCaseId.eq(removal_case_id),
        })
        .one(&txn)
        .await?;
    if let Some(a) = already {
        return Err(WriteError::field(
            "__all__",
            format!(
                "You have already appealed this (the appeal is {}).",
                a.status
            ),
        ));
    }
    let appeal = entity::ActiveModel {
        appellant_id: Set(me.user.id),
        sanction_id: Set(sanction_id),
        removal_case_id: Set(removal_case_id),
        original_moderator_id: Set(original),
        text: Set(text.to_string()),
        snapshot: Set(snapshot),
        status: Set("pending".into()),
        decided_by_id: Set(None),
        decision_note: Set(String::new()),
        decided_at: Set(None),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let case = super::flag_in(
        &txn,
        settings,
        &NewFlag {
            target: Target::Appeal(appeal.id),
            source: Source::Appeal,
            reason: "appeal".into(),
            text: String::new(),
            reporter_id: Some(me.user.id),
            reporter_key: String::new(),
        },
        "",
    )
    .await?;
    log::write(
        &txn,
        meta,
        Some(me),
        "",
        log::Entry::appealed(&appeal, &case),
    )
    .await?;
    txn.commit().await?;
    Ok((appeal, case))
}

fn closed(settings: &Moderation) -> WriteError {
    WriteError::field(
        "__all__",
        format!(
            "Appeals are open for {} days after the action; this one's window has closed.",
            settings.appeal_days
        ),
    )
}

/// The content a case is about, as it is now (kept: removal never deletes it), or the
/// snapshot its first flag kept.
async fn case_content<C: ConnectionTrait>(txn: &C, case_id: i32) -> Result<String, DbErr> {
    let Some(case) = cases::Entity::find_by_id(case_id).one(txn).await? else {
        return Ok(String::new());
    };
    if let Some(t) = Target::parse(&case.target_type, case.target_id)
        && let Some(c) = t.content(txn).await?
    {
        return Ok(c);
    }
    Ok(flags::Entity::find()
        .filter(flags::Column::CaseId.eq(case_id))
        .one(txn)
        .await?
        .map(|f| f.snapshot)
        .unwrap_or_default())
}

/// How a moderator decides an appeal.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppealDecision {
    /// `uphold` (undo the action) or `deny`.
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub note: String,
}

/// Decides appeal `id` for `by` (`moderate`), who must not be the moderator who took the
/// action appealed. Upholding reverses every effect of that action; either way the appeal's
/// case closes and the person is told. One transaction.
///
/// # Errors
/// [`WriteError::Field`], [`WriteError::Auth`], [`WriteError::NotFound`], or a database
/// error (nothing written then).
pub async fn decide<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
    form: &AppealDecision,
) -> Result<(Appeal, Vec<mail::Model>), WriteError> {
    by.require(Capability::MODERATE)?;
    let uphold = match form.outcome.as_str() {
        "uphold" => true,
        "deny" => false,
        _ => return Err(WriteError::field("outcome", "Choose uphold or deny.")),
    };
    let note = form.note.trim();
    if note.is_empty() {
        return Err(WriteError::field(
            "note",
            "Tell the person why: they will read this.",
        ));
    }
    if note.contains('\0') || note.chars().count() > super::MAX_TEXT {
        return Err(WriteError::field(
            "note",
            "Keep it under 2,000 characters, without control characters.",
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let appeal = entity::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    if appeal.status != "pending" {
        return Err(WriteError::field(
            "__all__",
            format!("This appeal was already decided ({}).", appeal.status),
        ));
    }
    if appeal.original_moderator_id == Some(by.user.id) {
        return Err(WriteError::field(
            "__all__",
            "You took the action appealed: another moderator must decide this appeal.",
        ));
    }
    let case = super::case_of(&txn, Target::Appeal(appeal.id)).await?;
    if let Some(c) = &case {
        claims::not_held_by_other(&txn, by, c).await?;
    }
    if uphold {
        if let Some(sid) = appeal.sanction_id {
            reverse_sanction(&txn, by, meta, sid, appeal.id).await?;
        }
        if let Some(cid) = appeal.removal_case_id {
            reverse_removal(&txn, by, meta, cid, appeal.id).await?;
        }
    }
    let mut row: entity::ActiveModel = appeal.into();
    row.status = Set(if uphold { "upheld" } else { "denied" }.into());
    row.decided_by_id = Set(Some(by.user.id));
    row.decision_note = Set(note.to_string());
    row.decided_at = Set(Some(now()));
    let appeal = row.update(&txn).await?;
    let case_id = case.as_ref().map(|c| c.id);
    if let Some(c) = case {
        let version = c.lock_version;
        let mut row: cases::ActiveModel = c.into();
        row.status = Set("closed".into());
        row.claimed_by_id = Set(None);
        row.claim_expires_at = Set(None);
        row.decided_by_id = Set(Some(by.user.id));
        row.decided_at = Set(Some(now()));
        row.updated_at = Set(now());
        row.lock_version = Set(version + 1);
        row.update(&txn).await?;
    }
    log::write(
        &txn,
        meta,
        Some(by),
        "",
        log::Entry::appeal_decided(
            if uphold {
                ModAction::AppealUphold
            } else {
                ModAction::AppealDeny
            },
            &appeal,
            case_id,
        ),
    )
    .await?;
    let mut mail = Vec::new();
    // Told whatever their account's state: a banned person learns the outcome too.
    if let Some(person) = users::Entity::find_by_id(appeal.appellant_id)
        .one(&txn)
        .await?
    {
        mail.push(
            super::notice(
                &txn,
                &person,
                if uphold {
                    "Your appeal was upheld"
                } else {
                    "Your appeal was denied"
                },
                if uphold {
                    "A moderator upheld your appeal: the action is undone."
                } else {
                    "A moderator read your appeal and kept the action as it was."
                },
                note,
                "/account#moderation",
                "Your account",
            )
            .await?,
        );
    }
    txn.commit().await?;
    Ok((appeal, mail))
}

/// Lifts sanction `sid`: the account's earlier status comes back (unless another suspension
/// or ban holds), and the removals a ban made are restored.
async fn reverse_sanction<C: ConnectionTrait>(
    txn: &C,
    by: &Actor,
    meta: &RequestMeta,
    sid: i32,
    appeal: i32,
) -> Result<(), WriteError> {
    let s: Sanction = sanctions::entity::Entity::find_by_id(sid)
        .one(txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    if s.lifted_at.is_some() {
        return Ok(());
    }
    let mut row: sanctions::entity::ActiveModel = s.clone().into();
    row.lifted_at = Set(Some(now()));
    row.lifted_by_id = Set(Some(by.user.id));
    let s = row.update(txn).await?;
    let kind = Kind::parse(&s.kind);
    if let Some(k @ (Kind::Suspend | Kind::Ban)) = kind
        && let Some(person) = users::Entity::find_by_id(s.user_id).one(txn).await?
        && person.status
            == if k == Kind::Ban {
                users::UserStatus::Banned.as_str()
            } else {
                users::UserStatus::Suspended.as_str()
            }
        && !sanctions::other_in_force(txn, &s).await?
    {
        sanctions::set_status(txn, &person, &s.previous_status).await?;
    }
    log::write(
        txn,
        meta,
        Some(by),
        "",
        log::Entry::lifted(ModAction::Lift, &s, "appeal upheld"),
    )
    .await?;
    if kind == Some(Kind::Ban) {
        let removals = log::Entity::find()
            .filter(log::Column::Action.eq(ModAction::BanRemoval.as_str()))
            .filter(log::Column::SubjectId.eq(s.user_id))
            .all(txn)
            .await?;
        for r in removals {
            let of_this = serde_json::from_str::<serde_json::Value>(&r.details)
                .ok()
                .and_then(|d| d.get("sanction").and_then(serde_json::Value::as_i64))
                == Some(i64::from(s.id));
            if let (true, Some(case_id)) = (of_this, r.case_id) {
                restore_case(txn, by, meta, case_id, appeal).await?;
            }
        }
    }
    Ok(())
}

/// Undoes the removal of case `cid`: shown again, and its reporters' upheld reports no
/// longer count for them (the flags are marked overturned).
async fn reverse_removal<C: ConnectionTrait>(
    txn: &C,
    by: &Actor,
    meta: &RequestMeta,
    cid: i32,
    appeal: i32,
) -> Result<(), WriteError> {
    let upheld = flags::Entity::find()
        .filter(flags::Column::CaseId.eq(cid))
        .filter(flags::Column::Outcome.eq("upheld"))
        .all(txn)
        .await?;
    let mut per_reporter = std::collections::BTreeMap::<i32, i32>::new();
    for f in &upheld {
        if let (Some(r), true) = (f.reporter_id, f.source == "report") {
            *per_reporter.entry(r).or_default() += 1;
        }
    }
    for (reporter, n) in per_reporter {
        decide::count_outcome(txn, reporter, -n, 0).await?;
    }
    flags::Entity::update_many()
        .col_expr(flags::Column::Outcome, Expr::value("overturned"))
        .filter(flags::Column::CaseId.eq(cid))
        .filter(flags::Column::Outcome.eq("upheld"))
        .exec(txn)
        .await?;
    restore_case(txn, by, meta, cid, appeal).await
}

async fn restore_case<C: ConnectionTrait>(
    txn: &C,
    by: &Actor,
    meta: &RequestMeta,
    cid: i32,
    appeal: i32,
) -> Result<(), WriteError> {
    let case = cases::Entity::find_by_id(cid)
        .one(txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    let version = case.lock_version;
    let mut row: cases::ActiveModel = case.into();
    row.removed = Set(false);
    row.hidden = Set(false);
    row.status = Set("closed".into());
    row.updated_at = Set(now());
    row.lock_version = Set(version + 1);
    let case = row.update(txn).await?;
    log::write(txn, meta, Some(by), "", log::Entry::restored(&case, appeal)).await?;
    Ok(())
}

/// What `/account` shows a person about their standing: every sanction on them and every
/// removal of their content, each with its appeal (if any) and whether one may still be made.
#[derive(Debug, Default)]
pub struct Standing {
    pub sanctions: Vec<(Sanction, Option<Appeal>, bool)>,
    pub removals: Vec<(Case, Option<Appeal>, bool)>,
}

/// The standing of `user_id` (newest first).
///
/// # Errors
/// Database errors.
pub async fn standing<C: ConnectionTrait>(
    db: &C,
    settings: &Moderation,
    user_id: i32,
) -> Result<Standing, DbErr> {
    use sea_orm::QueryOrder;
    let window = Duration::days(settings.appeal_days);
    let theirs = entity::Entity::find()
        .filter(entity::Column::AppellantId.eq(user_id))
        .all(db)
        .await?;
    let sanctions = sanctions::strikes_of(db, user_id)
        .await?
        .into_iter()
        .map(|s| {
            let a = theirs.iter().find(|a| a.sanction_id == Some(s.id)).cloned();
            let open = a.is_none() && s.lifted_at.is_none() && s.created_at + window >= now();
            (s, a, open)
        })
        .collect();
    let removals = cases::Entity::find()
        .filter(cases::Column::AuthorId.eq(user_id))
        .filter(cases::Column::Removed.eq(true))
        .order_by_desc(cases::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| {
            let a = theirs
                .iter()
                .find(|a| a.removal_case_id == Some(c.id))
                .cloned();
            let open = a.is_none() && c.decided_at.is_none_or(|at| at + window >= now());
            (c, a, open)
        })
        .collect();
    Ok(Standing {
        sanctions,
        removals,
    })
}
