//! Decisions on a case: keep (dismiss the reports), remove (hidden from readers, kept for
//! the record), reviewed-fine (later reports on the same content are kept but not counted),
//! escalate to an admin. Each takes a reason (a preset or the moderator's own words), a note,
//! and an optional message to the reporters; each updates the reporters' accuracy, writes
//! the mod log and the audit log in the decision's transaction, and may leave the case open
//! for further actions.
use std::collections::BTreeMap;

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
    TransactionTrait,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use serde::Deserialize;

use super::{
    Case, Target, cases, claims, content_hash, flags, log, log::ModAction, reporter_stats,
};
use crate::{
    auth::{Actor, Capability, RequestMeta},
    models::{Tally, WriteError, audit::Moderation as CommentDecision, mail, now, users},
    settings::Moderation,
};

string_enum! {
    /// What a moderator decides about a case.
    pub enum Decision {
        Keep => "keep",
        Remove => "remove",
        ReviewedFine => "reviewed_fine",
        Escalate => "escalate",
    }
}

impl Decision {
    const fn action(self) -> ModAction {
        match self {
            Self::Keep => ModAction::Keep,
            Self::Remove => ModAction::Remove,
            Self::ReviewedFine => ModAction::ReviewedFine,
            Self::Escalate => ModAction::Escalate,
        }
    }

    /// What the decision makes of the pending flags (`None`: leaves them pending).
    const fn outcome(self) -> Option<&'static str> {
        match self {
            Self::Keep | Self::ReviewedFine => Some("dismissed"),
            Self::Remove => Some("upheld"),
            Self::Escalate => None,
        }
    }
}

/// A decision as the case page (or a bulk action) sends it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub decision: String,
    /// A preset's label, or the moderator's own words.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
    /// Sent to the signed-in reporters of the flags decided, when given.
    #[serde(default)]
    pub message: String,
    /// Leave the case open (and claimed) for further actions.
    #[serde(default)]
    pub keep_open: Option<String>,
    /// The case's version the page showed; a bulk decision sends none.
    #[serde(default)]
    pub seen_version: Option<i32>,
}

impl DecisionForm {
    /// The decision, and the form's words checked.
    ///
    /// # Errors
    /// [`WriteError::Field`] naming the field.
    pub fn check(&self) -> Result<Decision, WriteError> {
        let decision = Decision::parse(&self.decision)
            .ok_or_else(|| WriteError::field("decision", "Choose what to do with the case."))?;
        for (field, text, max) in [
            ("reason", &self.reason, 120),
            ("note", &self.note, 2000),
            ("message", &self.message, 2000),
        ] {
            if text.contains('\0') {
                return Err(WriteError::field(
                    field,
                    "Remove the invisible control character (a NUL byte).",
                ));
            }
            if text.trim().chars().count() > max {
                return Err(WriteError::field(
                    field,
                    format!("Keep it under {max} characters."),
                ));
            }
        }
        if matches!(decision, Decision::Remove | Decision::Escalate)
            && self.reason.trim().is_empty()
            && self.note.trim().is_empty()
        {
            return Err(WriteError::field(
                "reason",
                "Give a reason: choose one, or write your own in the note.",
            ));
        }
        Ok(decision)
    }

    fn close(&self, decision: Decision) -> bool {
        decision != Decision::Escalate && self.keep_open.is_none()
    }
}

/// A case after a decision, and the mail it sends (dispatch after the commit).
#[derive(Debug)]
pub struct Decided {
    pub case: Case,
    pub mail: Vec<mail::Model>,
}

/// Decides case `id` for `by` (`moderate`), in one transaction with its mod log and audit
/// entries. An escalated case is decided by an admin; a case someone else holds is theirs;
/// appeals are decided with [`super::appeals::decide`].
///
/// # Errors
/// [`WriteError::Field`], [`WriteError::Stale`], [`WriteError::Auth`],
/// [`WriteError::NotFound`], or a database error (nothing written then).
pub async fn decide<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    settings: &Moderation,
    id: i32,
    form: &DecisionForm,
) -> Result<Decided, WriteError> {
    by.require(Capability::MODERATE)?;
    let decision = form.check()?;
    let txn = crate::db::begin_write(db).await?;
    let case = cases::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    let decided = decide_in(&txn, by, meta, settings, case, decision, form).await?;
    txn.commit().await?;
    Ok(decided)
}

