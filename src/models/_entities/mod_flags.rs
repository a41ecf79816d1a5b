use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "mod_flags")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub case_id: i32,
    pub source: String,
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub reporter_id: Option<i32>,
    pub reporter_key: String,
    #[sea_orm(column_type = "Double")]
    pub weight: f64,
    #[sea_orm(column_type = "Double")]
    pub accuracy: f64,
    #[sea_orm(column_type = "Text")]
    pub snapshot: String,
    pub content_hash: String,
    pub counted: bool,
    pub outcome: String,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}
