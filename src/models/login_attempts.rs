//! Sign-in throttling: every attempt (a sign-in, or a guess of the current password when
//! changing it) is recorded by a hash of the address typed and of the sender's IP. Too many
//! failures within the window lock sign-in for that account name (whether or not it exists,
//! so locking reveals nothing) or for that IP. An account's count starts again after its
//! own success; an IP's does not: one good sign-in from an address does not wipe the
//! failures of every guess made from it.
use chrono::{DateTime, Duration, FixedOffset};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};

pub use super::_entities::login_attempts::{ActiveModel, Column, Entity, Model};
use super::now;
use crate::{auth::tokens::hash_token, settings::Security};

impl ActiveModelBehavior for ActiveModel {}

/// The key an address is throttled under.
#[must_use]
pub fn email_key(email: &str) -> String {
    hash_token(&email.trim().to_lowercase())
}

/// Records one attempt.
///
/// # Errors
/// When the row cannot be written.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    email_key: &str,
    ip_hash: &str,
    succeeded: bool,
) -> Result<(), DbErr> {
    ActiveModel {
        email_key: Set(email_key.to_string()),
        ip_hash: Set(ip_hash.to_string()),
        succeeded: Set(succeeded),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// Which attempts count toward a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counting {
    /// Failures since the last success (or unlock): an account name.
    SinceSuccess,
    /// Every failure in the window: an IP, whatever succeeded from it meanwhile.
    AllFailures,
}

async fn locked_by<C: ConnectionTrait>(
    db: &C,
    column: Column,
    key: &str,
    max: u64,
    counting: Counting,
    cfg: &Security,
) -> Result<Option<DateTime<FixedOffset>>, DbErr> {
    let since = now() - Duration::minutes(cfg.lockout_window_minutes.max(cfg.lockout_minutes));
    let recent = Entity::find()
        .filter(column.eq(key))
        .filter(Column::CreatedAt.gt(since))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .all(db)
        .await?;
    let failures: Vec<&Model> = match counting {
        Counting::SinceSuccess => recent.iter().take_while(|a| !a.succeeded).collect(),
        Counting::AllFailures => recent.iter().filter(|a| !a.succeeded).collect(),
    };
    let window_start = now() - Duration::minutes(cfg.lockout_window_minutes);
    let in_window = failures
        .iter()
        .filter(|a| a.created_at > window_start)
        .count() as u64;
    if in_window < max {
        return Ok(None);
    }
    let until = failures
        .first()
        .map(|a| a.created_at + Duration::minutes(cfg.lockout_minutes));
    Ok(until.filter(|u| *u > now()))
}

/// When sign-in opens again for this account name or address, if it is locked now.
///
/// # Errors
/// When the database cannot be queried.
pub async fn locked_until<C: ConnectionTrait>(
    db: &C,
    email_key: &str,
    ip_hash: &str,
    cfg: &Security,
) -> Result<Option<DateTime<FixedOffset>>, DbErr> {
    let by_account = locked_by(
        db,
        Column::EmailKey,
        email_key,
        cfg.max_failures_per_account,
        Counting::SinceSuccess,
        cfg,
    )
    .await?;
    let by_ip = locked_by(
        db,
        Column::IpHash,
        ip_hash,
        cfg.max_failures_per_ip,
        Counting::AllFailures,
        cfg,
    )
    .await?;
    Ok(by_account.into_iter().chain(by_ip).max())
}
