//! Sign-in, sign-out, sign-up, email verification and password reset. Every form here works
//! without JavaScript; pages that show a form start an anonymous session first so the form
//! carries a CSRF token bound to it.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use sea_orm::EntityTrait;
use serde::Deserialize;
use serde_json::{Value, json};
use validator::Validate;

use crate::models::{input::no_nul, users::PasswordChange};
use crate::{
    actor::RequestMeta,
    auth::passwords,
    errors::{AppError, AppResult},
    models::{
        audit::{Action, Who},
        mail, sessions,
        user_tokens::{self, PasswordByLink, TokenProblem},
        users::{self, Role},
    },
    views::{
        Web,
        forms::{FieldErrors, field_errors, safe_next},
        web::CachePolicy,
    },
    web::{
        MaybeActor,
        session::{CurrentSession, clear_cookie, set_cookie},
        signin::{self, SignInError},
    },
};

/// The session a form page binds its token to: the current one, or a new anonymous one
/// (with the cookie to set).
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
pub(crate) fn page(
    web: &Web,
    status: StatusCode,
    template: &str,
    view: &Value,
    cookie: Option<HeaderValue>,
) -> AppResult<Response> {
    let mut res = web.page(status, template, view, CachePolicy::NoStore)?;
    if let Some(c) = cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

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

fn door(staff: bool) -> (&'static str, &'static str, &'static str) {
    if staff {
        ("/admin/login", "Staff sign-in", "/admin")
    } else {
        ("/login", "Sign in", "/account")
    }
}

async fn show_sign_in(
    ctx: &AppContext,
    web: &Web,
    current: Option<CurrentSession>,
    meta: &RequestMeta,
    staff: bool,
    next: Option<&str>,
) -> AppResult<Response> {
    let (session, cookie) = form_session(ctx, web, current, meta).await?;
    let (action, title, fallback) = door(staff);
    let view = json!({
        "title": title, "action": action, "csrf": session.csrf_token, "email": "",
        "next": safe_next(next, fallback), "error": null, "staff": staff,
        "signup": !staff && web.settings.accounts.signup_enabled, "errors": {},
    });
    page(web, StatusCode::OK, "auth/login.html", &view, cookie)
}

/// Which sign-in page a request is for: `/admin/login` (staff) or `/login`.
#[derive(Debug, Clone, Copy)]
pub struct Door {
    staff: bool,
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
    show_sign_in(
        &ctx,
        &web,
        current.map(|e| e.0),
        &meta,
        door.staff,
        q.next.as_deref(),
    )
    .await
}

async fn do_sign_in(
    ctx: &AppContext,
    web: &Web,
    current: Option<CurrentSession>,
    meta: &RequestMeta,
    form: SignInForm,
    staff: bool,
) -> AppResult<Response> {
    let (action, title, fallback) = door(staff);
    let current = current.map(|c| c.0);
    let outcome = match form.validate() {
        Err(e) => Err(SignInRefusal::Invalid(field_errors(&e))),
        Ok(()) => signin::sign_in(
            ctx,
            &web.settings,
            &form.email,
            &form.password,
            staff,
            current.as_ref(),
            meta,
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
            Some(super::account::retry_after(until)),
        ),
        Err(SignInRefusal::SignIn(SignInError::Invalid)) => (
            StatusCode::UNAUTHORIZED,
            "That email address and password do not match an account that may sign in here."
                .to_string(),
            FieldErrors::new(),
            None,
        ),
    };
    let (session, cookie) = form_session(ctx, web, current.map(CurrentSession), meta).await?;
    let view = json!({
        "title": title, "action": action, "csrf": session.csrf_token, "email": form.email.replace('\0', ""),
        "next": safe_next(form.next.as_deref(), fallback), "error": message, "staff": staff,
        "signup": !staff && web.settings.accounts.signup_enabled, "errors": errors,
    });
    let mut res = page(web, status, "auth/login.html", &view, cookie)?;
    if let Some(v) = retry {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(res)
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
    do_sign_in(&ctx, &web, current.map(|e| e.0), &meta, form, door.staff).await
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

#[derive(Debug, Default, Deserialize, Validate)]
pub struct SignUpForm {
    #[validate(
        email(message = "Enter an email address like name@example.com."),
        custom(function = "no_nul")
    )]
    #[serde(default)]
    email: String,
    #[validate(
        length(min = 1, max = 80, message = "Enter a name of 1 to 80 characters."),
        custom(function = "no_nul")
    )]
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
}

fn signup_view(csrf: &str, form: &SignUpForm, errors: &Value) -> Value {
    json!({"title": "Create an account", "csrf": csrf, "email": form.email.replace('\0', ""), "display_name": form.display_name.replace('\0', ""), "errors": errors})
}

/// `GET /signup`.
pub async fn signup_form(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    meta: RequestMeta,
) -> AppResult<Response> {
    if !web.settings.accounts.signup_enabled {
        return Err(AppError::NotFound);
    }
    let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
    page(
        &web,
        StatusCode::OK,
        "auth/signup.html",
        &signup_view(&session.csrf_token, &SignUpForm::default(), &json!({})),
        cookie,
    )
}

