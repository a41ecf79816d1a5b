//! A forgotten password: a mailed link (`/password/forgot`), then a new password chosen by
//! that link (`/password/reset/{token}`), which ends every session of the account.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;
use serde::Deserialize;
use serde_json::json;
use validator::Validate;

use super::{form_session, link_refused, message, page};
use crate::{
    actor::RequestMeta,
    errors::AppResult,
    models::{
        audit::Action,
        input::no_nul,
        mail,
        user_tokens::{self, PasswordByLink},
        users,
    },
    views::{
        Web,
        auth::{ForgotPage, PasswordPage},
        forms::{FieldErrors, field_errors},
    },
    web::session::CurrentSession,
};

const FORGOT_TITLE: &str = "Reset your password";
const RESET_TITLE: &str = "Choose a new password";

#[derive(Debug, Default, Deserialize, Validate)]
pub struct ForgotForm {
    #[serde(default)]
    #[validate(custom(function = "no_nul"))]
    email: String,
}

fn forgot_page(csrf: String, sent: bool, errors: FieldErrors) -> ForgotPage {
    ForgotPage {
        title: FORGOT_TITLE,
        csrf,
        sent,
        errors,
    }
}

/// `GET /password/forgot`.
pub async fn forgot_form(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    meta: RequestMeta,
) -> AppResult<Response> {
    let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
    page(
        &web,
        StatusCode::OK,
        "auth/forgot.html",
        &forgot_page(session.csrf_token, false, FieldErrors::new()),
        cookie,
    )
}

/// `POST /password/forgot`: mails a reset link if the address has an account; the page says
/// the same either way.
pub async fn forgot(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    meta: RequestMeta,
    Form(form): Form<ForgotForm>,
) -> AppResult<Response> {
    if let Err(e) = form.validate() {
        let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
        return page(
            &web,
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth/forgot.html",
            &forgot_page(session.csrf_token, false, field_errors(&e)),
            cookie,
        );
    }
    if let Some(user) = users::Model::find_by_email(&ctx.db, &form.email).await?
        && user.status == users::UserStatus::Active.as_str()
    {
        let minutes = web.settings.accounts.reset_ttl_minutes;
        // Mail locals: the mail module takes them as JSON.
        let locals = json!({"name": user.display_name, "minutes": minutes, "site_title": web.settings.site.title});
        let link = mail::Link {
            kind: mail::LinkKind::ResetPassword,
            user_id: user.id,
        };
        mail::deliver_with_link(&ctx, &user.email, "reset_password", &locals, Some(link)).await?;
    }
    let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
    page(
        &web,
        StatusCode::OK,
        "auth/forgot.html",
        &forgot_page(session.csrf_token, true, FieldErrors::new()),
        cookie,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    pub(crate) password: String,
}

fn reset_page(csrf: String, token: String, error: Option<String>) -> PasswordPage {
    PasswordPage {
        title: RESET_TITLE,
        csrf,
        token,
        error,
        intro: None,
        action: None,
    }
}

/// `GET /password/reset/{token}`.
pub async fn reset_form(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    meta: RequestMeta,
    Path(token): Path<String>,
) -> AppResult<Response> {
    if let Err(p) = user_tokens::check(&ctx.db, &token, user_tokens::RESET_PASSWORD).await? {
        return link_refused(&web, &p);
    }
    let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
    page(
        &web,
        StatusCode::OK,
        "auth/reset.html",
        &reset_page(session.csrf_token, token, None),
        cookie,
    )
}

/// `POST /password/reset/{token}`: sets the password, ends every session of the account.
pub async fn reset(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    meta: RequestMeta,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    let outcome = user_tokens::set_password_by_link(
        &ctx.db,
        &web.settings.security,
        &meta,
        &token,
        user_tokens::RESET_PASSWORD,
        &form.password,
        Action::PasswordReset,
    )
    .await?;
    match outcome {
        PasswordByLink::Set(_) => {}
        PasswordByLink::Refused(p) => return link_refused(&web, &p),
        PasswordByLink::Weak(why) => {
            let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
            return page(
                &web,
                StatusCode::UNPROCESSABLE_ENTITY,
                "auth/reset.html",
                &reset_page(session.csrf_token, token, Some(why)),
                cookie,
            );
        }
    }
    message(
        &web,
        StatusCode::OK,
        "Password changed",
        "Your password is changed and every session of your account was signed out. Sign in with the new password.",
    )
}