/// Decides each case of `ids` the same way, in one transaction. Cases that are appeals,
/// held by someone else, or escalated (for a non-admin) are skipped and counted so.
///
/// # Errors
/// [`WriteError::Field`] for the form, [`WriteError::Auth`], or a database error (nothing
/// written then).
pub async fn decide_many<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    settings: &Moderation,
    ids: &[i32],
    form: &DecisionForm,
) -> Result<(Tally, Vec<mail::Model>), WriteError> {
    by.require(Capability::MODERATE)?;
    let decision = form.check()?;
    let form = DecisionForm {
        seen_version: None,
        ..form.clone()
    };
    let txn = crate::db::begin_write(db).await?;
    let mut tally = Tally::default();
    let mut mail = Vec::new();
    for chunk in ids.chunks(500) {
        let found = cases::Entity::find()
            .filter(cases::Column::Id.is_in(chunk.to_vec()))
            .order_by_asc(cases::Column::Id)
            .all(&txn)
            .await?;
        tally.skipped += (chunk.len() - found.len()) as u64;
        for case in found {
            match decide_in(&txn, by, meta, settings, case, decision, &form).await {
                Ok(d) => {
                    tally.done += 1;
                    mail.extend(d.mail);
                }
                Err(WriteError::Field { .. } | WriteError::Stale { .. }) => tally.skipped += 1,
                Err(e) => return Err(e),
            }
        }
    }
    txn.commit().await?;
    Ok((tally, mail))
}

/// One decision on `txn`. Every refusal comes before the first write, so a refused case
/// leaves nothing behind.
async fn decide_in<C: ConnectionTrait>(
    txn: &C,
    by: &Actor,
    meta: &RequestMeta,
    settings: &Moderation,
    case: Case,
    decision: Decision,
    form: &DecisionForm,
) -> Result<Decided, WriteError> {
    let Some(target) = Target::parse(&case.target_type, case.target_id) else {
        return Err(WriteError::NotFound);
    };
    if matches!(target, Target::Appeal(_)) {
        return Err(WriteError::field(
            "decision",
            "This is an appeal: uphold or deny it on its page.",
        ));
    }
    if case.status == "escalated" && by.role() != users::Role::Admin {
        return Err(WriteError::field(
            "__all__",
            "This case was escalated: an admin decides it.",
        ));
    }
    claims::not_held_by_other(txn, by, &case).await?;
    if let Some(seen) = form.seen_version
        && seen != case.lock_version
    {
        return Err(WriteError::Stale {
            current: case.lock_version,
        });
    }
    let close = form.close(decision);
    let pending = flags::Entity::find()
        .filter(flags::Column::CaseId.eq(case.id))
        .filter(flags::Column::Outcome.eq("pending"))
        .all(txn)
        .await?;
    let flag_ids: Vec<i32> = pending.iter().map(|f| f.id).collect();
    if let Some(outcome) = decision.outcome() {
        set_outcome(txn, &flag_ids, outcome).await?;
        let mut per_reporter: BTreeMap<i32, i32> = BTreeMap::new();
        for f in &pending {
            if let (Some(r), true) = (f.reporter_id, f.source == "report") {
                *per_reporter.entry(r).or_default() += 1;
            }
        }
        let upheld = decision == Decision::Remove;
        for (reporter, n) in per_reporter {
            count_outcome(
                txn,
                reporter,
                if upheld { n } else { 0 },
                if upheld { 0 } else { n },
            )
            .await?;
        }
    }
    let current = target.content(txn).await?;
    let version = case.lock_version;
    let mut row: cases::ActiveModel = case.clone().into();
    match decision {
        Decision::Keep | Decision::ReviewedFine => {
            row.hidden = Set(false);
            row.removed = Set(false);
            if decision == Decision::ReviewedFine {
                row.reviewed_fine_hash = Set(current.as_deref().map(content_hash));
            }
        }
        Decision::Remove => {
            row.hidden = Set(true);
            row.removed = Set(true);
        }
        Decision::Escalate => row.status = Set("escalated".into()),
    }
    if close {
        row.status = Set("closed".into());
    }
    if close || decision == Decision::Escalate {
        row.claimed_by_id = Set(None);
        row.claim_expires_at = Set(None);
    } else {
        row.claimed_by_id = Set(Some(by.user.id));
        row.claim_expires_at = Set(Some(now() + Duration::minutes(settings.claim_minutes)));
    }
    row.decided_by_id = Set(Some(by.user.id));
    row.decided_at = Set(Some(now()));
    row.updated_at = Set(now());
    row.lock_version = Set(version + 1);
    let saved = row.update(txn).await?;
    // A held comment that is kept is published.
    if let (Target::Comment(id), Decision::Keep | Decision::ReviewedFine) = (target, decision) {
        let held = crate::models::comments::Entity::find_by_id(id)
            .one(txn)
            .await?
            .is_some_and(|c| c.status == "pending");
        if held {
            crate::models::comments::set_status_in(txn, by, meta, id, CommentDecision::Approve)
                .await?;
        }
    }
    let reason = form.reason.trim();
    let note = form.note.trim();
    log::write(
        txn,
        meta,
        Some(by),
        "",
        log::Entry::decided(decision.action(), &saved, reason, note, &flag_ids, close),
    )
    .await?;
    let mut mail = Vec::new();
    let message = form.message.trim();
    if !message.is_empty() && decision.outcome().is_some() {
        let mut reporters: Vec<i32> = pending.iter().filter_map(|f| f.reporter_id).collect();
        reporters.sort_unstable();
        reporters.dedup();
        for person in active_people(txn, &reporters).await? {
            mail.push(
                super::notice(
                    txn,
                    &person,
                    &format!("About your report on a {}", target.kind()),
                    &format!(
                        "A moderator looked at the {} you reported and {}.",
                        target.kind(),
                        match decision {
                            Decision::Remove => "removed it",
                            _ => "decided to keep it",
                        }
                    ),
                    message,
                    "/account",
                    "Your account",
                )
                .await?,
            );
        }
    }
    if decision == Decision::Remove
        && !case.removed
        && let Some(author) = case.author_id
        && let Some(person) = active_people(txn, &[author]).await?.pop()
    {
        let until = now() + Duration::days(settings.appeal_days);
        mail.push(
            super::notice(
                txn,
                &person,
                &format!("A moderator removed your {}", target.kind()),
                &format!(
                    "A moderator removed your {} (reason: {}). Readers no longer see it; it is kept for the record. If you think this was a mistake, you can appeal from your account page until {}.",
                    target.kind(),
                    if reason.is_empty() { "see the note" } else { reason },
                    until.format("%-d %b %Y")
                ),
                note,
                "/account#moderation",
                "Appeal from your account",
            )
            .await?,
        );
    }
    Ok(Decided { case: saved, mail })
}

