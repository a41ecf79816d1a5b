use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "mod_cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub target_type: String,
    pub target_id: i32,
    pub status: String,
    #[sea_orm(column_type = "Double")]
    pub score: f64,
    pub priority: String,
    pub hidden: bool,
    #[sea_orm(column_type = "Text")]
    pub score_inputs: String,
    pub claimed_by_id: Option<i32>,
    pub claim_expires_at: Option<DateTimeWithTimeZone>,
    pub assigned_to_id: Option<i32>,
    pub reviewed_fine_hash: Option<String>,
    pub opened_at: DateTimeWithTimeZone,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
    pub lock_version: i32,
    /// A moderator removed the target (hidden from readers, kept for the record).
    pub removed: bool,
    /// Who wrote the target (none for a guest's comment).
    pub author_id: Option<i32>,
    pub decided_by_id: Option<i32>,
    pub decided_at: Option<DateTimeWithTimeZone>,
    /// The reasons and sources of its flags, each once (`|r:spam||s:report|`), for the
    /// queue's filters (`moderation::tags`).
    #[sea_orm(column_type = "Text")]
    pub flag_tags: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}
