//! Review comments on a post: added from its workflow page, resolved there or next to their
//! field on the post's page. Each is one call to `posts::review_comments`.
use axum::{
    Form,
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;

use super::visible_post;
use crate::{
    auth::{Actor, RequestMeta},
    errors::{AppError, AppResult},
    models::{
        WriteError,
        posts::review_comments::{self, CommentForm},
    },
    views::flash as flash_cookie,
};

/// Where to go back to: the post's page or its workflow page, nowhere else.
fn back(id: i32, to: &str) -> String {
    if to == "post" {
        format!("/admin/content/posts/{id}")
    } else {
        format!("/admin/posts/{id}/workflow#comments")
    }
}

fn done(id: i32, to: &str, message: &str) -> Response {
    let mut res = Redirect::to(&back(id, to)).into_response();
    flash_cookie::set(&mut res, Some(message));
    res
}

#[derive(Debug, serde::Deserialize)]
pub struct AddForm {
    #[serde(default)]
    field: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    back: String,
}

/// `POST /admin/posts/{id}/comments`.
pub async fn add(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(f): Form<AddForm>,
) -> AppResult<Response> {
    visible_post(&ctx, &actor, id).await?;
    let form = CommentForm {
        field: f.field,
        body: f.body,
    };
    let message = match review_comments::add(&ctx.db, &actor, &meta, id, &form).await {
        Ok(_) => "Your comment is on the post; its author sees it next to the field.".to_string(),
        Err(WriteError::Field { message, .. }) => format!("Nothing was added: {message}"),
        Err(WriteError::Auth(e)) => return Err(e.into()),
        Err(WriteError::NotFound) => return Err(AppError::NotFound),
        Err(WriteError::Db(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::BadRequest("comment")),
    };
    Ok(done(id, &f.back, &message))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    back: String,
}

/// `POST /admin/posts/{id}/comments/{comment}/resolve`.
pub async fn resolve(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path((id, comment)): Path<(i32, i32)>,
    Form(f): Form<ResolveForm>,
) -> AppResult<Response> {
    visible_post(&ctx, &actor, id).await?;
    let message = match review_comments::resolve(&ctx.db, &actor, &meta, id, comment).await {
        Ok(_) => "Marked resolved.".to_string(),
        Err(WriteError::Field { message, .. }) => message,
        Err(WriteError::Auth(e)) => return Err(e.into()),
        Err(WriteError::NotFound) => return Err(AppError::NotFound),
        Err(WriteError::Db(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::BadRequest("resolve")),
    };
    Ok(done(id, &f.back, &message))
}
