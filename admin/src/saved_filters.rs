//! Saved filters ("query presets"): a named list query, kept per person, optionally shared
//! with everyone of a role. The engine owns this table; the application's migration creates
//! it with [`create_table`].
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Schema, Set,
    entity::prelude::*,
    sea_query::{Index, IndexCreateStatement, TableCreateStatement},
};
use serde::{Deserialize, Serialize};

use crate::AdminUser;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "admin_saved_filters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    /// `{section}/{slug}` of the list.
    pub resource: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub query: String,
    pub shared_role: Option<String>,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The key of a list.
#[must_use]
pub fn key(section: &str, slug: &str) -> String {
    format!("{section}/{slug}")
}

/// The table, for the application's migration.
#[must_use]
pub fn create_table(backend: sea_orm::DbBackend) -> (TableCreateStatement, IndexCreateStatement) {
    let schema = Schema::new(backend);
    let mut table = schema.create_table_from_entity(Entity);
    table.if_not_exists();
    let index = Index::create()
        .name("admin_saved_filters_resource")
        .table(Entity)
        .col(Column::Resource)
        .col(Column::OwnerId)
        .if_not_exists()
        .to_owned();
    (table, index)
}

/// The filters `user` sees on a list: their own, and those shared with their role.
///
/// # Errors
/// A database failure.
pub async fn visible<C: ConnectionTrait>(
    db: &C,
    user: &dyn AdminUser,
    section: &str,
    slug: &str,
) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::Resource.eq(key(section, slug)))
        .filter(
            Condition::any()
                .add(Column::OwnerId.eq(user.id()))
                .add(Column::SharedRole.eq(user.role())),
        )
        .order_by_asc(Column::Name)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Saves one.
///
/// # Errors
/// A database failure.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    owner_id: i64,
    section: &str,
    slug: &str,
    name: &str,
    query: &str,
    shared_role: Option<&str>,
) -> Result<Model, DbErr> {
    ActiveModel {
        owner_id: Set(owner_id),
        resource: Set(key(section, slug)),
        name: Set(name.to_string()),
        query: Set(query.to_string()),
        shared_role: Set(shared_role.map(str::to_string)),
        created_at: Set(chrono::Utc::now().fixed_offset()),
        ..Default::default()
    }
    .insert(db)
    .await
}
