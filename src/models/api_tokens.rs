//! Personal API tokens: shown once at creation, stored as a hash, scoped to read or write,
//! optionally expiring, revocable, and stamped with when they were last used.
use chrono::{DateTime, Duration, FixedOffset};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};
use serde::Deserialize;
use validator::Validate;

pub use super::_entities::api_tokens::{ActiveModel, Column, Entity, Model};
use super::{audit, now, users};
use crate::auth::{Actor, RequestMeta, tokens};

impl ActiveModelBehavior for ActiveModel {}

/// Every token starts with this, so leaked tokens are easy to search for.
pub const PREFIX: &str = "cdk_";

fn validate_scope(s: &str) -> Result<(), validator::ValidationError> {
    if s == "read" || s == "write" {
        Ok(())
    } else {
        Err(validator::ValidationError::new("scope").with_message("Choose read or write.".into()))
    }
}

#[derive(Debug, Clone, Default, Deserialize, Validate)]
pub struct TokenForm {
    #[validate(length(
        min = 1,
        max = 100,
        message = "Name the token (1 to 100 characters), e.g. the script that uses it."
    ))]
    #[serde(default)]
    pub name: String,
    #[validate(custom(function = "validate_scope"))]
    #[serde(default)]
    pub scope: String,
    /// Days until it expires; empty for never.
    #[serde(default)]
    pub expires_in_days: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("invalid input")]
    Invalid(#[from] validator::ValidationErrors),
    #[error("expiry must be a whole number of days from 1 to 3650")]
    BadExpiry,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Creates a token for `actor`; returns the token text (shown once) and the row.
///
/// # Errors
/// [`TokenError`] for bad input; database errors.
pub async fn create<C: TransactionTrait>(
    db: &C,
    actor: &Actor,
    meta: &RequestMeta,
    form: &TokenForm,
) -> Result<(String, Model), TokenError> {
    form.validate()?;
    let expires_at: Option<DateTime<FixedOffset>> = match form.expires_in_days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) if (1..=3650).contains(&n) => Some(now() + Duration::days(n)),
            _ => return Err(TokenError::BadExpiry),
        },
    };
    let token = format!("{PREFIX}{}", tokens::random_token());
    let txn = crate::db::begin_write(db).await?;
    let row = ActiveModel {
        user_id: Set(actor.user.id),
        name: Set(form.name.trim().to_string()),
        token_hash: Set(tokens::hash_token(&token)),
        scope: Set(form.scope.clone()),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        audit::api_token_created(
            actor,
            row.id,
            serde_json::json!({"name": row.name, "scope": row.scope, "expires_at": row.expires_at}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok((token, row))
}

/// Revokes a token (idempotent).
///
/// # Errors
/// Database errors.
pub async fn revoke<C: TransactionTrait>(
    db: &C,
    actor: &Actor,
    meta: &RequestMeta,
    token: &Model,
) -> Result<(), DbErr> {
    if token.revoked_at.is_some() {
        return Ok(());
    }
    let txn = crate::db::begin_write(db).await?;
    let mut active: ActiveModel = token.clone().into();
    active.revoked_at = Set(Some(now()));
    active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        audit::api_token_revoked(
            actor,
            token.id,
            serde_json::json!({"revoked": false}),
            serde_json::json!({"revoked": true}),
        ),
    )
    .await?;
    txn.commit().await
}

/// Revokes every live token of `user_id`: a change of role or status ends them, as it ends
/// the person's sessions. Returns how many were live.
///
/// # Errors
/// Database errors.
pub async fn revoke_all_for_user<C: ConnectionTrait>(db: &C, user_id: i32) -> Result<u64, DbErr> {
    let res = Entity::update_many()
        .col_expr(Column::RevokedAt, sea_orm::sea_query::Expr::value(now()))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// The token's row and its owner when `token` is live (not revoked, not expired, owner
/// active); stamps `last_used_at` at most once a minute.
///
/// # Errors
/// Database errors.
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    token: &str,
) -> Result<Option<(Model, users::Model)>, DbErr> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(row) = Entity::find()
        .filter(Column::TokenHash.eq(tokens::hash_token(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let ts = now();
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|e| e <= ts) {
        return Ok(None);
    }
    let Some(user) = users::Entity::find_by_id(row.user_id).one(db).await? else {
        return Ok(None);
    };
    // An owner who may no longer hold tokens (a reader) has none that work.
    if user.status != users::UserStatus::Active.as_str()
        || crate::auth::permissions::grant(user.role(), crate::auth::Capability::API_TOKENS_ADD)
            .is_none()
    {
        return Ok(None);
    }
    let row = if row
        .last_used_at
        .is_none_or(|t| ts - t > Duration::seconds(60))
    {
        let mut active: ActiveModel = row.into();
        active.last_used_at = Set(Some(ts));
        active.update(db).await?
    } else {
        row
    };
    Ok(Some((row, user)))
}

/// Tokens `user_id` owns, newest first; all tokens for `None`.
///
/// # Errors
/// Database errors.
pub async fn list<C: ConnectionTrait>(db: &C, user_id: Option<i32>) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find().order_by_desc(Column::CreatedAt);
    if let Some(id) = user_id {
        q = q.filter(Column::UserId.eq(id));
    }
    q.all(db).await
}
