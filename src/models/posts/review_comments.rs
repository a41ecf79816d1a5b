//! Review comments: a remark on a post as it stood at a revision, optionally about one
//! field (title, summary, body, tags, visibility), shown to the author next to that field
//! until someone resolves it. Those who review posts, and those who may change the post
//! (its author), may comment and resolve; each is audited.
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait,
};
use serde_json::json;

pub use crate::models::_entities::review_comments::{ActiveModel, Column, Entity, Model};
use crate::{
    actor::{Actor, RequestMeta},
    auth::Capability,
    models::{WriteError, audit, now},
};

impl sea_orm::ActiveModelBehavior for ActiveModel {}

/// The fields a comment may be about (empty: the post as a whole), with their names.
pub const FIELDS: [(&str, &str); 6] = [
    ("", "The post as a whole"),
    ("title", "Title"),
    ("summary", "Summary"),
    ("body_markdown", "Body"),
    ("tags", "Tags"),
    ("visibility", "Visibility"),
];

/// The longest comment kept.
pub const MAX_BODY: usize = 4000;

/// A new comment.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    pub field: String,
    pub body: String,
}

/// Whether `by` may comment on `post` and resolve its comments (the pages show the forms).
#[must_use]
pub fn may_comment(by: &Actor, post: &super::Model) -> bool {
    may_discuss(by, post).is_ok()
}

/// Refuses `by` unless they review posts or may change this one, having seen it.
fn may_discuss(by: &Actor, post: &super::Model) -> Result<(), WriteError> {
    by.require_for(Capability::POSTS_VIEW, post.author_id)?;
    if by.grant(Capability::REVIEW).is_none() {
        by.require_for(Capability::POSTS_CHANGE, post.author_id)?;
    }
    Ok(())
}

/// Adds `by`'s comment to post `post_id`, on its latest revision. Audited as
/// `post.review_comment`.
///
/// # Errors
/// [`WriteError::Auth`], [`WriteError::Field`] (`body` empty, too long or not plain text;
/// `field` not one of [`FIELDS`]), [`WriteError::NotFound`], or a database error.
pub async fn add<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    post_id: i32,
    form: &CommentForm,
) -> Result<Model, WriteError> {
    let txn = crate::db::begin_write(db).await?;
    let post = crate::models::write::found::<super::Entity, _>(&txn, post_id).await?;
    may_discuss(by, &post)?;
    let body = form.body.trim();
    if body.is_empty() {
        return Err(WriteError::field("body", "Write the comment."));
    }
    if body.chars().count() > MAX_BODY || body.contains('\0') {
        return Err(WriteError::field(
            "body",
            "Keep the comment under 4,000 characters of plain text.",
        ));
    }
    if !FIELDS.iter().any(|(f, _)| *f == form.field) {
        return Err(WriteError::field(
            "field",
            "Choose one of the listed fields.",
        ));
    }
    let revision = super::revisions::latest_number(&txn, post_id).await?;
    let row = ActiveModel {
        post_id: Set(post_id),
        revision: Set(revision),
        field: Set(form.field.clone()),
        body: Set(body.to_string()),
        author_id: Set(Some(by.user.id)),
        created_at: Set(now()),
        resolved_by_id: Set(None),
        resolved_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        audit::of(
            audit::Action::PostReviewComment,
            by,
            post_id,
            None,
            Some(
                json!({"comment": row.id, "field": row.field, "revision": revision, "body": body}),
            ),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Marks comment `id` of post `post_id` resolved by `by`. Audited as
/// `post.review_comment_resolve`.
///
/// # Errors
/// [`WriteError::Auth`], [`WriteError::Field`] when it is resolved already,
/// [`WriteError::NotFound`] (also for a comment of another post), or a database error.
pub async fn resolve<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    post_id: i32,
    id: i32,
) -> Result<Model, WriteError> {
    let txn = crate::db::begin_write(db).await?;
    let post = crate::models::write::found::<super::Entity, _>(&txn, post_id).await?;
    may_discuss(by, &post)?;
    let comment = crate::models::write::found::<Entity, _>(&txn, id).await?;
    if comment.post_id != post_id {
        return Err(WriteError::NotFound);
    }
    if comment.resolved_at.is_some() {
        return Err(WriteError::field(
            "__all__",
            "This comment is resolved already.",
        ));
    }
    let res = Entity::update_many()
        .col_expr(
            Column::ResolvedById,
            sea_orm::sea_query::Expr::value(by.user.id),
        )
        .col_expr(Column::ResolvedAt, sea_orm::sea_query::Expr::value(now()))
        .filter(Column::Id.eq(id))
        .filter(Column::ResolvedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(WriteError::field(
            "__all__",
            "This comment is resolved already.",
        ));
    }
    audit::record(
        &txn,
        meta,
        audit::of(
            audit::Action::PostReviewCommentResolve,
            by,
            post.id,
            Some(json!({"comment": id, "resolved": false})),
            Some(json!({"comment": id, "resolved": true})),
        ),
    )
    .await?;
    let saved = crate::models::write::found::<Entity, _>(&txn, id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Post `post_id`'s comments, open ones first, oldest first within each.
///
/// # Errors
/// Database errors.
pub async fn list<C: ConnectionTrait>(db: &C, post_id: i32) -> Result<Vec<Model>, sea_orm::DbErr> {
    let mut rows = Entity::find()
        .filter(Column::PostId.eq(post_id))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    rows.sort_by_key(|c| c.resolved_at.is_some());
    Ok(rows)
}

/// The name of a comment's field.
#[must_use]
pub fn field_name(field: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map_or("The post as a whole", |(_, n)| n)
}