/// `POST /signup`: a member account, signed in at once, with a verification mail.
pub async fn signup(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    meta: RequestMeta,
    Form(form): Form<SignUpForm>,
) -> AppResult<Response> {
    if !web.settings.accounts.signup_enabled {
        return Err(AppError::NotFound);
    }
    let current = current.map(|e| e.0);
    let mut errors = form
        .validate()
        .err()
        .map(|e| field_errors(&e))
        .unwrap_or_default();
    if let Some(why) = passwords::weakness(&form.password, &form.email) {
        errors.insert("password".into(), why);
    }
    let user = if errors.is_empty() {
        let user_form = users::UserForm {
            email: form.email.clone(),
            display_name: form.display_name.clone(),
            bio: String::new(),
            role: Role::Member.as_str().into(),
        };
        match users::Model::create_user(&ctx.db, &user_form).await {
            Ok(u) => Some(u),
            Err(users::UserError::EmailTaken) => {
                // Say so: sign-up cannot hide which addresses exist without mail round-trips,
                // and sign-in and password reset reveal nothing.
                errors.insert(
                    "email".into(),
                    "An account with this address exists already. Sign in, or reset your password."
                        .into(),
                );
                None
            }
            Err(users::UserError::Invalid(e)) => {
                errors.extend(field_errors(&e));
                None
            }
            Err(e @ (users::UserError::Db(_) | users::UserError::UnknownRole(_))) => {
                return Err(e.into());
            }
        }
    } else {
        None
    };
    let Some(user) = user else {
        let (session, cookie) = form_session(&ctx, &web, current, &meta).await?;
        let view = signup_view(
            &session.csrf_token,
            &form,
            &serde_json::to_value(&errors).unwrap_or_default(),
        );
        return page(
            &web,
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth/signup.html",
            &view,
            cookie,
        );
    };
    let user = user
        .change_password(
            &ctx.db,
            &web.settings.security,
            &meta,
            PasswordChange {
                current: None,
                new_password: &form.password,
                keep_session: None,
                action: Action::SignUp.as_str(),
            },
        )
        .await?;
    send_verification(&ctx, &web, &user).await?;
    let started = sessions::rotate(
        &ctx.db,
        current.as_ref().map(|c| &c.0),
        Some(user.id),
        &meta,
        &web.settings.security,
    )
    .await?;
    let mut res = Redirect::to("/account?welcome=1").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&started.token, web.settings.security.secure_cookies),
    );
    Ok(res)
}

/// Mails a verification link to `user`.
///
/// # Errors
/// Database or template errors.
pub async fn send_verification(ctx: &AppContext, web: &Web, user: &users::Model) -> AppResult<()> {
    let hours = web.settings.accounts.verify_ttl_hours;
    let locals = json!({"name": user.display_name, "email": user.email, "hours": hours, "site_title": web.settings.site.title});
    let link = mail::Link {
        kind: mail::LinkKind::VerifyEmail,
        user_id: user.id,
    };
    mail::deliver_with_link(ctx, &user.email, "verify_email", &locals, Some(link)).await?;
    Ok(())
}

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
        &json!({"title": title, "message": body}),
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

/// `GET /verify/{token}`.
pub async fn verify(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    meta: RequestMeta,
    Path(token): Path<String>,
) -> AppResult<Response> {
    match user_tokens::consume(&ctx.db, &token, user_tokens::VERIFY_EMAIL).await? {
        Ok(user_id) => {
            let user = users::Entity::find_by_id(user_id)
                .one(&ctx.db)
                .await?
                .ok_or(AppError::NotFound)?;
            users::Model::mark_verified(&ctx.db, &user, &meta).await?;
            message(
                &web,
                StatusCode::OK,
                "Email address confirmed",
                "Thank you: your email address is confirmed.",
            )
        }
        Err(p) => message(
            &web,
            StatusCode::GONE,
            "This link cannot be used",
            token_problem_text(&p),
        ),
    }
}

#[derive(Debug, Default, Deserialize, Validate)]
pub struct ForgotForm {
    #[serde(default)]
    #[validate(custom(function = "no_nul"))]
    email: String,
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
        &json!({"title": "Reset your password", "csrf": session.csrf_token, "sent": false, "errors": {}}),
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
        let view = json!({"title": "Reset your password", "csrf": session.csrf_token, "sent": false, "errors": field_errors(&e)});
        return page(
            &web,
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth/forgot.html",
            &view,
            cookie,
        );
    }
    if let Some(user) = users::Model::find_by_email(&ctx.db, &form.email).await?
        && user.status == users::UserStatus::Active.as_str()
    {
        let minutes = web.settings.accounts.reset_ttl_minutes;
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
        &json!({"title": "Reset your password", "csrf": session.csrf_token, "sent": true, "errors": {}}),
        cookie,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    pub(crate) password: String,
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
        return message(
            &web,
            StatusCode::GONE,
            "This link cannot be used",
            token_problem_text(&p),
        );
    }
    let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
    page(
        &web,
        StatusCode::OK,
        "auth/reset.html",
        &json!({"title": "Choose a new password", "csrf": session.csrf_token, "token": token, "error": null}),
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
        Action::PasswordReset.as_str(),
    )
    .await?;
    match outcome {
        PasswordByLink::Set(_) => {}
        PasswordByLink::Refused(p) => {
            return message(
                &web,
                StatusCode::GONE,
                "This link cannot be used",
                token_problem_text(&p),
            );
        }
        PasswordByLink::Weak(why) => {
            let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
            let view = json!({"title": "Choose a new password", "csrf": session.csrf_token, "token": token, "error": why});
            return page(
                &web,
                StatusCode::UNPROCESSABLE_ENTITY,
                "auth/reset.html",
                &view,
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
