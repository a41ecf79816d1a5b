//! Single-use tokens mailed to people: email verification and password reset. Only the hash
//! is stored; a token works once, before it expires, for the purpose it was made for.
use chrono::Duration;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter,
};

pub use super::_entities::user_tokens::{ActiveModel, Column, Entity, Model};
use super::now;
use crate::auth::tokens;

impl ActiveModelBehavior for ActiveModel {}

pub const VERIFY_EMAIL: &str = "verify_email";
pub const RESET_PASSWORD: &str = "reset_password";
/// A staff invitation: the link sets the first password.
pub const INVITATION: &str = "invitation";
/// A suspended or banned person's appeal link (docs/moderation.md): it shows their standing
/// and files appeals, for the appeal window; it signs nobody in.
pub const APPEAL: &str = "appeal";

/// Voids one token (a link that was minted but never reached anyone).
///
/// # Errors
/// When the row cannot be written.
pub async fn void<C: ConnectionTrait>(db: &C, token: &str) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::UsedAt, sea_orm::sea_query::Expr::value(now()))
        .filter(Column::TokenHash.eq(tokens::hash_token(token)))
        .filter(Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Issues a token of `kind` for `user_id`, valid for `ttl`. Earlier unused tokens of the same
/// kind stop working.
///
/// # Errors
/// When the rows cannot be written.
pub async fn issue<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    kind: &str,
    ttl: Duration,
) -> Result<String, DbErr> {
    let ts = now();
    Entity::update_many()
        .col_expr(Column::UsedAt, sea_orm::sea_query::Expr::value(ts))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Kind.eq(kind))
        .filter(Column::UsedAt.is_null())
        .exec(db)
        .await?;
    let token = tokens::random_token();
    ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.to_string()),
        token_hash: Set(tokens::hash_token(&token)),
        expires_at: Set(ts + ttl),
        used_at: Set(None),
        created_at: Set(ts),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Why a token was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Used,
    Expired,
}

/// Marks the token used and returns its user, if it is of `kind`, unused and unexpired.
///
/// # Errors
/// The [`TokenProblem`] inside `Ok(Err(..))`; database errors outside.
pub async fn consume<C: ConnectionTrait>(
    db: &C,
    token: &str,
    kind: &str,
) -> Result<Result<i32, TokenProblem>, DbErr> {
    let found = Entity::find()
        .filter(Column::TokenHash.eq(tokens::hash_token(token)))
        .filter(Column::Kind.eq(kind))
        .one(db)
        .await?;
    let Some(row) = found else {
        return Ok(Err(TokenProblem::Unknown));
    };
    if row.used_at.is_some() {
        return Ok(Err(TokenProblem::Used));
    }
    if row.expires_at <= now() {
        return Ok(Err(TokenProblem::Expired));
    }
    // Only one request can flip used_at from NULL: a racing second use finds 0 rows.
    let res = Entity::update_many()
        .col_expr(Column::UsedAt, sea_orm::sea_query::Expr::value(now()))
        .filter(Column::Id.eq(row.id))
        .filter(Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Ok(Err(TokenProblem::Used));
    }
    Ok(Ok(row.user_id))
}

/// Whether a token is currently usable, without using it (to show the reset form).
///
/// # Errors
/// Database errors.
pub async fn check<C: ConnectionTrait>(
    db: &C,
    token: &str,
    kind: &str,
) -> Result<Result<i32, TokenProblem>, DbErr> {
    let found = Entity::find()
        .filter(Column::TokenHash.eq(tokens::hash_token(token)))
        .filter(Column::Kind.eq(kind))
        .one(db)
        .await?;
    Ok(match found {
        None => Err(TokenProblem::Unknown),
        Some(r) if r.used_at.is_some() => Err(TokenProblem::Used),
        Some(r) if r.expires_at <= now() => Err(TokenProblem::Expired),
        Some(r) => Ok(r.user_id),
    })
}

/// What became of setting a password by a mailed link.
#[derive(Debug)]
pub enum PasswordByLink {
    /// The password is set; every session of the account was ended.
    Set(Box<super::users::Model>),
    /// The link cannot be used (nothing changed).
    Refused(TokenProblem),
    /// The password is too weak (nothing changed; the link still works).
    Weak(String),
}

/// Sets `password` for the account a link of `kind` was made for, using the link up: the
/// one path behind password resets and accepted invitations. The token is used before the
/// password is written, so of two racing requests only one sets it.
///
/// # Errors
/// Database and hashing errors.
pub async fn set_password_by_link(
    db: &sea_orm::DatabaseConnection,
    cfg: &crate::settings::Security,
    meta: &crate::auth::RequestMeta,
    token: &str,
    kind: &str,
    password: &str,
    action: super::audit::Action,
) -> Result<PasswordByLink, super::users::AccountError> {
    let user_id = match check(db, token, kind).await? {
        Ok(id) => id,
        Err(p) => return Ok(PasswordByLink::Refused(p)),
    };
    let Some(user) = super::users::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(PasswordByLink::Refused(TokenProblem::Unknown));
    };
    if let Some(why) = crate::auth::passwords::weakness(password, &user.email) {
        return Ok(PasswordByLink::Weak(why));
    }
    if let Err(p) = consume(db, token, kind).await? {
        return Ok(PasswordByLink::Refused(p));
    }
    let user = user
        .change_password(
            db,
            cfg,
            meta,
            super::users::PasswordChange {
                current: None,
                new_password: password,
                keep_session: None,
                action,
            },
        )
        .await?;
    Ok(PasswordByLink::Set(Box::new(user)))
}
