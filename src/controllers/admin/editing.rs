//! Editing a post: the lock its change page renews while open (and gives back on leaving),
//! taking it over, and the autosaves the page sends while someone types — each a call to
//! `posts::locks` or `posts::autosaves`.
use std::sync::Arc;

use axum::{
    Extension, Form, Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use serde_json::json;

use super::visible_post;
use crate::{
    auth::{Actor, RequestMeta},
    errors::{AppError, AppResult},
    models::{
        WriteError,
        posts::{autosaves, locks},
    },
    views::{Web, admin::editing, flash as flash_cookie, web::CachePolicy},
};

fn change_url(id: i32) -> String {
    format!("/admin/content/posts/{id}")
}

/// `POST /admin/posts/{id}/lock`: the open page renews the lock; answers with the notice as
/// it now stands (htmx swaps it in).
pub async fn heartbeat(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let post = visible_post(&ctx, &actor, id).await?;
    let policy = &web.settings.editorial;
    let look = match locks::look(&ctx.db, &actor, &post, policy.lock_quiet_minutes).await {
        Ok(look) => look,
        Err(WriteError::Db(e)) => return Err(e.into()),
        Err(_) => None,
    };
    let Some(look) = look else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let banner = editing::banner(id, &look, policy, policy.tz_for(&actor.user));
    let body = web.render(
        "admin/_edit_banner.html",
        &json!({"banner": banner, "csrf": actor.csrf()}),
    )?;
    Ok(web.respond(
        StatusCode::OK,
        "text/html; charset=utf-8",
        body,
        CachePolicy::NoStore,
    ))
}

/// `POST /admin/posts/{id}/lock/release`: the page was left (sent by the browser as it
/// goes).
pub async fn release(
    State(ctx): State<AppContext>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    visible_post(&ctx, &actor, id).await?;
    match locks::release(&ctx.db, &actor, id).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(WriteError::Db(e)) => Err(e.into()),
        Err(_) => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// `POST /admin/posts/{id}/lock/take`: an editor takes over editing; the one who had it is
/// told on their next look.
pub async fn take_over(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    visible_post(&ctx, &actor, id).await?;
    let message = match locks::take_over(&ctx.db, &actor, &meta, id).await {
        Ok(_) => "You are editing this post now; the person who was is told.".to_string(),
        Err(WriteError::Field { message, .. }) => message,
        Err(WriteError::Stale { .. }) => {
            "The lock changed hands meanwhile; here is who has it now.".to_string()
        }
        Err(WriteError::Auth(e)) => return Err(e.into()),
        Err(WriteError::NotFound) => return Err(AppError::NotFound),
        Err(WriteError::Db(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::BadRequest("take over")),
    };
    let mut res = Redirect::to(&change_url(id)).into_response();
    flash_cookie::set(&mut res, Some(&message));
    Ok(res)
}

/// `POST /admin/posts/{id}/autosave`: keeps what the open editor holds; answers in JSON
/// (`{"status": "saved" | "behind", "at": …, "message": …}`, or an error code).
pub async fn autosave(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Path(id): Path<i32>,
    Form(draft): Form<autosaves::Draft>,
) -> AppResult<Response> {
    visible_post(&ctx, &actor, id).await?;
    let tz = web.settings.editorial.tz_for(&actor.user);
    Ok(match autosaves::save(&ctx.db, &actor, id, &draft).await {
        Ok(saved) => {
            let at = saved.at.with_timezone(&tz).format("%H:%M:%S").to_string();
            let (status, message) = if saved.behind {
                (
                    "behind",
                    format!(
                        "Kept at {at} as your autosave, not in the post: someone saved it since \
                         you opened it. Reload to see theirs; your text is offered there."
                    ),
                )
            } else {
                ("saved", format!("Kept at {at}; Save puts it in the post."))
            };
            Json(json!({"status": status, "at": at, "message": message})).into_response()
        }
        Err(WriteError::Field { field, message }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "invalid", "field": field, "message": message})),
        )
            .into_response(),
        Err(WriteError::Auth(e)) => return Err(e.into()),
        Err(WriteError::NotFound) => return Err(AppError::NotFound),
        Err(WriteError::Db(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::BadRequest("autosave")),
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct RestoreForm {
    lock_version: i32,
}

/// `POST /admin/posts/{id}/autosave/restore`: puts the person's autosave into the post (a
/// save, audited, refused when the post moved on since the page loaded).
pub async fn restore(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(f): Form<RestoreForm>,
) -> AppResult<Response> {
    visible_post(&ctx, &actor, id).await?;
    let policy = &web.settings.editorial;
    let message = match autosaves::restore(&ctx.db, &actor, &meta, policy, id, f.lock_version).await
    {
        Ok(_) => "Your autosaved text is in the post now, as a new revision.".to_string(),
        Err(WriteError::Stale { .. }) => {
            "The post was saved since this page loaded, so nothing changed: here it is as \
                 it stands, with your autosave still offered."
                .to_string()
        }
        Err(WriteError::Invalid(e)) => format!(
            "The autosaved text cannot be saved as it is ({}); open it in the form and fix it.",
            crate::views::forms::field_errors(&e)
                .into_values()
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Err(WriteError::Field { message, .. }) => message,
        Err(WriteError::Auth(e)) => return Err(e.into()),
        Err(WriteError::NotFound) => "There is no autosave to put back.".to_string(),
        Err(WriteError::Mail(e)) => return Err(e.into()),
        Err(WriteError::Db(e)) => return Err(e.into()),
    };
    let mut res = Redirect::to(&change_url(id)).into_response();
    flash_cookie::set(&mut res, Some(&message));
    Ok(res)
}

/// `POST /admin/posts/{id}/autosave/discard`.
pub async fn discard(
    State(ctx): State<AppContext>,
    actor: Actor,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    visible_post(&ctx, &actor, id).await?;
    autosaves::discard(&ctx.db, &actor, id).await?;
    let mut res = Redirect::to(&change_url(id)).into_response();
    flash_cookie::set(&mut res, Some("Your autosave is gone."));
    Ok(res)
}
