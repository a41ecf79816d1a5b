//! Tags group posts by subject; each has a public page and a slug.
use std::collections::HashMap;

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr,
    EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use validator::Validate;

use super::_entities::post_tags;
pub use super::_entities::tags::{ActiveModel, Column, Entity, Model};
use super::{now, slug};

#[derive(Debug, Clone, Default, serde::Deserialize, Validate)]
pub struct TagForm {
    #[validate(length(min = 1, max = 60, message = "Enter a tag name of 1 to 60 characters."))]
    pub name: String,
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
