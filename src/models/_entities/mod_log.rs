use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "mod_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub action: String,
    pub case_id: Option<i32>,
    pub target_type: String,
    pub target_id: Option<i32>,
    /// The person the action concerns (the content's author, the sanctioned person).
    pub subject_id: Option<i32>,
    /// Who acted; none for the system (auto-hide, expiry).
    pub moderator_id: Option<i32>,
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    #[sea_orm(column_type = "Text")]
    pub details: String,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}
