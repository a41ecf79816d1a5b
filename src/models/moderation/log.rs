//! The mod log: one row per moderation action and per side effect (the removals a ban
//! causes, the restorations an upheld appeal makes), each written with its audit entry in
//! the same transaction. One named constructor per action, as Lemmy's mod log has, so an
//! action has one name whatever the screen.
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use serde_json::{Value, json};

use super::{Case, Target, sanctions::Sanction};
pub use crate::models::_entities::mod_log::{Column, Entity, Model as LogRow};
use crate::{
    auth::{Actor, RequestMeta},
    models::{
        _entities::{appeals, mod_log},
        audit::{self, Action, Who},
        now,
    },
};

string_enum! {
    /// Every action the mod log records.
    pub enum ModAction {
        Claim => "claim",
        Release => "release",
        Assign => "assign",
        Keep => "keep",
        Remove => "remove",
        ReviewedFine => "reviewed_fine",
        Escalate => "escalate",
        AutoHide => "auto_hide",
        BanRemoval => "ban_removal",
        Restore => "restore",
        Warn => "warn",
        Silence => "silence",
        Suspend => "suspend",
        Ban => "ban",
        Lift => "lift",
        Expire => "expire",
        Appeal => "appeal",
        AppealUphold => "appeal_uphold",
        AppealDeny => "appeal_deny",
    }
}

impl ModAction {
    /// The audit action written with it.
    #[must_use]
    pub const fn audit(self) -> Action {
        match self {
            Self::Claim => Action::ModClaim,
            Self::Release => Action::ModRelease,
            Self::Assign => Action::ModAssign,
            Self::Keep => Action::ModKeep,
            Self::Remove => Action::ModRemove,
            Self::ReviewedFine => Action::ModReviewedFine,
            Self::Escalate => Action::ModEscalate,
            Self::AutoHide => Action::ModAutoHide,
            Self::BanRemoval => Action::ModBanRemoval,
            Self::Restore => Action::ModRestore,
            Self::Warn => Action::ModWarn,
            Self::Silence => Action::ModSilence,
            Self::Suspend => Action::ModSuspend,
            Self::Ban => Action::ModBan,
            Self::Lift => Action::ModLift,
            Self::Expire => Action::ModExpire,
            Self::Appeal => Action::ModAppeal,
            Self::AppealUphold => Action::ModAppealUphold,
            Self::AppealDeny => Action::ModAppealDeny,
        }
    }

    /// How the log and the transparency page say it.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Claim => "claimed",
            Self::Release => "released",
            Self::Assign => "assigned",
            Self::Keep => "kept (reports dismissed)",
            Self::Remove => "removed",
            Self::ReviewedFine => "reviewed, fine",
            Self::Escalate => "escalated to an admin",
            Self::AutoHide => "hidden pending review (score)",
            Self::BanRemoval => "removed with a ban",
            Self::Restore => "restored",
            Self::Warn => "warned",
            Self::Silence => "silenced",
            Self::Suspend => "suspended",
            Self::Ban => "banned",
            Self::Lift => "sanction lifted",
            Self::Expire => "suspension ended",
            Self::Appeal => "appealed",
            Self::AppealUphold => "appeal upheld",
            Self::AppealDeny => "appeal denied",
        }
    }

    /// Whether the public transparency page lists it (decisions, sanctions and appeal
    /// outcomes; not the queue's housekeeping).
    #[must_use]
    pub const fn public(self) -> bool {
        !matches!(
            self,
            Self::Claim | Self::Release | Self::Assign | Self::Appeal | Self::Escalate
        )
    }
}

/// One row of the mod log, before it is written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: ModAction,
    pub case_id: Option<i32>,
    pub target: Option<Target>,
    /// The person it concerns.
    pub subject_id: Option<i32>,
    pub reason: String,
    pub note: String,
    pub details: Value,
    /// The audit entry's record: the case, the sanction or the appeal.
    audit_id: i32,
}

fn on_case(action: ModAction, case: &Case, reason: &str, note: &str, details: Value) -> Entry {
    Entry {
        action,
        case_id: Some(case.id),
        target: Target::parse(&case.target_type, case.target_id),
        subject_id: case.author_id,
        reason: reason.to_string(),
        note: note.to_string(),
        details,
        audit_id: case.id,
    }
}

impl Entry {
    /// A moderator claimed `case` until `until`.
    #[must_use]
    pub fn claimed(case: &Case) -> Self {
        on_case(
            ModAction::Claim,
            case,
            "",
            "",
            json!({ "until": case.claim_expires_at }),
        )
    }

    /// The holder let go of `case`.
    #[must_use]
    pub fn released(case: &Case) -> Self {
        on_case(ModAction::Release, case, "", "", json!({}))
    }

