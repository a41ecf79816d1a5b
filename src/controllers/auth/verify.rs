//! Confirming an email address by the link mailed at sign-up (or on request from the
//! account page).
use std::sync::Arc;

use axum::{
    Extension,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;
use sea_orm::EntityTrait;
use serde_json::json;

use super::{link_refused, message};
use crate::{
    actor::RequestMeta,
    errors::{AppError, AppResult},
    models::{mail, user_tokens, users},
    views::Web,
};

/// Mails a verification link to `user`.
///
/// # Errors
/// Database or template errors.
pub async fn send_verification(ctx: &AppContext, web: &Web, user: &users::Model) -> AppResult<()> {
    let hours = web.settings.accounts.verify_ttl_hours;
    // Mail locals: the mail module takes them as JSON.
    let locals = json!({"name": user.display_name, "email": user.email, "hours": hours, "site_title": web.settings.site.title});
    let link = mail::Link {
        kind: mail::LinkKind::VerifyEmail,
        user_id: user.id,
    };
    mail::deliver_with_link(ctx, &user.email, "verify_email", &locals, Some(link)).await?;
    Ok(())
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
        Err(p) => link_refused(&web, &p),
    }
}
