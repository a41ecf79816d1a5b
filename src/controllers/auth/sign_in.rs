//! Signing in at `/login` (readers) or `/admin/login` (staff), and signing out.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use serde::Deserialize;
use validator::Validate;

use super::{form_session, page};
use crate::{
    actor::RequestMeta,
    errors::AppResult,
    models::{audit::Who, input::no_nul},
    views::{
        Web,
        auth::SignInPage,
        forms::{FieldErrors, field_errors, safe_next},
    },
    web::{
        MaybeActor,
        session::{CurrentSession, clear_cookie, set_cookie},
        signin::{self, SignInError},
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize, Validate)]
pub struct SignInForm {
    #[serde(default)]
    #[validate(custom(function = "no_nul"))]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// Which sign-in page a request is for: `/admin/login` (staff) or `/login`.
#[derive(Debug, Clone, Copy)]
pub struct Door {
    staff: bool,
}

impl Door {
    /// Where the form posts, the page's title, and where a success goes by default.
    const fn parts(self) -> (&'static str, &'static str, &'static str) {
        if self.staff {
            ("/admin/login", "Staff sign-in", "/admin")
        } else {
            ("/login", "Sign in", "/account")
        }
    }

    /// The sign-in page, with what was typed and why it failed.
    fn page(
        self,
        web: &Web,
        csrf: String,
        email: &str,
        next: Option<&str>,
        error: Option<String>,
        errors: FieldErrors,
    ) -> SignInPage {
        let (action, title, fallback) = self.parts();
        SignInPage {
            title,
            action,
            csrf,
            email: email.replace('\0', ""),
            next: safe_next(next, fallback),
            error,
            staff: self.staff,
            signup: !self.staff && web.settings.accounts.signup_enabled,
            errors,
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Door {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self {
            staff: parts.uri.path().starts_with("/admin/"),
        })
    }
}

/// `GET /login` and `GET /admin/login`.
pub async fn login_form(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    meta: RequestMeta,
    door: Door,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
    let view = door.page(
        &web,
        session.csrf_token,
        "",
        q.next.as_deref(),
        None,
        FieldErrors::new(),
    );
    page(&web, StatusCode::OK, "auth/login.html", &view, cookie)
}

/// A sign-in refused before the credentials were checked, or by the check.
enum SignInRefusal {
    Invalid(FieldErrors),
    SignIn(SignInError),
}

/// `POST /login` and `POST /admin/login`.
pub async fn login(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    meta: RequestMeta,
    door: Door,
    Form(form): Form<SignInForm>,
) -> AppResult<Response> {
    let (_, _, fallback) = door.parts();
    let current = current.map(|e| e.0.0);
    let outcome = match form.validate() {
        Err(e) => Err(SignInRefusal::Invalid(field_errors(&e))),
        Ok(()) => signin::sign_in(
            &ctx,
            &web.settings,
            &form.email,
            &form.password,
            door.staff,
            current.as_ref(),
            &meta,
        )
        .await
        .map_err(SignInRefusal::SignIn),
    };
    let (status, message, errors, retry) = match outcome {
        Ok((started, _user)) => {
            let mut res = Redirect::to(&safe_next(form.next.as_deref(), fallback)).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&started.token, web.settings.security.secure_cookies),
            );
            return Ok(res);
        }
        Err(SignInRefusal::SignIn(SignInError::Db(e))) => return Err(e.into()),
        Err(SignInRefusal::Invalid(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Nothing was checked: fix the field marked below.".to_string(),
            errors,
            None,
        ),
        Err(SignInRefusal::SignIn(SignInError::Locked { until })) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed sign-in attempts. Sign-in is paused until {} UTC; try again then, or ask an administrator to unlock it.",
                until.format("%H:%M")
            ),
            FieldErrors::new(),
            Some(super::super::account::retry_after(until)),
        ),
        Err(SignInRefusal::SignIn(SignInError::Invalid)) => (
            StatusCode::UNAUTHORIZED,
            "That email address and password do not match an account that may sign in here."
                .to_string(),
            FieldErrors::new(),
            None,
        ),
    };
    let (session, cookie) = form_session(&ctx, &web, current.map(CurrentSession), &meta).await?;
    let view = door.page(
        &web,
        session.csrf_token,
        &form.email,
        form.next.as_deref(),
        Some(message),
        errors,
    );
    let mut res = page(&web, status, "auth/login.html", &view, cookie)?;
    if let Some(v) = retry {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(res)
}

/// `POST /logout` (and `/admin/logout`): ends the session and removes the cookie.
pub async fn logout(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    MaybeActor(actor): MaybeActor,
    meta: RequestMeta,
) -> AppResult<Response> {
    if let Some(Extension(CurrentSession(session))) = current {
        signin::sign_out(&ctx, &session, actor.as_ref().map(Who::from), &meta).await?;
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(web.settings.security.secure_cookies),
    );
    Ok(res)
}