    /// `case` was given to `to` (id and name).
    #[must_use]
    pub fn assigned(case: &Case, to: i32, name: &str) -> Self {
        on_case(
            ModAction::Assign,
            case,
            "",
            "",
            json!({ "to": to, "to_name": name }),
        )
    }

    /// A decision on `case` (keep, remove, reviewed-fine, escalate), with the flags it
    /// decided.
    #[must_use]
    pub fn decided(
        action: ModAction,
        case: &Case,
        reason: &str,
        note: &str,
        flags: &[i32],
        closed: bool,
    ) -> Self {
        on_case(
            action,
            case,
            reason,
            note,
            json!({ "flags": flags, "closed": closed }),
        )
    }

    /// The score reached the hiding threshold (the system acted, not a person).
    #[must_use]
    pub fn auto_hidden(case: &Case) -> Self {
        on_case(
            ModAction::AutoHide,
            case,
            "",
            "",
            json!({ "score": case.score }),
        )
    }

    /// `case`'s content was removed because its author was banned by `sanction`.
    #[must_use]
    pub fn ban_removal(case: &Case, sanction: &Sanction) -> Self {
        on_case(
            ModAction::BanRemoval,
            case,
            &sanction.reason,
            "",
            json!({ "sanction": sanction.id }),
        )
    }

    /// `case`'s content was shown again because `appeal` was upheld.
    #[must_use]
    pub fn restored(case: &Case, appeal: i32) -> Self {
        on_case(
            ModAction::Restore,
            case,
            "",
            "",
            json!({ "appeal": appeal }),
        )
    }

    /// A sanction was given (warn, silence, suspend, ban: `action`).
    #[must_use]
    pub fn sanctioned(action: ModAction, s: &Sanction) -> Self {
        Self {
            action,
            case_id: s.case_id,
            target: None,
            subject_id: Some(s.user_id),
            reason: s.reason.clone(),
            note: s.note.clone(),
            details: json!({ "sanction": s.id, "ends_at": s.ends_at, "strike_expires_at": s.strike_expires_at }),
            audit_id: s.id,
        }
    }

    /// A sanction was lifted (by an appeal, or a suspension's end: `action`).
    #[must_use]
    pub fn lifted(action: ModAction, s: &Sanction, why: &str) -> Self {
        Self {
            action,
            case_id: s.case_id,
            target: None,
            subject_id: Some(s.user_id),
            reason: why.to_string(),
            note: String::new(),
            details: json!({ "sanction": s.id, "kind": s.kind }),
            audit_id: s.id,
        }
    }

    /// An appeal was made, filed as `case`.
    #[must_use]
    pub fn appealed(a: &appeals::Model, case: &Case) -> Self {
        Self {
            action: ModAction::Appeal,
            case_id: Some(case.id),
            target: Some(Target::Appeal(a.id)),
            subject_id: Some(a.appellant_id),
            reason: String::new(),
            note: String::new(),
            details: json!({ "sanction": a.sanction_id, "removal_case": a.removal_case_id }),
            audit_id: a.id,
        }
    }

    /// An appeal was decided (`action`: upheld or denied).
    #[must_use]
    pub fn appeal_decided(action: ModAction, a: &appeals::Model, case_id: Option<i32>) -> Self {
        Self {
            action,
            case_id,
            target: Some(Target::Appeal(a.id)),
            subject_id: Some(a.appellant_id),
            reason: String::new(),
            note: a.decision_note.clone(),
            details: json!({ "sanction": a.sanction_id, "removal_case": a.removal_case_id }),
            audit_id: a.id,
        }
    }
}

/// Writes `entry` to the mod log and its audit entry, on `txn` (the action's transaction),
/// for `by` (`None`: the system, named `system`).
///
/// # Errors
/// Database errors.
pub async fn write<C: ConnectionTrait>(
    txn: &C,
    meta: &RequestMeta,
    by: Option<&Actor>,
    system: &str,
    entry: Entry,
) -> Result<LogRow, DbErr> {
    let who = by.map_or_else(|| Who::system(system), Who::from);
    let row = mod_log::ActiveModel {
        action: Set(entry.action.as_str().to_string()),
        case_id: Set(entry.case_id),
        target_type: Set(entry.target.map_or("", Target::kind).to_string()),
        target_id: Set(entry.target.map(Target::id)),
        subject_id: Set(entry.subject_id),
        moderator_id: Set(by.map(|a| a.user.id)),
        reason: Set(entry.reason.chars().take(120).collect()),
        note: Set(entry.note.clone()),
        details: Set(entry.details.to_string()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let after = json!({
        "mod_log": row.id,
        "target": entry.target.map(|t| format!("{} {}", t.kind(), t.id())),
        "subject": entry.subject_id,
        "reason": entry.reason,
        "note": entry.note,
        "details": entry.details,
    });
    audit::record(
        txn,
        meta,
        audit::of(entry.action.audit(), who, entry.audit_id, None, Some(after)),
    )
    .await?;
    Ok(row)
}
