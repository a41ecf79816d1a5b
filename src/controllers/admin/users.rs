//! The two actions the engine's person page posts to: unlocking sign-in and sending an
//! invitation again. (The People screens themselves are the engine's, under
//! `/admin/people/users`.)
use axum::{
    Form,
    extract::{Path, State},
    response::Response,
};
use loco_rs::app::AppContext;
use serde::Deserialize;

use crate::{
    actor::{Actor, RequestMeta},
    auth::permissions::check_rank,
    errors::{AppError, AppResult},
    models::users,
    views::{flash, forms::safe_next},
    web::signin,
};

/// Where to go after an action: a page of the admin, the person's page when absent.
#[derive(Debug, Default, Deserialize)]
pub struct BackForm {
    #[serde(default)]
    back: String,
}

impl BackForm {
    fn target(&self, id: i32) -> String {
        let fallback = format!("/admin/people/users/{id}");
        let back = Some(self.back.as_str()).filter(|b| b.starts_with("/admin/"));
        safe_next(back, &fallback)
    }
}

async fn find(ctx: &AppContext, id: i32) -> AppResult<users::Model> {
    use sea_orm::EntityTrait;
    users::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// `POST /admin/users/{id}/unlock`: lets a person locked out by failed sign-ins try again.
///
/// # Errors
/// Not found, a person of higher rank, or the database fails.
pub async fn unlock(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(form): Form<BackForm>,
) -> AppResult<Response> {
    let target = find(&ctx, id).await?;
    check_rank(actor.role(), target.role(), None)?;
    signin::unlock(&ctx, &actor, &target, &meta).await?;
    let msg = format!("Sign-in is unlocked for {}.", target.display_name);
    Ok(flash::redirect(&form.target(id), &msg))
}

/// `POST /admin/users/{id}/invitation`: sends the invitation again (the earlier link stops
/// working once the new one is made).
///
/// # Errors
/// Not found, a refusal, or the database or the job store fails.
pub async fn resend_invitation(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(form): Form<BackForm>,
) -> AppResult<Response> {
    let target = find(&ctx, id).await?;
    let msg = match target.send_invitation(&ctx, &actor, &meta).await {
        Ok(_) => format!("An invitation is on its way to {}.", target.email),
        Err(users::InviteError::Auth(e)) => return Err(e.into()),
        Err(users::InviteError::Db(e)) => return Err(e.into()),
        Err(e) => format!("Not sent: {e}."),
    };
    Ok(flash::redirect(&form.target(id), &msg))
}
