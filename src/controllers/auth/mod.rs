//! Sign-in, sign-out, sign-up, email verification and password reset, one file per flow.
//! Every form here works without JavaScript; pages that show a form start an anonymous
//! session first so the form carries a CSRF token bound to it.
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use loco_rs::app::AppContext;
use serde::Serialize;

use crate::{
    actor::RequestMeta,
    errors::AppResult,
    models::{sessions, user_tokens::TokenProblem},
    views::{Web, auth::MessagePage, web::CachePolicy},
    web::session::{CurrentSession, set_cookie},
};

mod password_reset;
mod sign_in;
mod sign_up;
mod verify;

pub use password_reset::{ResetForm, forgot, forgot_form, reset, reset_form};
pub use sign_in::{Door, NextQuery, SignInForm, login, login_form, logout};
pub use sign_up::{SignUpForm, signup, signup_form};
pub use verify::{send_verification, verify};

/// The session a form page binds its token to: the current one, or a new anonymous one
/// (with the cookie to set).
///
/// # Errors
/// When the new session cannot be stored.
pub async fn form_session(
    ctx: &AppContext,
    web: &Web,
    current: Option<CurrentSession>,
    meta: &RequestMeta,
) -> AppResult<(sessions::Model, Option<HeaderValue>)> {
    if let Some(CurrentSession(s)) = current {
        return Ok((s, None));
    }
    let started = sessions::start(&ctx.db, None, meta, &web.settings.security).await?;
    Ok((
        started.session,
        Some(set_cookie(
            &started.token,
            web.settings.security.secure_cookies,
        )),
    ))
}

/// Renders an auth page (never cached) and sets the session cookie if one was started.
pub(crate) fn page<V: Serialize>(
    web: &Web,
    status: StatusCode,
    template: &str,
    view: &V,
    cookie: Option<HeaderValue>,
) -> AppResult<Response> {
    let mut res = web.page(status, template, view, CachePolicy::NoStore)?;
    if let Some(c) = cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// A page of one title and one paragraph.
pub(crate) fn message(
    web: &Web,
    status: StatusCode,
    title: &str,
    body: &str,
) -> AppResult<Response> {
    page(
        web,
        status,
        "auth/message.html",
        &MessagePage {
            title,
            message: body,
        },
        None,
    )
}

pub(crate) fn token_problem_text(p: &TokenProblem) -> &'static str {
    match p {
        TokenProblem::Used => "This link was used already. Each link works once.",
        TokenProblem::Expired => "This link has expired. Ask for a new one.",
        TokenProblem::Unknown => {
            "This link is not valid. Check that you copied all of it, or ask for a new one."
        }
    }
}

/// The page a used, expired or unknown link shows.
fn link_refused(web: &Web, p: &TokenProblem) -> AppResult<Response> {
    message(
        web,
        StatusCode::GONE,
        "This link cannot be used",
        token_problem_text(p),
    )
}
