//! A post's workflow as named transitions: submit for review, request changes (with a
//! note), approve, schedule (with a time), publish now, unpublish, archive, restore from the
//! archive. Each applies only from the states it names and needs its own permission; each
//! is audited under its own name, so the post's history is its timeline.
use chrono::{DateTime, FixedOffset};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use serde_json::json;

use super::{ActiveModel, Column, Entity, Model, PostState};
use crate::{
    actor::{Actor, RequestMeta},
    auth::{
        Capability, Role,
        permissions::{self, Grant},
    },
    models::{WriteError, audit, mail, now},
    settings::Editorial,
};

string_enum! {
    /// One step of a post's workflow.
    pub enum Transition {
        Submit => "submit",
        RequestChanges => "request_changes",
        Approve => "approve",
        Schedule => "schedule",
        PublishNow => "publish_now",
        Unpublish => "unpublish",
        Archive => "archive",
        Restore => "restore",
    }
}

use PostState::{Approved, Archived, Draft, InReview, Published, Scheduled};

impl Transition {
    /// Whether the accessibility check's errors block it: every step towards readers.
    #[must_use]
    pub const fn checks_accessibility(self) -> bool {
        matches!(
            self,
            Self::Submit | Self::Approve | Self::Schedule | Self::PublishNow
        )
    }

    /// What it is called on its button.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Submit => "Submit for review",
            Self::RequestChanges => "Request changes",
            Self::Approve => "Approve",
            Self::Schedule => "Schedule",
            Self::PublishNow => "Publish now",
            Self::Unpublish => "Unpublish",
            Self::Archive => "Archive",
            Self::Restore => "Restore from the archive",
        }
    }

    /// The permission it needs: `posts.change` over the post to submit it (an author: their
    /// own), `review` to approve or send back, `publish` for the rest.
    #[must_use]
    pub const fn capability(self) -> Capability {
        match self {
            Self::Submit => Capability::POSTS_CHANGE,
            Self::RequestChanges | Self::Approve => Capability::REVIEW,
            Self::Schedule | Self::PublishNow | Self::Unpublish | Self::Archive | Self::Restore => {
                Capability::PUBLISH
            }
        }
    }

    /// The states it applies from.
    #[must_use]
    pub const fn from_states(self) -> &'static [PostState] {
        match self {
            Self::Submit => &[Draft],
            Self::RequestChanges => &[InReview, Approved],
            Self::Approve => &[InReview],
            Self::Schedule | Self::PublishNow => &[Approved, Scheduled],
            Self::Unpublish => &[Published, Scheduled],
            Self::Archive => &[Draft, InReview, Approved, Scheduled, Published],
            Self::Restore => &[Archived],
        }
    }

    /// Where it takes the post.
    #[must_use]
    pub const fn target(self) -> PostState {
        match self {
            Self::Submit => InReview,
            Self::RequestChanges | Self::Restore => Draft,
            Self::Approve | Self::Unpublish => Approved,
            Self::Schedule => Scheduled,
            Self::PublishNow => Published,
            Self::Archive => Archived,
        }
    }

    /// The name of its audit entries.
    #[must_use]
    pub const fn action(self) -> audit::Action {
        match self {
            Self::Submit => audit::Action::PostSubmit,
            Self::RequestChanges => audit::Action::PostRequestChanges,
            Self::Approve => audit::Action::PostApprove,
            Self::Schedule => audit::Action::PostSchedule,
            Self::PublishNow => audit::Action::PostPublish,
            Self::Unpublish => audit::Action::PostUnpublish,
            Self::Archive => audit::Action::PostArchive,
            Self::Restore => audit::Action::PostRestore,
        }
    }

    /// Whether `role` holds the permission for a post by `author` when `actor` is the one
    /// asking — the permission table's answer, before any state rule.
    #[must_use]
    pub fn permitted(self, role: Role, actor: i32, author: i32) -> bool {
        match permissions::grant(role, self.capability()) {
            Some(Grant::All) => true,
            Some(Grant::Own) => actor == author,
            None => false,
        }
    }

    /// Whether it applies to a post that is `state`.
    #[must_use]
    pub fn applies_to(self, state: &str) -> bool {
        PostState::parse(state).is_some_and(|s| self.from_states().contains(&s))
    }

    /// The transitions `by` may take on `post` now, in button order: a reviewer approves
    /// or sends back only at a stage they are named for.
    #[must_use]
    pub fn available(by: &Actor, post: &Model, policy: &Editorial) -> Vec<Self> {
        let stage_ok = super::reviews::standing(policy, post)
            .is_none_or(|s| super::reviews::may_approve(&s.stage, by));
        Self::ALL
            .iter()
            .copied()
            .filter(|t| {
                t.applies_to(&post.state)
                    && t.permitted(by.role(), by.user.id, post.author_id)
                    && (stage_ok || !matches!(t, Self::Approve | Self::RequestChanges))
            })
            .collect()
    }
}

