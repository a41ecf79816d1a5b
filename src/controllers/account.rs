//! `/account`: anyone signed in changes their name, bio and password here.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use serde::Deserialize;
use serde_json::json;

use crate::{
    actor::{Actor, RequestMeta, Via},
    errors::{AppError, AppResult},
    models::{
        mail, notifications, sessions,
        users::{AccountError, ProfileError, ProfileForm},
    },
    views::{
        Web,
        auth::{AccountPage, MailStatus, NoticeChoice},
        forms::{FieldErrors, field_errors},
        web::CachePolicy,
    },
    web::{
        session::set_cookie,
        signin::{self, PasswordChangeError},
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    welcome: Option<String>,
}

async fn view(
    ctx: &AppContext,
    actor: &Actor,
    profile: &ProfileForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> AppResult<AccountPage> {
    let off = notifications::opted_out(&ctx.db, actor.user.id).await?;
    let notices = notifications::Kind::for_role(actor.role())
        .into_iter()
        .map(|k| NoticeChoice {
            kind: k.as_str(),
            label: k.label(),
            on: !off.contains(&k),
        })
        .collect();
    Ok(AccountPage {
        title: "Your account",
        csrf: actor.csrf().to_string(),
        email: actor.user.email.clone(),
        verified: actor.user.email_verified_at.is_some(),
        role: actor.user.role.clone(),
        staff: actor.role() != crate::models::users::Role::Member,
        display_name: profile.display_name.clone(),
        bio: profile.bio.clone(),
        errors,
        notice,
        mail: None,
        notices,
        time_zone: profile
            .time_zone
            .clone()
            .unwrap_or_else(|| actor.user.time_zone.clone()),
        site_zone: settings_zone(ctx),
        zones: chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect(),
    })
}

/// The site's zone name, as the account page offers it for "the site's".
fn settings_zone(ctx: &AppContext) -> String {
    crate::settings::Settings::get(ctx).map_or_else(
        |_| "UTC".to_string(),
        |s| s.editorial.tz().name().to_string(),
    )
}

/// The delivery of the newest mail to `email`, in plain words, if there is one.
async fn mail_status(ctx: &AppContext, email: &str) -> AppResult<Option<MailStatus>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let Some(row) = mail::Entity::find()
        .filter(mail::Column::ToAddress.eq(email))
        .order_by_desc(mail::Column::Id)
        .one(&ctx.db)
        .await?
    else {
        return Ok(None);
    };
    let (state, error) = match crate::jobs::mail::delivery_state(ctx, row.id).await? {
        Some((word, error)) => (word.to_string(), error),
        None => (row.status.clone(), None),
    };
    Ok(Some(MailStatus {
        subject: row.subject,
        state,
        error,
    }))
}

/// `POST /account/verification`: mails a new confirmation link.
pub async fn resend_verification(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
) -> AppResult<Response> {
    if actor.user.email_verified_at.is_none() {
        super::auth::send_verification(&ctx, &web, &actor.user).await?;
    }
    Ok(Redirect::to("/account?saved=resent").into_response())
}

/// `GET /account`: profile and password forms, and how the newest mail to the person is
/// doing (waiting, sending, sent, failed and why).
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(q): Query<AccountQuery>,
) -> AppResult<Response> {
    let profile = ProfileForm {
        display_name: actor.user.display_name.clone(),
        bio: actor.user.bio.clone(),
        time_zone: Some(actor.user.time_zone.clone()),
    };
    let notice = match (q.saved.as_deref(), q.welcome.is_some()) {
        (Some("profile"), _) => Some("Your profile is saved."),
        (Some("password"), _) => {
            Some("Your password is changed. Every other session was signed out.")
        }
        (Some("resent"), _) => Some("We are sending you a new confirmation link."),
        (Some("notifications"), _) => Some("Your mail choices are saved."),
        (_, true) => Some("Welcome! We sent you a link to confirm your email address."),
        _ => None,
    };
    let mut v = view(&ctx, &actor, &profile, FieldErrors::new(), notice).await?;
    v.mail = mail_status(&ctx, &actor.user.email).await?;
    web.page(
        StatusCode::OK,
        "auth/account.html",
        &v,
        CachePolicy::NoStore,
    )
}

