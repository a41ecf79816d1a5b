use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "mod_reasons")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `decision`, `sanction` or `any`.
    pub applies: String,
    pub label: String,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub position: i32,
    pub active: bool,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}
