//! Review stages (`editorial.stages` in the config): an ordered list, each naming the roles
//! (and optionally one person) who approve it. A post in review stands at one stage
//! (`posts.review_stage`), due by `review_due_at`, held by `review_holder_id` once someone
//! takes it; approving moves it to the next stage, and the last approval makes it
//! `approved`. The transitions themselves live in [`super::workflow`]; this module answers
//! where a post stands, who may move it, and lists what waits on whom.
use chrono::{DateTime, Duration, FixedOffset};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};
use serde_json::json;

use super::{ActiveModel, Column, Entity, Model, PostState};
use crate::{
    actor::{Actor, RequestMeta},
    auth::{AuthError, Capability},
    models::{WriteError, audit, notifications, now},
    settings::{Editorial, Stage},
};

/// Where a post in review stands: the stage's position (0-based) among `of`.
#[derive(Debug, Clone)]
pub struct Standing {
    pub index: usize,
    pub of: usize,
    pub stage: Stage,
}

impl Standing {
    /// Whether approving this stage ends the review.
    #[must_use]
    pub const fn is_last(&self) -> bool {
        self.index + 1 == self.of
    }
}

/// The stage post `post` stands at, when it is in review. A stage key no longer in the
/// config (the list was changed) counts as the first stage.
#[must_use]
pub fn standing(policy: &Editorial, post: &Model) -> Option<Standing> {
    if post.state != PostState::InReview.as_str() {
        return None;
    }
    let stages = policy.stages();
    let index = post
        .review_stage
        .as_deref()
        .and_then(|key| stages.iter().position(|s| s.key == key))
        .unwrap_or(0);
    Some(Standing {
        index,
        of: stages.len(),
        stage: stages.get(index)?.clone(),
    })
}

/// Whether `by` may approve `stage` (or send the post back from it): they hold `review`,
/// and their role is one the stage names or they are its named person.
#[must_use]
pub fn may_approve(stage: &Stage, by: &Actor) -> bool {
    by.grant(Capability::REVIEW).is_some()
        && (stage.roles.iter().any(|r| r == by.role().as_str())
            || stage
                .person
                .as_deref()
                .is_some_and(|p| p.trim().eq_ignore_ascii_case(&by.user.email)))
}

/// Who approves `stage`, in words ("editors, or lena@example.com").
#[must_use]
pub fn approvers(stage: &Stage) -> String {
    let mut who: Vec<String> = stage.roles.iter().map(|r| format!("{r}s")).collect();
    if let Some(p) = &stage.person {
        who.push(p.clone());
    }
    who.join(", or ")
}

/// When a stage reached at `from` is due.
#[must_use]
pub fn due(stage: &Stage, from: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    stage.due_hours.map(|h| from + Duration::hours(h))
}

/// Puts `post` at stage `stage` (due from now, held by nobody).
pub(super) fn enter(post: &mut ActiveModel, stage: &Stage) {
    post.review_stage = Set(Some(stage.key.clone()));
    post.review_due_at = Set(due(stage, now()));
    post.review_holder_id = Set(None);
}

/// Clears a post's review standing (it left review).
pub(super) fn leave(post: &mut ActiveModel) {
    post.review_stage = Set(None);
    post.review_due_at = Set(None);
    post.review_holder_id = Set(None);
}

/// Refuses `by` at the stage `post` stands at, when they may not approve it.
///
/// # Errors
/// [`WriteError::Auth`].
pub(super) fn require_reviewer(
    policy: &Editorial,
    post: &Model,
    by: &Actor,
) -> Result<Option<Standing>, WriteError> {
    let standing = standing(policy, post);
    if let Some(s) = &standing
        && !may_approve(&s.stage, by)
    {
        return Err(WriteError::Auth(AuthError::Forbidden("review stage")));
    }
    Ok(standing)
}

