use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "appeals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub appellant_id: i32,
    pub sanction_id: Option<i32>,
    /// The case whose removal is appealed.
    pub removal_case_id: Option<i32>,
    /// Who took the action appealed; they may not decide the appeal.
    pub original_moderator_id: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// The content as it was when the appeal was made.
    #[sea_orm(column_type = "Text")]
    pub snapshot: String,
    /// `pending`, `upheld` or `denied`.
    pub status: String,
    pub decided_by_id: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub decision_note: String,
    pub decided_at: Option<DateTimeWithTimeZone>,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}
