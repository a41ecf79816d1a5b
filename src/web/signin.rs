//! Signing in and out. One mechanism for staff (`/admin/login`) and readers (`/login`), and
//! the same throttling for guesses of the current password when changing it.
use chrono::{DateTime, FixedOffset};
use loco_rs::app::AppContext;

use crate::{actor::RequestMeta, auth::passwords};
use crate::{
    models::{
        audit::{self, Who},
        comments::hash_ip,
        login_attempts, sessions,
        users::{self, Role},
    },
    settings::Settings,
};

/// Why sign-in failed. `Invalid` is the same for an unknown address, a wrong password, a
/// suspended account and a reader at the staff door, so the answer reveals nothing.
#[derive(Debug)]
pub enum SignInError {
    Invalid,
    Locked { until: DateTime<FixedOffset> },
    Db(sea_orm::DbErr),
}

impl From<sea_orm::DbErr> for SignInError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Db(e)
    }
}

/// Checks the credentials, records the attempt and the audit row, and on success replaces
/// `current` with a new signed-in session. Every outcome but a lock makes the same work: one
/// account lookup, one password verification (see [`passwords::verify_password`]), one
/// attempt row and one audit row, so timing does not tell whether an address has an account.
///
/// # Errors
/// [`SignInError`].
pub async fn sign_in(
    ctx: &AppContext,
    settings: &Settings,
    email: &str,
    password: &str,
    staff: bool,
    current: Option<&sessions::Model>,
    meta: &RequestMeta,
) -> Result<(sessions::Started, users::Model), SignInError> {
    let cfg = &settings.security;
    let key = login_attempts::email_key(email);
    let ip_hash = hash_ip(&settings.secret_key, &meta.ip);
    let typed: String = email.trim().chars().take(254).collect();
    if let Some(until) = login_attempts::locked_until(&ctx.db, &key, &ip_hash, cfg).await? {
        let txn = crate::db::begin_write(&ctx.db).await?;
        audit::record(&txn, meta, audit::sign_in_locked(&typed)).await?;
        txn.commit().await?;
        return Err(SignInError::Locked { until });
    }
    let user = users::Model::find_by_email(&ctx.db, email).await?;
    let password_ok = passwords::verify_password(
        cfg,
        user.as_ref().and_then(|u| u.password_hash.as_deref()),
        password,
    );
    let allowed = user.as_ref().is_some_and(|u| {
        u.status == users::UserStatus::Active.as_str() && (!staff || u.role() != Role::Member)
    });
    let txn = crate::db::begin_write(&ctx.db).await?;
    match user {
        Some(user) if password_ok && allowed => {
            login_attempts::record(&txn, &key, &ip_hash, true).await?;
            let started = sessions::rotate(&txn, current, Some(user.id), meta, cfg).await?;
            let door = if staff {
                audit::SignInDoor::Admin
            } else {
                audit::SignInDoor::Site
            };
            audit::record(
                &txn,
                meta,
                audit::signed_in(Who::user(&user), user.id, door),
            )
            .await?;
            txn.commit().await?;
            Ok((started, user))
        }
        _ => {
            login_attempts::record(&txn, &key, &ip_hash, false).await?;
            audit::record(&txn, meta, audit::sign_in_failed(&typed)).await?;
            txn.commit().await?;
            Err(SignInError::Invalid)
        }
    }
}

/// Ends the session and records it.
///
/// # Errors
/// Database errors.
pub async fn sign_out(
    ctx: &AppContext,
    session: &sessions::Model,
    who: Option<Who>,
    meta: &RequestMeta,
) -> Result<(), sea_orm::DbErr> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    sessions::end(&txn, session.id).await?;
    if let Some(who) = who {
        audit::record(&txn, meta, audit::signed_out(who)).await?;
    }
    txn.commit().await
}

/// Why a password change was refused.
#[derive(Debug)]
pub enum PasswordChangeError {
    /// Too many wrong guesses of the current password (or failed sign-ins) for this account
    /// or from this IP.
    Locked {
        until: DateTime<FixedOffset>,
    },
    Account(users::AccountError),
}

impl From<sea_orm::DbErr> for PasswordChangeError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Account(users::AccountError::Db(e))
    }
}

/// Changes `user`'s password after checking `current`, throttled as sign-in is: a lock
/// refuses before any check; a wrong guess is recorded as a failed attempt (for the account
/// and for the IP) with an audit row; a success ends the account's count.
///
/// # Errors
/// [`PasswordChangeError`].
pub async fn change_password(
    ctx: &AppContext,
    settings: &Settings,
    user: &users::Model,
    current: &str,
    new_password: &str,
    keep_session: i32,
    meta: &RequestMeta,
) -> Result<users::Model, PasswordChangeError> {
    let cfg = &settings.security;
    let key = login_attempts::email_key(&user.email);
    let ip_hash = hash_ip(&settings.secret_key, &meta.ip);
    if let Some(until) = login_attempts::locked_until(&ctx.db, &key, &ip_hash, cfg).await? {
        let txn = crate::db::begin_write(&ctx.db).await?;
        audit::record(
            &txn,
            meta,
            audit::password_change_locked(Who::user(user), user.id),
        )
        .await?;
        txn.commit().await?;
        return Err(PasswordChangeError::Locked { until });
    }
    let result = user
        .change_password(
            &ctx.db,
            cfg,
            meta,
            users::PasswordChange {
                current: Some(current),
                new_password,
                keep_session: Some(keep_session),
                action: audit::Action::PasswordChange,
            },
        )
        .await;
    match &result {
        Err(users::AccountError::WrongPassword) => {
            let txn = crate::db::begin_write(&ctx.db).await?;
            login_attempts::record(&txn, &key, &ip_hash, false).await?;
            audit::record(
                &txn,
                meta,
                audit::password_change_failed(Who::user(user), user.id),
            )
            .await?;
            txn.commit().await?;
        }
        Ok(_) => login_attempts::record(&ctx.db, &key, &ip_hash, true).await?,
        Err(_) => {}
    }
    result.map_err(PasswordChangeError::Account)
}

/// Lifts a lockout for an address (an admin's "unlock"): a success marker resets the count.
///
/// # Errors
/// Database errors.
pub async fn unlock(
    ctx: &AppContext,
    actor: &crate::actor::Actor,
    target: &users::Model,
    meta: &RequestMeta,
) -> Result<(), sea_orm::DbErr> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    login_attempts::record(&txn, &login_attempts::email_key(&target.email), "", true).await?;
    audit::record(&txn, meta, audit::person_unlocked(actor, target.id)).await?;
    txn.commit().await
}
