//! Server-side sessions. The browser holds a random token; the table holds its hash, the
//! CSRF token, the user (if signed in) and the idle and absolute deadlines.
use chrono::Duration;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter,
};

pub use super::_entities::sessions::{ActiveModel, Column, Entity, Model};
use super::{now, users};
use crate::{
    auth::{RequestMeta, tokens},
    settings::Security,
};

impl ActiveModelBehavior for ActiveModel {}

/// A session and the token the browser keeps for it (shown once, never stored).
pub struct Started {
    pub token: String,
    pub session: Model,
}

/// Starts a session, anonymous (`user_id` None: it only carries a CSRF token for sign-in
/// forms) or signed in.
///
/// # Errors
/// When the row cannot be written.
pub async fn start<C: ConnectionTrait>(
    db: &C,
    user_id: Option<i32>,
    meta: &RequestMeta,
    cfg: &Security,
) -> Result<Started, DbErr> {
    let token = tokens::random_token();
    let ts = now();
    let session = ActiveModel {
        token_hash: Set(tokens::hash_token(&token)),
        user_id: Set(user_id),
        csrf_token: Set(tokens::random_token()),
        data: Set("{}".into()),
        ip: Set(meta.ip.chars().take(64).collect()),
        user_agent: Set(meta.user_agent.chars().take(255).collect()),
        created_at: Set(ts),
        last_seen_at: Set(ts),
        expires_at: Set(ts + Duration::minutes(cfg.session_idle_minutes)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Started { token, session })
}

/// Ends `old` and starts a new session for `user_id`: a new id and a new CSRF token, so a
/// token planted before sign-in (session fixation) is worthless after it.
///
/// # Errors
/// When the rows cannot be written.
pub async fn rotate<C: ConnectionTrait>(
    db: &C,
    old: Option<&Model>,
    user_id: Option<i32>,
    meta: &RequestMeta,
    cfg: &Security,
) -> Result<Started, DbErr> {
    if let Some(old) = old {
        Entity::delete_by_id(old.id).exec(db).await?;
    }
    start(db, user_id, meta, cfg).await
}

/// The live session for `token` and its user, or `None` when it is unknown, idle too long,
/// past its absolute lifetime, or its user may no longer sign in (expired rows are removed).
///
/// # Errors
/// When the database cannot be queried.
pub async fn find_live<C: ConnectionTrait>(
    db: &C,
    token: &str,
    cfg: &Security,
) -> Result<Option<(Model, Option<users::Model>)>, DbErr> {
    let Some(session) = Entity::find()
        .filter(Column::TokenHash.eq(tokens::hash_token(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let ts = now();
    let absolute_end = session.created_at + Duration::hours(cfg.session_absolute_hours);
    if session.expires_at <= ts || absolute_end <= ts {
        Entity::delete_by_id(session.id).exec(db).await?;
        return Ok(None);
    }
    let user = match session.user_id {
        Some(id) => match users::Entity::find_by_id(id).one(db).await? {
            Some(u) if u.status == users::UserStatus::Active.as_str() => Some(u),
            _ => {
                Entity::delete_by_id(session.id).exec(db).await?;
                return Ok(None);
            }
        },
        None => None,
    };
    // Slide the idle deadline, at most once a minute per session to spare writes.
    let session = if ts - session.last_seen_at > Duration::seconds(60) {
        let mut active: ActiveModel = session.into();
        active.last_seen_at = Set(ts);
        active.expires_at = Set(ts + Duration::minutes(cfg.session_idle_minutes));
        active.update(db).await?
    } else {
        session
    };
    Ok(Some((session, user)))
}

/// Ends one session.
///
/// # Errors
/// When the row cannot be deleted.
pub async fn end<C: ConnectionTrait>(db: &C, id: i32) -> Result<(), DbErr> {
    Entity::delete_by_id(id).exec(db).await.map(|_| ())
}

/// Ends every session of a user but `except` (password change, suspension, role change).
///
/// # Errors
/// When the rows cannot be deleted.
pub async fn end_all_for_user<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    except: Option<i32>,
) -> Result<u64, DbErr> {
    let mut q = Entity::delete_many().filter(Column::UserId.eq(user_id));
    if let Some(id) = except {
        q = q.filter(Column::Id.ne(id));
    }
    Ok(q.exec(db).await?.rows_affected)
}