/// After an edit of `before`'s content (saved as `after`, in the caller's transaction):
/// when the policy resets approvals and the post had passed a stage (or was approved), it
/// goes back to the first stage, audited as `post.review_reset`. Returns whether it did.
///
/// # Errors
/// Database errors.
pub(super) async fn reset_after_edit<C: ConnectionTrait>(
    txn: &C,
    policy: &Editorial,
    meta: &RequestMeta,
    by: &Actor,
    before: &Model,
) -> Result<bool, WriteError> {
    if !policy.reset_approvals_on_edit {
        return Ok(false);
    }
    let passed = match standing(policy, before) {
        Some(s) => s.index > 0,
        None => before.state == PostState::Approved.as_str(),
    };
    if !passed {
        return Ok(false);
    }
    let stages = policy.stages();
    let Some(first) = stages.first() else {
        return Ok(false);
    };
    let mut post = ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(before.id),
        state: Set(PostState::InReview.as_str().to_string()),
        ..Default::default()
    };
    enter(&mut post, first);
    Entity::update(post).exec(txn).await?;
    audit::record(
        txn,
        meta,
        audit::of(
            audit::Action::PostReviewReset,
            by,
            before.id,
            Some(json!({"state": before.state, "stage": before.review_stage})),
            Some(json!({"state": "in_review", "stage": first.key, "note": format!("The content changed, so the review starts again at “{}”.", first.name)})),
        ),
    )
    .await?;
    // The first stage's reviewers hear of it; the outbox sweep hands the notice over.
    let post = crate::models::write::found::<Entity, _>(txn, before.id).await?;
    let mut notice =
        notifications::by_actor(notifications::Kind::ReviewWaiting, &post, by, policy.tz());
    notice.stage = Some(first);
    notice.at = post.review_due_at;
    notifications::queue(txn, &notice).await?;
    Ok(true)
}

/// Takes the review of post `id` at its current stage for `by`, so colleagues see who holds
/// it. Audited as `post.review_take`.
///
/// # Errors
/// [`WriteError::Auth`] for someone who may not approve the stage, [`WriteError::Field`]
/// when the post is not in review, [`WriteError::Stale`], [`WriteError::NotFound`].
pub async fn take<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    policy: &Editorial,
    id: i32,
    lock_version: i32,
) -> Result<Model, WriteError> {
    let txn = crate::db::begin_write(db).await?;
    let current = crate::models::write::found::<Entity, _>(&txn, id).await?;
    by.require_for(Capability::POSTS_VIEW, current.author_id)?;
    let Some(standing) = require_reviewer(policy, &current, by)? else {
        return Err(WriteError::field(
            "__all__",
            "Only a post in review can be taken.",
        ));
    };
    if current.lock_version != lock_version {
        return Err(WriteError::Stale {
            current: current.lock_version,
        });
    }
    let res = Entity::update_many()
        .col_expr(
            Column::ReviewHolderId,
            sea_orm::sea_query::Expr::value(by.user.id),
        )
        .col_expr(
            Column::LockVersion,
            sea_orm::sea_query::Expr::value(lock_version + 1),
        )
        .filter(Column::Id.eq(id))
        .filter(Column::LockVersion.eq(lock_version))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(WriteError::Stale {
            current: lock_version + 1,
        });
    }
    audit::record(
        &txn,
        meta,
        audit::of(
            audit::Action::PostReviewTake,
            by,
            id,
            Some(json!({"holder": current.review_holder_id})),
            Some(json!({"holder": by.user.id, "stage": standing.stage.key})),
        ),
    )
    .await?;
    let saved = crate::models::write::found::<Entity, _>(&txn, id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// One post waiting in review.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub post: Model,
    pub standing: Standing,
    /// `by` may approve its stage.
    pub mine: bool,
}

/// Every post in review that `by` may see, the overdue and soonest due first (no due date
/// last), at most `limit`.
///
/// # Errors
/// Database errors.
pub async fn queue<C: ConnectionTrait>(
    db: &C,
    policy: &Editorial,
    by: &Actor,
    limit: u64,
) -> Result<Vec<Waiting>, sea_orm::DbErr> {
    let mut q = Entity::find().filter(Column::State.eq(PostState::InReview.as_str()));
    match by.grant(Capability::POSTS_VIEW) {
        Some(crate::auth::permissions::Grant::All) => {}
        Some(crate::auth::permissions::Grant::Own) => q = q.filter(Column::AuthorId.eq(by.user.id)),
        None => return Ok(Vec::new()),
    }
    let rows = q
        .order_by_asc(Column::UpdatedAt)
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut out: Vec<Waiting> = rows
        .into_iter()
        .filter_map(|post| {
            let standing = standing(policy, &post)?;
            let mine = may_approve(&standing.stage, by)
                && post.review_holder_id.is_none_or(|h| h == by.user.id);
            Some(Waiting {
                post,
                standing,
                mine,
            })
        })
        .collect();
    out.sort_by_key(|w| (w.post.review_due_at.is_none(), w.post.review_due_at));
    Ok(out)
}
