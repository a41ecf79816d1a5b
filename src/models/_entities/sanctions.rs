use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "sanctions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// `warn`, `silence`, `suspend` or `ban`.
    pub kind: String,
    pub case_id: Option<i32>,
    pub moderator_id: Option<i32>,
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub starts_at: DateTimeWithTimeZone,
    /// When a silence or suspension ends; none: until lifted.
    pub ends_at: Option<DateTimeWithTimeZone>,
    /// When the strike stops counting.
    pub strike_expires_at: DateTimeWithTimeZone,
    /// The account status before a suspension or ban, restored when it is lifted.
    pub previous_status: String,
    pub lifted_at: Option<DateTimeWithTimeZone>,
    pub lifted_by_id: Option<i32>,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}
