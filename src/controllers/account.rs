//! `/account`: anyone signed in changes their name, bio and password here.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use serde::Deserialize;
use serde_json::json;

use crate::models::users::PasswordChange;
use crate::{
    auth::{Actor, RequestMeta, actor::Via, session::set_cookie},
    errors::{AppError, AppResult},
    models::{
        mail, sessions,
        users::{AccountError, ProfileError, ProfileForm},
    },
    views::{Web, forms::field_errors, web::CachePolicy},
};

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    welcome: Option<String>,
}

fn view(
    actor: &Actor,
    profile: &ProfileForm,
    errors: &serde_json::Value,
    notice: Option<&str>,
) -> serde_json::Value {
    json!({
        "title": "Your account",
        "csrf": actor.csrf(),
        "email": actor.user.email,
        "verified": actor.user.email_verified_at.is_some(),
        "role": actor.user.role,
        "staff": actor.role() != crate::models::users::Role::Member,
        "display_name": profile.display_name,
        "bio": profile.bio,
        "errors": errors,
        "notice": notice,
    })
}

/// `GET /account`.
pub async fn show(
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(q): Query<AccountQuery>,
) -> AppResult<Response> {
    let profile = ProfileForm {
        display_name: actor.user.display_name.clone(),
        bio: actor.user.bio.clone(),
    };
    let notice = match (q.saved.as_deref(), q.welcome.is_some()) {
        (Some("profile"), _) => Some("Your profile is saved."),
        (Some("password"), _) => {
            Some("Your password is changed. Every other session was signed out.")
        }
        (_, true) => Some("Welcome! We sent you a link to confirm your email address."),
        _ => None,
    };
    web.page(
        StatusCode::OK,
        "auth/account.html",
        &view(&actor, &profile, &json!({}), notice),
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
        Err(ProfileError::Invalid(e)) => {
            let errors = serde_json::to_value(field_errors(&e)).unwrap_or_default();
            web.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "auth/account.html",
                &view(&actor, &form, &errors, None),
                CachePolicy::NoStore,
            )
        }
        Err(ProfileError::Db(e)) => Err(e.into()),
    }
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
    let result = actor
        .user
        .change_password(
            &ctx.db,
            cfg,
            &meta,
            PasswordChange {
                current: Some(&form.current_password),
                new_password: &form.new_password,
                keep_session: Some(session.id),
                action: "password_change",
            },
        )
        .await;
    let profile = ProfileForm {
        display_name: actor.user.display_name.clone(),
        bio: actor.user.bio.clone(),
    };
    let field = |name: &str, msg: String| json!({ name: msg });
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
        Err(AccountError::WrongPassword) => web.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth/account.html",
            &view(
                &actor,
                &profile,
                &field(
                    "current_password",
                    "That is not your current password.".into(),
                ),
                None,
            ),
            CachePolicy::NoStore,
        ),
        Err(AccountError::WeakPassword(why)) => web.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth/account.html",
            &view(&actor, &profile, &field("new_password", why), None),
            CachePolicy::NoStore,
        ),
        Err(e) => Err(AppError::Internal(e.to_string())),
    }
}