async fn set_outcome<C: ConnectionTrait>(txn: &C, ids: &[i32], outcome: &str) -> Result<(), DbErr> {
    for chunk in ids.chunks(500) {
        flags::Entity::update_many()
            .col_expr(flags::Column::Outcome, Expr::value(outcome))
            .filter(flags::Column::Id.is_in(chunk.to_vec()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Adds `upheld` and `dismissed` (which may be negative, to undo) to a reporter's record.
pub(crate) async fn count_outcome<C: ConnectionTrait>(
    txn: &C,
    reporter: i32,
    upheld: i32,
    dismissed: i32,
) -> Result<(), DbErr> {
    use reporter_stats::Column as C;
    reporter_stats::Entity::insert(reporter_stats::ActiveModel {
        user_id: Set(reporter),
        upheld: Set(std::cmp::max(upheld, 0)),
        dismissed: Set(std::cmp::max(dismissed, 0)),
    })
    .on_conflict(
        OnConflict::column(C::UserId)
            .value(
                C::Upheld,
                Expr::col((reporter_stats::Entity, C::Upheld)).add(upheld),
            )
            .value(
                C::Dismissed,
                Expr::col((reporter_stats::Entity, C::Dismissed)).add(dismissed),
            )
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// The active people among `ids`.
pub(crate) async fn active_people<C: ConnectionTrait>(
    txn: &C,
    ids: &[i32],
) -> Result<Vec<users::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::Entity::find()
        .filter(users::Column::Id.is_in(ids.to_vec()))
        .filter(users::Column::Status.eq(users::UserStatus::Active.as_str()))
        .all(txn)
        .await
}