/// What a transition is asked with.
#[derive(Debug, Clone)]
pub struct TransitionForm {
    pub transition: Transition,
    /// The post's version when the page was loaded.
    pub lock_version: i32,
    /// Why changes are requested (required then), or a remark kept with the entry.
    pub note: String,
    /// When to publish (required to schedule; in the future), or when to take the post
    /// down (to unpublish later rather than now).
    pub at: Option<DateTime<FixedOffset>>,
    /// When a post being scheduled or published should come down again (optional).
    pub until: Option<DateTime<FixedOffset>>,
    /// An admin's reason to take a step the accessibility check blocks (empty: none).
    pub override_reason: String,
}

/// The longest note a transition keeps.
pub const MAX_NOTE: usize = 2000;

fn state_words(state: &str) -> &'static str {
    match PostState::parse(state) {
        Some(Draft) => "a draft",
        Some(InReview) => "in review",
        Some(Approved) => "approved",
        Some(Scheduled) => "scheduled",
        Some(Published) => "published",
        Some(Archived) => "archived",
        None => "in an unknown state",
    }
}

/// A step taken: the post as it is now, and the notices it queued in the outbox (hand them
/// to [`crate::models::mail::dispatch_all`]; the outbox sweep sends any left over).
#[derive(Debug, Clone)]
pub struct Moved {
    pub post: Model,
    pub mail: Vec<mail::Model>,
}

/// Takes post `id` one step along its workflow for `by`. Refused, with nothing written, when
/// `by` lacks the transition's permission, when it does not apply to the post's state, when
/// its input is missing or wrong, or when the post moved on from `form.lock_version`.
/// Audited under the transition's own name (`post.submit`, `post.approve`, …), with the
/// note and time.
///
/// # Errors
/// [`WriteError::Auth`], [`WriteError::Field`] (`__all__` for a transition that does not
/// apply, `note` or `at` for their input), [`WriteError::Stale`], [`WriteError::NotFound`],
/// or a database error.
pub async fn apply<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    policy: &Editorial,
    id: i32,
    form: &TransitionForm,
) -> Result<Moved, WriteError> {
    let txn = crate::db::begin_write(db).await?;
    let moved = step(&txn, by, meta, policy, id, form).await?;
    txn.commit().await?;
    Ok(moved)
}

/// Takes transition `t` on each post of `ids` that `by` may take it on, in one transaction
/// (the admin's bulk actions); a post it does not apply to, or that `by` may not move, is
/// skipped and counted. A note and time, when the transition needs them, come from `form`.
///
/// # Errors
/// A database error; nothing is written then.
pub async fn apply_many<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    policy: &Editorial,
    t: Transition,
    ids: &[i32],
) -> Result<(crate::models::Tally, Vec<mail::Model>), WriteError> {
    let txn = crate::db::begin_write(db).await?;
    let mut tally = crate::models::Tally::default();
    let mut queued = Vec::new();
    for &id in ids {
        let Some(current) = Entity::find_by_id(id).one(&txn).await? else {
            tally.skipped += 1;
            continue;
        };
        let form = TransitionForm {
            transition: t,
            lock_version: current.lock_version,
            note: String::new(),
            at: None,
            until: None,
            override_reason: String::new(),
        };
        match step(&txn, by, meta, policy, id, &form).await {
            Ok(moved) => {
                tally.done += 1;
                queued.extend(moved.mail);
            }
            Err(WriteError::Db(e)) => return Err(e.into()),
            Err(_) => tally.skipped += 1,
        }
    }
    txn.commit().await?;
    Ok((tally, queued))
}

