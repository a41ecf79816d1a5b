//! Creating a reader's account at `/signup` (when the settings allow it): signed in at once,
//! with a mail to confirm the address.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use serde::Deserialize;
use validator::Validate;

use super::{form_session, page, send_verification};
use crate::{
    actor::RequestMeta,
    auth::passwords,
    errors::{AppError, AppResult},
    models::{
        audit::Action,
        input::no_nul,
        sessions,
        users::{self, PasswordChange, Role},
    },
    views::{
        Web,
        auth::SignUpPage,
        forms::{FieldErrors, field_errors},
    },
    web::session::{CurrentSession, set_cookie},
};

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

fn signup_view(csrf: String, form: &SignUpForm, errors: FieldErrors) -> SignUpPage {
    SignUpPage {
        title: "Create an account",
        csrf,
        email: form.email.replace('\0', ""),
        display_name: form.display_name.replace('\0', ""),
        errors,
    }
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
        &signup_view(
            session.csrf_token,
            &SignUpForm::default(),
            FieldErrors::new(),
        ),
        cookie,
    )
}

/// The account `form` asks for, or what is wrong with the form.
async fn create_member(
    ctx: &AppContext,
    form: &SignUpForm,
) -> AppResult<Result<users::Model, FieldErrors>> {
    // No errors is the default: only a failed check adds some.
    let mut errors = form
        .validate()
        .err()
        .map(|e| field_errors(&e))
        .unwrap_or_default();
    if let Some(why) = passwords::weakness(&form.password, &form.email) {
        errors.insert("password".into(), why);
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let user_form = users::UserForm {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        bio: String::new(),
        role: Role::Member.as_str().into(),
    };
    match users::Model::create_user(&ctx.db, &user_form).await {
        Ok(u) => Ok(Ok(u)),
        Err(users::UserError::EmailTaken) => {
            // Say so: sign-up cannot hide which addresses exist without mail round-trips,
            // and sign-in and password reset reveal nothing.
            errors.insert(
                "email".into(),
                "An account with this address exists already. Sign in, or reset your password."
                    .into(),
            );
            Ok(Err(errors))
        }
        Err(users::UserError::Invalid(e)) => Ok(Err(field_errors(&e))),
        Err(e @ (users::UserError::Db(_) | users::UserError::UnknownRole(_))) => Err(e.into()),
    }
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
    let user = match create_member(&ctx, &form).await? {
        Ok(user) => user,
        Err(errors) => {
            let (session, cookie) = form_session(&ctx, &web, current, &meta).await?;
            return page(
                &web,
                StatusCode::UNPROCESSABLE_ENTITY,
                "auth/signup.html",
                &signup_view(session.csrf_token, &form, errors),
                cookie,
            );
        }
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
                action: Action::SignUp,
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
