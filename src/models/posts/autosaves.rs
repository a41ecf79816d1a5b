//! Autosaves: while a post is open, its title, summary and body are saved every few
//! seconds into one autosave per person and post, kept apart from the post. An autosave never
//! writes the post, so it can never overwrite a newer save by someone else: typed over an
//! older version it is still kept, and marked so. Reopening the post offers the autosave;
//! putting it into the post is an ordinary save (a revision, audited, refused when stale).
//! Autosaves are each person's scratch copy: they are not audited; old ones are pruned
//! (`editorial.autosave_keep_days`), saved revisions never are.
use chrono::{DateTime, Duration, FixedOffset};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict,
};

pub use crate::models::_entities::post_autosaves::{ActiveModel, Column, Entity, Model};
use crate::{
    actor::{Actor, RequestMeta},
    auth::Capability,
    models::{WriteError, now},
    settings::Editorial,
};

impl sea_orm::ActiveModelBehavior for ActiveModel {}

/// The text an open editor sends.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Draft {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub body_markdown: String,
    /// The post's version the editor was opened at.
    pub lock_version: i32,
}

/// The longest text an autosave keeps (the body's limit on the post form is lower).
const MAX_CHARS: usize = 500_000;

/// What an autosave did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub at: DateTime<FixedOffset>,
    /// The post was saved (by anyone) since the editor was opened: the text is kept here,
    /// and the post is not touched.
    pub behind: bool,
}

/// Keeps `draft` as `by`'s autosave of post `post_id` (one per person and post, replaced).
///
/// # Errors
/// [`WriteError::Auth`] for someone who may not change the post, [`WriteError::Field`] for
/// text that cannot be kept, [`WriteError::NotFound`], or a database error.
pub async fn save<C: ConnectionTrait>(
    db: &C,
    by: &Actor,
    post_id: i32,
    draft: &Draft,
) -> Result<Saved, WriteError> {
    let post = crate::models::write::found::<super::Entity, _>(db, post_id).await?;
    by.require_for(Capability::POSTS_CHANGE, post.author_id)?;
    for (field, text) in [
        ("title", &draft.title),
        ("summary", &draft.summary),
        ("body_markdown", &draft.body_markdown),
    ] {
        if text.contains('\0') || text.chars().count() > MAX_CHARS {
            return Err(WriteError::field(
                field,
                "This text cannot be kept as it is.",
            ));
        }
    }
    let at = now();
    Entity::insert(ActiveModel {
        post_id: Set(post_id),
        user_id: Set(by.user.id),
        base_version: Set(draft.lock_version),
        title: Set(draft.title.clone()),
        summary: Set(draft.summary.clone()),
        body_markdown: Set(draft.body_markdown.clone()),
        saved_at: Set(at),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([Column::PostId, Column::UserId])
            .update_columns([
                Column::BaseVersion,
                Column::Title,
                Column::Summary,
                Column::BodyMarkdown,
                Column::SavedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(Saved {
        at,
        behind: post.lock_version > draft.lock_version,
    })
}

/// `by`'s autosave of post `post_id` when it holds text the post does not (offered on
/// reopening), else nothing.
///
/// # Errors
/// Database errors.
pub async fn offered<C: ConnectionTrait>(
    db: &C,
    by: &Actor,
    post: &super::Model,
) -> Result<Option<Model>, sea_orm::DbErr> {
    let found = Entity::find()
        .filter(Column::PostId.eq(post.id))
        .filter(Column::UserId.eq(by.user.id))
        .one(db)
        .await?;
    Ok(found.filter(|a| {
        a.title != post.title || a.summary != post.summary || a.body_markdown != post.body_markdown
    }))
}

/// Throws away `by`'s autosave of post `post_id`.
///
/// # Errors
/// Database errors.
pub async fn discard<C: ConnectionTrait>(
    db: &C,
    by: &Actor,
    post_id: i32,
) -> Result<(), sea_orm::DbErr> {
    Entity::delete_many()
        .filter(Column::PostId.eq(post_id))
        .filter(Column::UserId.eq(by.user.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Puts `by`'s autosave into post `post_id` (loaded at `lock_version`): an ordinary save of
/// its title, summary and body over the post as it stands (a revision, audited as
/// `post.change`), refused as [`WriteError::Stale`] when the post moved on. The autosave is
/// then gone.
///
/// # Errors
/// [`WriteError::NotFound`] when there is no autosave, and as [`super::update`].
pub async fn restore<C: sea_orm::TransactionTrait + ConnectionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    policy: &Editorial,
    post_id: i32,
    lock_version: i32,
) -> Result<super::Model, WriteError> {
    let post = crate::models::write::found::<super::Entity, _>(db, post_id).await?;
    let autosave = Entity::find()
        .filter(Column::PostId.eq(post_id))
        .filter(Column::UserId.eq(by.user.id))
        .one(db)
        .await?
        .ok_or(WriteError::NotFound)?;
    let tags = super::tag_names(db, post_id).await?;
    let mut form = super::PostForm::from_model(&post, tags);
    form.title = autosave.title;
    form.summary = autosave.summary;
    form.body_markdown = autosave.body_markdown;
    let saved = super::update(db, by, meta, policy, post_id, lock_version, &form).await?;
    Ok(saved)
}

/// Deletes autosaves untouched for `keep_days` days. Returns how many.
///
/// # Errors
/// Database errors.
pub async fn prune<C: ConnectionTrait>(db: &C, keep_days: i64) -> Result<u64, sea_orm::DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::SavedAt.lt(now() - Duration::days(keep_days)))
        .exec(db)
        .await?
        .rows_affected)
}