/// One transition inside the caller's transaction; writes nothing when it refuses.
async fn step<C: sea_orm::ConnectionTrait>(
    txn: &C,
    by: &Actor,
    meta: &RequestMeta,
    policy: &Editorial,
    id: i32,
    form: &TransitionForm,
) -> Result<Moved, WriteError> {
    let t = form.transition;
    let current = crate::models::write::found::<Entity, _>(txn, id).await?;
    by.require_for(t.capability(), current.author_id)?;
    if current.lock_version != form.lock_version {
        return Err(WriteError::Stale {
            current: current.lock_version,
        });
    }
    if !t.applies_to(&current.state) {
        return Err(WriteError::field(
            "__all__",
            format!(
                "“{}” does not apply to a post that is {}.",
                t.label(),
                state_words(&current.state)
            ),
        ));
    }
    let note = form.note.trim();
    if note.chars().count() > MAX_NOTE {
        return Err(WriteError::field(
            "note",
            "Keep the note under 2,000 characters.",
        ));
    }
    if note.contains('\0') {
        return Err(WriteError::field(
            "note",
            "The note holds a character that cannot be stored.",
        ));
    }
    if t == Transition::RequestChanges && note.is_empty() {
        return Err(WriteError::field(
            "note",
            "Say what should change: the author sees this note.",
        ));
    }
    let reason = form.override_reason.trim();
    let overridden = gate(&current, t, by, reason)?;
    let standing = if matches!(t, Transition::Approve | Transition::RequestChanges) {
        super::reviews::require_reviewer(policy, &current, by)?
    } else {
        None
    };
    let mut post: ActiveModel = current.clone().into();
    post.state = Set(t.target().as_str().to_string());
    post.lock_version = Set(current.lock_version + 1);
    post.updated_at = Set(now());
    // Where the review stands afterwards: the first stage on submit, the next one after an
    // approval that is not the last, nowhere once the post leaves review.
    let stages = policy.stages();
    let mut stage_note = serde_json::Map::new();
    match (t, &standing) {
        (Transition::Submit, _) => {
            if let Some(first) = stages.first() {
                super::reviews::enter(&mut post, first);
                stage_note.insert("stage".into(), json!(first.key));
            }
        }
        (Transition::Approve, Some(s)) if !s.is_last() => {
            post.state = Set(PostState::InReview.as_str().to_string());
            let next = &stages[s.index + 1];
            super::reviews::enter(&mut post, next);
            stage_note.insert("approved_stage".into(), json!(s.stage.name));
            stage_note.insert("stage".into(), json!(next.key));
        }
        (_, s) => {
            super::reviews::leave(&mut post);
            if let Some(s) = s {
                let key = if t == Transition::Approve {
                    "approved_stage"
                } else {
                    "at_stage"
                };
                stage_note.insert(key.into(), json!(s.stage.name));
            }
        }
    }
    let until = |after: DateTime<FixedOffset>| -> Result<_, WriteError> {
        match form.until {
            Some(u) if u <= after => Err(WriteError::field(
                "until",
                "Take it down after it goes up: choose a later time, or leave it empty.",
            )),
            u => Ok(u),
        }
    };
    match t {
        Transition::Schedule => {
            let Some(at) = form.at else {
                return Err(WriteError::field("at", "Choose when to publish it."));
            };
            if at <= now() {
                return Err(WriteError::field(
                    "at",
                    "Choose a time still to come, or publish it now.",
                ));
            }
            post.scheduled_at = Set(Some(at));
            post.unpublish_at = Set(until(at)?);
        }
        Transition::PublishNow => {
            post.published_at = Set(Some(now()));
            post.scheduled_at = Set(None);
            post.unpublish_at = Set(until(now())?);
        }
        // With a time still to come, the post stays up until then.
        Transition::Unpublish if form.at.is_some() => {
            let up_from = current.scheduled_at.map_or_else(now, |s| s.max(now()));
            if form.at.is_some_and(|at| at <= up_from) {
                return Err(WriteError::field(
                    "at",
                    "Choose a time after it goes up, or leave it empty to unpublish now.",
                ));
            }
            post.state = Set(current.state.clone());
            post.unpublish_at = Set(form.at);
        }
        Transition::Unpublish | Transition::Archive => {
            post.scheduled_at = Set(None);
            post.unpublish_at = Set(None);
        }
        _ => {}
    }
    let res = Entity::update_many()
        .set(post)
        .filter(Column::Id.eq(id))
        .filter(Column::LockVersion.eq(form.lock_version))
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(WriteError::Stale {
            current: form.lock_version + 1,
        });
    }
    let saved = crate::models::write::found::<Entity, _>(txn, id).await?;
    let view = |p: &Model| json!({"state": p.state, "published_at": p.published_at, "scheduled_at": p.scheduled_at, "unpublish_at": p.unpublish_at});
    let mut after = view(&saved);
    if !note.is_empty() {
        after["note"] = json!(note);
    }
    for (k, v) in stage_note {
        after[k] = v;
    }
    audit::record(
        txn,
        meta,
        audit::of(t.action(), by, id, Some(view(&current)), Some(after)),
    )
    .await?;
    if let Some(rules) = overridden {
        audit::record(
            txn,
            meta,
            audit::of(
                audit::Action::PostAccessibilityOverride,
                by,
                id,
                None,
                Some(json!({"step": t.as_str(), "rules": rules, "reason": reason})),
            ),
        )
        .await?;
    }
    let mail = notify(txn, policy, t, &saved, by, note, standing.as_ref()).await?;
    Ok(Moved { post: saved, mail })
}

