//! Accepting an invitation: the link a new staff member (or reader) added in the admin gets
//! by mail sets their first password. It works once, before it expires.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;
use sea_orm::EntityTrait;

use super::auth::{ResetForm, form_session, message, page, token_problem_text};
use crate::{
    actor::RequestMeta,
    errors::{AppError, AppResult},
    models::{
        audit,
        user_tokens::{self, PasswordByLink},
        users,
    },
    views::{Web, auth::PasswordPage},
    web::session::CurrentSession,
};

const TITLE: &str = "Choose your password";

fn form_view(csrf: String, token: &str, name: &str, error: Option<String>) -> PasswordPage {
    PasswordPage {
        title: TITLE,
        csrf,
        token: token.to_string(),
        error,
        intro: Some(format!(
            "Welcome, {name}. Choose the password you will sign in with."
        )),
        action: Some(format!("/invitation/{token}")),
    }
}

async fn invited(ctx: &AppContext, token: &str) -> AppResult<Result<users::Model, String>> {
    match user_tokens::check(&ctx.db, token, user_tokens::INVITATION).await? {
        Ok(id) => Ok(Ok(users::Entity::find_by_id(id)
            .one(&ctx.db)
            .await?
            .ok_or(AppError::NotFound)?)),
        Err(p) => Ok(Err(token_problem_text(&p).to_string())),
    }
}

fn refused(web: &Web, why: &str) -> AppResult<Response> {
    message(
        web,
        StatusCode::GONE,
        "This invitation cannot be used",
        &format!("{why} Whoever invited you can send a new invitation."),
    )
}

/// `GET /invitation/{token}`.
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    meta: RequestMeta,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let user = match invited(&ctx, &token).await? {
        Ok(u) => u,
        Err(why) => return refused(&web, &why),
    };
    let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
    let view = form_view(session.csrf_token, &token, &user.display_name, None);
    page(&web, StatusCode::OK, "auth/reset.html", &view, cookie)
}

/// `POST /invitation/{token}`: sets the first password and confirms the address.
pub async fn accept(
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
        user_tokens::INVITATION,
        &form.password,
        audit::Action::UserInvitationAccepted,
    )
    .await?;
    let user = match outcome {
        PasswordByLink::Set(user) => *user,
        PasswordByLink::Refused(p) => return refused(&web, token_problem_text(&p)),
        PasswordByLink::Weak(why) => {
            let name = match invited(&ctx, &token).await? {
                Ok(u) => u.display_name,
                Err(why) => return refused(&web, &why),
            };
            let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
            let view = form_view(session.csrf_token, &token, &name, Some(why));
            return page(
                &web,
                StatusCode::UNPROCESSABLE_ENTITY,
                "auth/reset.html",
                &view,
                cookie,
            );
        }
    };
    // The link reached this address: it is confirmed.
    users::Model::mark_verified(&ctx.db, &user, &meta).await?;
    let door =
        if crate::auth::permissions::grant(user.role(), crate::auth::Capability::ADMIN_ACCESS)
            .is_some()
        {
            "/admin/login"
        } else {
            "/login"
        };
    message(
        &web,
        StatusCode::OK,
        "Your password is set",
        &format!(
            "Welcome aboard. Sign in at {} with your email address and the password you chose.",
            web.absolute(door)
        ),
    )
}
