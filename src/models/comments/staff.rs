//! What staff do to comments: moderate (approve, reject, mark spam), edit, write one from
//! the admin, delete. Each takes the actor, runs the named checks and writes its audit entry
//! in the change's transaction.
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, EntityTrait, TransactionSession, TransactionTrait,
};
use serde_json::{Value, json};
use validator::Validate;

use super::{ActiveModel, CommentStatus, Entity, Model};
use crate::{
    actor::{Actor, RequestMeta},
    auth::Capability,
    models::{
        _entities::posts,
        Tally, WriteError,
        audit::{self, Moderation},
    },
};

fn validate_status(status: &str) -> Result<(), validator::ValidationError> {
    CommentStatus::parse(status).map(|_| ()).ok_or_else(|| {
        validator::ValidationError::new("status")
            .with_message("Choose one of the listed statuses.".into())
    })
}

fn validate_guest_name(name: &str) -> Result<(), validator::ValidationError> {
    if name.trim().is_empty() {
        return Ok(());
    }
    super::validate_name(name)
}

/// What staff fill in to write or edit a comment. `guest_name` empty: the comment is not a
/// guest's (a member's, or staff's own).
#[derive(Debug, Clone, serde::Deserialize, Validate)]
pub struct CommentEdit {
    pub post_id: i32,
    #[validate(custom(function = "super::validate_body"))]
    pub body: String,
    #[validate(custom(function = "validate_guest_name"))]
    #[serde(default)]
    pub guest_name: String,
    #[validate(custom(function = "validate_status"))]
    pub status: String,
}

fn audit_view(c: &Model) -> Value {
    json!({
        "post_id": c.post_id, "author_id": c.author_id, "guest_name": c.guest_name,
        "body": c.body, "status": c.status,
    })
}

/// The decision a move to `status` is, if it is one.
fn decision(status: &str) -> Option<Moderation> {
    match CommentStatus::parse(status)? {
        CommentStatus::Approved => Some(Moderation::Approve),
        CommentStatus::Rejected => Some(Moderation::Reject),
        CommentStatus::Spam => Some(Moderation::Spam),
        CommentStatus::Pending => None,
    }
}

/// Approving, rejecting or marking spam needs `moderate` as well as `comments.change`.
fn check_decision(by: &Actor, from: Option<&str>, to: &str) -> Result<(), WriteError> {
    if from != Some(to) && decision(to).is_some() && by.grant(Capability::MODERATE).is_none() {
        return Err(WriteError::field(
            "status",
            "Only moderators, editors and admins approve, reject or mark comments as spam.",
        ));
    }
    Ok(())
}

fn guest(name: &str) -> Option<String> {
    let n = name.trim();
    (!n.is_empty()).then(|| n.to_string())
}

/// Writes a comment on a post from the admin, for `by` (`comments.add`), under a guest name
/// or as `by`'s own. Audited as `comment.add`.
///
/// # Errors
/// [`WriteError::Invalid`], [`WriteError::Field`], [`WriteError::Auth`], or a database
/// error.
pub async fn create<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    edit: &CommentEdit,
) -> Result<Model, WriteError> {
    by.require(Capability::COMMENTS_ADD)?;
    edit.validate()?;
    check_decision(by, None, &edit.status)?;
    let txn = crate::db::begin_write(db).await?;
    if posts::Entity::find_by_id(edit.post_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(WriteError::field("post_id", "Choose an existing post."));
    }
    let guest_name = guest(&edit.guest_name);
    let row = ActiveModel {
        post_id: Set(edit.post_id),
        author_id: Set(guest_name.is_none().then_some(by.user.id)),
        guest_name: Set(guest_name),
        body: Set(edit.body.trim().to_string()),
        status: Set(edit.status.clone()),
        ip_hash: Set(String::new()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        audit::comment_added(by, row.id, audit_view(&row)),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Edits comment `id` for `by` (`comments.change`). A change of status to approved, rejected
/// or spam is a moderation decision (it needs `moderate`) and is audited under its name;
/// any other edit is `comment.change`.
///
/// # Errors
/// [`WriteError::Invalid`], [`WriteError::Field`], [`WriteError::Auth`],
/// [`WriteError::NotFound`], or a database error.
pub async fn update<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
    edit: &CommentEdit,
) -> Result<Model, WriteError> {
    by.require(Capability::COMMENTS_CHANGE)?;
    edit.validate()?;
    let txn = crate::db::begin_write(db).await?;
    let current = crate::models::write::found::<Entity, _>(&txn, id).await?;
    check_decision(by, Some(&current.status), &edit.status)?;
    let mut row: ActiveModel = current.clone().into();
    row.body = Set(edit.body.trim().to_string());
    // A member's comment stays theirs; only a guest's name is edited.
    if current.author_id.is_none() {
        row.guest_name = Set(guest(&edit.guest_name));
    }
    row.status = Set(edit.status.clone());
    let saved = row.update(&txn).await?;
    let (before, after) = (audit_view(&current), audit_view(&saved));
    let entry = match decision(&saved.status).filter(|_| current.status != saved.status) {
        Some(d) => audit::comment_moderated(by, d, id, before, after),
        None => audit::comment_changed(by, id, before, after),
    };
    audit::record(&txn, meta, entry).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Approves, rejects or marks as spam each comment of `ids`, for `by` (`comments.change` and
/// `moderate`), in one transaction, each with its own audit entry. A comment already so is
/// counted as done and left as it is; one that is gone is skipped.
///
/// # Errors
/// [`WriteError::Auth`], or a database error (nothing is written then).
pub async fn moderate<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    decision: Moderation,
    ids: &[i32],
) -> Result<Tally, WriteError> {
    by.require(Capability::COMMENTS_CHANGE)?;
    by.require(Capability::MODERATE)?;
    let txn = crate::db::begin_write(db).await?;
    let mut tally = Tally::default();
    for &id in ids {
        if set_status_in(&txn, by, meta, id, decision).await?.is_some() {
            tally.done += 1;
        } else {
            tally.skipped += 1;
        }
    }
    txn.commit().await?;
    Ok(tally)
}

/// Moves comment `id` to the status `decision` gives, on `txn` (the caller's transaction),
/// audited as the decision; a comment already so is left as it is. `None`: it is gone.
///
/// # Errors
/// Database errors.
pub(crate) async fn set_status_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
    decision: Moderation,
) -> Result<Option<Model>, sea_orm::DbErr> {
    let status = match decision {
        Moderation::Approve => CommentStatus::Approved,
        Moderation::Reject => CommentStatus::Rejected,
        Moderation::Spam => CommentStatus::Spam,
    };
    let Some(current) = Entity::find_by_id(id).one(txn).await? else {
        return Ok(None);
    };
    if current.status == status.as_str() {
        return Ok(Some(current));
    }
    let mut row: ActiveModel = current.clone().into();
    row.status = Set(status.as_str().to_string());
    let saved = row.update(txn).await?;
    audit::record(
        txn,
        meta,
        audit::comment_moderated(by, decision, id, audit_view(&current), audit_view(&saved)),
    )
    .await?;
    Ok(Some(saved))
}

/// Deletes comment `id` for `by` (`comments.delete`). Audited as `comment.delete`.
///
/// # Errors
/// [`WriteError::Auth`], [`WriteError::NotFound`], or a database error.
pub async fn delete<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
) -> Result<(), WriteError> {
    by.require(Capability::COMMENTS_DELETE)?;
    crate::models::write::delete_audited::<Entity, _>(
        db,
        meta,
        id,
        |_| Ok(()),
        |c| audit::comment_deleted(by, id, audit_view(c)),
    )
    .await
}
