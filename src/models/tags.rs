//! Tags group posts by subject; each has a public page and a slug.
use std::collections::HashMap;

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr,
    EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait, TransactionSession,
    TransactionTrait,
};
use validator::Validate;

use super::_entities::post_tags;
pub use super::_entities::tags::{ActiveModel, Column, Entity, Model};
use super::{WriteError, audit, now, slug};
use crate::{
    actor::{Actor, RequestMeta},
    auth::Capability,
};

/// The longest tag name.
pub const MAX_NAME: usize = 100;

#[derive(Debug, Clone, Default, serde::Deserialize, Validate)]
pub struct TagForm {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
}

fn validate_name(name: &str) -> Result<(), validator::ValidationError> {
    let n = name.trim().chars().count();
    if n == 0 || n > MAX_NAME {
        return Err(validator::ValidationError::new("length")
            .with_message(format!("Enter a tag name of 1 to {MAX_NAME} characters.").into()));
    }
    super::input::no_nul(name)
}

fn validate_slug(slug: &str) -> Result<(), validator::ValidationError> {
    let s = slug.trim();
    if s.chars().count() > 100 {
        return Err(validator::ValidationError::new("length")
            .with_message("Keep the slug under 100 characters.".into()));
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(validator::ValidationError::new("slug").with_message(
            "Use lowercase letters, digits and dashes, or leave it empty to make one from the name."
                .into(),
        ));
    }
    Ok(())
}

/// What staff fill in to make or change a tag: its name, and its address (made from the
/// name when left empty).
#[derive(Debug, Clone, Default, serde::Deserialize, Validate)]
pub struct TagEdit {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    #[validate(custom(function = "validate_slug"))]
    #[serde(default)]
    pub slug: String,
}

fn audit_view(t: &Model) -> serde_json::Value {
    serde_json::json!({"name": t.name, "slug": t.slug})
}

/// The slug `edit` asks for, made unique (`-2`, `-3`, …) among the other tags.
async fn wanted_slug<C: ConnectionTrait>(
    db: &C,
    edit: &TagEdit,
    except: Option<i32>,
) -> Result<String, DbErr> {
    let wanted = match edit.slug.trim() {
        "" => slug::slugify(&edit.name, "tag"),
        s => s.to_string(),
    };
    slug::unique_slug::<Entity, _>(db, Column::Slug, Column::Id, &wanted, except).await
}

/// Makes a tag for `by` (`tags.add`). Audited as `tag.add`.
///
/// # Errors
/// [`WriteError::Invalid`], [`WriteError::Auth`], or a database error.
pub async fn create<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    edit: &TagEdit,
) -> Result<Model, WriteError> {
    by.require(Capability::TAGS_ADD)?;
    edit.validate()?;
    let txn = crate::db::begin_write(db).await?;
    let tag = ActiveModel {
        name: Set(edit.name.trim().to_string()),
        slug: Set(wanted_slug(&txn, edit, None).await?),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, meta, audit::tag_added(by, tag.id, audit_view(&tag))).await?;
    txn.commit().await?;
    Ok(tag)
}

/// Renames tag `id` or changes its address, for `by` (`tags.change`). Audited as
/// `tag.change`.
///
/// # Errors
/// [`WriteError::Invalid`], [`WriteError::Auth`], [`WriteError::NotFound`], or a database
/// error.
pub async fn update<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
    edit: &TagEdit,
) -> Result<Model, WriteError> {
    by.require(Capability::TAGS_CHANGE)?;
    edit.validate()?;
    let txn = crate::db::begin_write(db).await?;
    let current = crate::models::write::found::<Entity, _>(&txn, id).await?;
    let mut tag: ActiveModel = current.clone().into();
    tag.name = Set(edit.name.trim().to_string());
    tag.slug = Set(wanted_slug(&txn, edit, Some(id)).await?);
    let saved = tag.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        audit::tag_changed(by, id, audit_view(&current), audit_view(&saved)),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes tag `id` for `by` (`tags.delete`); posts lose the tag, nothing else. Audited as
/// `tag.delete`.
///
/// # Errors
/// [`WriteError::Auth`], [`WriteError::NotFound`], or a database error.
pub async fn delete<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
) -> Result<(), WriteError> {
    by.require(Capability::TAGS_DELETE)?;
    super::write::delete_audited::<Entity, _>(
        db,
        meta,
        id,
        |_| Ok(()),
        |t| audit::tag_deleted(by, id, audit_view(t)),
    )
    .await
}

impl Model {
    /// Creates a tag, or returns the one with the same slug.
    ///
    /// # Errors
    /// When the name is empty or too long, or the database fails.
    pub async fn find_or_create<C: ConnectionTrait>(
        db: &C,
        form: &TagForm,
    ) -> Result<Self, super::posts::PostError> {
        form.validate()?;
        let slug = slug::slugify(&form.name, "tag");
        if let Some(tag) = Self::find_by_slug(db, &slug).await? {
            return Ok(tag);
        }
        let tag = ActiveModel {
            name: Set(form.name.trim().to_string()),
            slug: Set(slug),
            ..Default::default()
        };
        Ok(tag.insert(db).await?)
    }

    /// # Errors
    /// When the database cannot be queried.
    pub async fn find_by_slug<C: ConnectionTrait>(
        db: &C,
        slug: &str,
    ) -> Result<Option<Self>, DbErr> {
        Entity::find().filter(Column::Slug.eq(slug)).one(db).await
    }

    /// The tags of each post in `post_ids`, by name, in one query (no N+1 on list pages).
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn for_posts<C: ConnectionTrait>(
        db: &C,
        post_ids: &[i32],
    ) -> Result<HashMap<i32, Vec<Self>>, DbErr> {
        let mut out: HashMap<i32, Vec<Self>> = HashMap::new();
        if post_ids.is_empty() {
            return Ok(out);
        }
        let rows: Vec<(Self, Option<post_tags::Model>)> = Entity::find()
            .find_also_related(post_tags::Entity)
            .filter(post_tags::Column::PostId.is_in(post_ids.iter().copied()))
            .order_by_asc(Column::Name)
            .all(db)
            .await?;
        for (tag, link) in rows {
            if let Some(link) = link {
                out.entry(link.post_id).or_default().push(tag);
            }
        }
        Ok(out)
    }

    /// Tags that at least one publicly visible post carries, by name.
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn with_visible_posts<C: ConnectionTrait>(db: &C) -> Result<Vec<Self>, DbErr> {
        Entity::find()
            .join(
                JoinType::InnerJoin,
                super::_entities::tags::Relation::PostTags.def(),
            )
            .join(JoinType::InnerJoin, post_tags::Relation::Posts.def())
            .filter(super::posts::visible_condition())
            .distinct()
            .order_by_asc(Column::Name)
            .all(db)
            .await
    }
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        if insert {
            self.created_at = Set(now());
        }
        Ok(self)
    }
}