/// `POST /account/profile`.
pub async fn update_profile(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    match actor.user.update_profile(&ctx.db, &meta, &form).await {
        Ok(_) => Ok(Redirect::to("/account?saved=profile").into_response()),
        Err(ProfileError::Invalid(e)) => web.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth/account.html",
            &view(&ctx, &actor, &form, field_errors(&e), None).await?,
            CachePolicy::NoStore,
        ),
        Err(ProfileError::Db(e)) => Err(e.into()),
    }
}

/// `POST /account/notifications`: which notices to mail. A checked box (`<kind>=on`) keeps
/// that kind; every other kind the person can receive is turned off.
pub async fn choose_notifications(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> AppResult<Response> {
    let on: Vec<notifications::Kind> = notifications::Kind::ALL
        .iter()
        .copied()
        .filter(|k| form.contains_key(k.as_str()))
        .collect();
    notifications::choose(&ctx.db, &actor.user, &meta, &on).await?;
    Ok(Redirect::to("/account?saved=notifications#notifications-title").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /account/password`: ends the user's other sessions and starts a fresh one here.
pub async fn change_password(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let Via::Session(session) = &actor.via else {
        return Err(AppError::NotFound);
    };
    let cfg = &web.settings.security;
    let result = signin::change_password(
        &ctx,
        &web.settings,
        &actor.user,
        &form.current_password,
        &form.new_password,
        session.id,
        &meta,
    )
    .await;
    let profile = ProfileForm {
        display_name: actor.user.display_name.clone(),
        bio: actor.user.bio.clone(),
        time_zone: Some(actor.user.time_zone.clone()),
    };
    let field = |name: &str, msg: String| FieldErrors::from([(name.to_string(), msg)]);
    match result {
        Ok(user) => {
            // Privileges were re-established: a new session id here too.
            let started =
                sessions::rotate(&ctx.db, Some(session), Some(user.id), &meta, cfg).await?;
            let reset_link = web.absolute("/password/forgot");
            let locals = json!({"name": user.display_name, "reset_link": reset_link, "site_title": web.settings.site.title});
            mail::deliver(&ctx, &user.email, "password_changed", &locals).await?;
            let mut res = Redirect::to("/account?saved=password").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&started.token, cfg.secure_cookies),
            );
            Ok(res)
        }
        Err(PasswordChangeError::Locked { until }) => {
            let message = format!(
                "Too many wrong passwords. Changing your password is paused until {} UTC; try again then.",
                until.format("%H:%M")
            );
            let mut res = web.page(
                StatusCode::TOO_MANY_REQUESTS,
                "auth/account.html",
                &view(
                    &ctx,
                    &actor,
                    &profile,
                    field("current_password", message),
                    None,
                )
                .await?,
                CachePolicy::NoStore,
            )?;
            res.headers_mut()
                .insert(header::RETRY_AFTER, retry_after(until));
            Ok(res)
        }
        Err(PasswordChangeError::Account(AccountError::WrongPassword)) => web.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth/account.html",
            &view(
                &ctx,
                &actor,
                &profile,
                field(
                    "current_password",
                    "That is not your current password.".into(),
                ),
                None,
            )
            .await?,
            CachePolicy::NoStore,
        ),
        Err(PasswordChangeError::Account(AccountError::WeakPassword(why))) => web.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth/account.html",
            &view(&ctx, &actor, &profile, field("new_password", why), None).await?,
            CachePolicy::NoStore,
        ),
        Err(PasswordChangeError::Account(AccountError::Db(e))) => Err(e.into()),
        Err(PasswordChangeError::Account(e)) => Err(e.into()),
    }
}

/// `Retry-After` in seconds until `until` (at least 1).
#[must_use]
pub fn retry_after(until: chrono::DateTime<chrono::FixedOffset>) -> HeaderValue {
    let secs = (until - crate::models::now()).num_seconds().max(1);
    HeaderValue::from_str(&secs.to_string()).unwrap_or(HeaderValue::from_static("60"))
}
