//! Sanctions on people: warn, silence (may not comment) for a period, suspend, ban. Each is a
//! strike linked to the case it came from; strikes stop counting when they expire.
use chrono::{DateTime, FixedOffset};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

pub use crate::models::_entities::sanctions::{self as entity, Model as Sanction};
use crate::models::now;

impl sea_orm::ActiveModelBehavior for entity::ActiveModel {}

string_enum! {
    /// What a sanction does.
    pub enum Kind {
        Warn => "warn",
        Silence => "silence",
        Suspend => "suspend",
        Ban => "ban",
    }
}

/// Until when `user_id` may not comment: the latest end of their silences, suspensions and
/// bans in force (`Some(None)`: until lifted), or `None` when they may comment.
///
/// # Errors
/// Database errors.
pub async fn silenced_until<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
) -> Result<Option<Option<DateTime<FixedOffset>>>, DbErr> {
    let at = now();
    let active = entity::Entity::find()
        .filter(entity::Column::UserId.eq(user_id))
        .filter(entity::Column::Kind.is_in([
            Kind::Silence.as_str(),
            Kind::Suspend.as_str(),
            Kind::Ban.as_str(),
        ]))
        .filter(entity::Column::LiftedAt.is_null())
        .filter(entity::Column::StartsAt.lte(at))
        .filter(
            Condition::any()
                .add(entity::Column::EndsAt.is_null())
                .add(entity::Column::EndsAt.gt(at)),
        )
        .order_by_desc(entity::Column::EndsAt)
        .all(db)
        .await?;
    if active.is_empty() {
        return Ok(None);
    }
    if active.iter().any(|s| s.ends_at.is_none()) {
        return Ok(Some(None));
    }
    Ok(Some(active.iter().filter_map(|s| s.ends_at).max()))
}