/// The notices step `t` sends: the reviewers of the stage the post reaches (on submit, and
/// on an approval that moves it on), and the author on a request for changes, the last
/// approval, a schedule or a publish.
async fn notify<C: sea_orm::ConnectionTrait>(
    txn: &C,
    policy: &Editorial,
    t: Transition,
    saved: &Model,
    by: &Actor,
    note: &str,
    from: Option<&super::reviews::Standing>,
) -> Result<Vec<mail::Model>, sea_orm::DbErr> {
    use crate::models::notifications::{Kind, by_actor, queue};
    let mut out = Vec::new();
    if matches!(t, Transition::Submit | Transition::Approve)
        && let Some(reached) = super::reviews::standing(policy, saved)
    {
        let mut n = by_actor(Kind::ReviewWaiting, saved, by, policy.tz());
        n.stage = Some(&reached.stage);
        n.at = saved.review_due_at;
        out.extend(queue(txn, &n).await?);
    }
    let kind = match t {
        Transition::RequestChanges => Some(Kind::ChangesRequested),
        Transition::Approve if saved.state == Approved.as_str() => Some(Kind::Approved),
        Transition::Schedule => Some(Kind::Scheduled),
        Transition::PublishNow => Some(Kind::Published),
        _ => None,
    };
    if let Some(kind) = kind {
        let mut n = by_actor(kind, saved, by, policy.tz());
        n.note = note;
        n.stage = from.map(|s| &s.stage);
        n.at = saved.scheduled_at.filter(|_| kind == Kind::Scheduled);
        out.extend(queue(txn, &n).await?);
    }
    Ok(out)
}

/// The accessibility check before a step towards readers: its errors refuse the step,
/// unless an admin gives a reason to override it. Returns the rules overridden, if any.
fn gate(
    post: &Model,
    t: Transition,
    by: &Actor,
    reason: &str,
) -> Result<Option<Vec<&'static str>>, WriteError> {
    if !t.checks_accessibility() {
        return Ok(None);
    }
    let report = super::accessibility::check(&post.title, &post.summary, &post.body_markdown);
    let errors: Vec<&'static str> = report.errors().map(|f| f.rule.as_str()).collect();
    if errors.is_empty() {
        return Ok(None);
    }
    if reason.is_empty() {
        return Err(WriteError::field(
            "accessibility",
            format!(
                "{} accessibility problem{} block “{}”: fix {} (listed below, each linked to \
                 its place in the post), or an admin may override the check with a reason.",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                t.label(),
                if errors.len() == 1 { "it" } else { "them" },
            ),
        ));
    }
    if by.role() != Role::Admin {
        return Err(WriteError::Auth(crate::auth::AuthError::Forbidden(
            "accessibility override",
        )));
    }
    if reason.chars().count() > MAX_NOTE || reason.contains('\0') {
        return Err(WriteError::field(
            "override_reason",
            "Keep the reason under 2,000 characters of plain text.",
        ));
    }
    Ok(Some(errors))
}

/// One step on a post's timeline.
#[derive(Debug, Clone)]
pub struct Step {
    pub transition: Transition,
    /// Who took it, as the audit log names them.
    pub who: String,
    pub at: DateTime<FixedOffset>,
    pub note: Option<String>,
    /// The review stage it was taken at ("Copy edit"), for approvals and requests.
    pub stage: Option<String>,
}

/// The transitions post `id` went through, newest first, at most `limit`.
///
/// # Errors
/// Database errors.
pub async fn timeline<C: sea_orm::ConnectionTrait>(
    db: &C,
    id: i32,
    limit: u64,
) -> Result<Vec<Step>, sea_orm::DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};

    use crate::models::_entities::audit_log;
    let names: Vec<&str> = Transition::ALL
        .iter()
        .map(|t| t.action().as_str())
        .collect();
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::TargetType.eq("post"))
        .filter(audit_log::Column::TargetId.eq(id.to_string()))
        .filter(audit_log::Column::Action.is_in(names))
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let transition = Transition::ALL
                .iter()
                .copied()
                .find(|t| t.action().as_str() == r.action)?;
            // The entry keeps the note as the change of its `note` field.
            let changes = serde_json::from_str::<serde_json::Value>(&r.changes).ok();
            let after = |k: &str| {
                changes
                    .as_ref()
                    .and_then(|c| c.get(k)?.get(1)?.as_str().map(str::to_string))
            };
            let note = after("note");
            let stage = after("approved_stage").or_else(|| after("at_stage"));
            Some(Step {
                transition,
                who: crate::models::audit::without_address(&r.actor_label).to_string(),
                at: r.created_at,
                note,
                stage,
            })
        })
        .collect())
}
