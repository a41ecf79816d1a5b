//! Previews: a post as readers will see it, whatever its state, for staff who may see it;
//! and signed links to that preview for a reviewer without an account.
use std::sync::Arc;

use axum::{
    Extension,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;

use super::visible_post;
use crate::{
    auth::{Actor, RequestMeta},
    controllers::public::posts::{preview_headers, preview_page},
    errors::{AppError, AppResult},
    models::{
        WriteError,
        posts::{autosaves, preview},
    },
    views::{Web, posts::PreviewBanner, web::CachePolicy},
};

#[derive(Debug, Default, serde::Deserialize)]
pub struct PreviewQuery {
    /// `mine`: with the viewer's autosaved text (what they typed and have not saved), as
    /// the change page shows it beside the form.
    #[serde(default)]
    draft: Option<String>,
}

/// `GET /admin/posts/{id}/preview` (`?draft=mine`: with the viewer's unsaved text).
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Path(id): Path<i32>,
    Query(q): Query<PreviewQuery>,
) -> AppResult<Response> {
    let mut post = visible_post(&ctx, &actor, id).await?;
    let mut state = post.state.replace('_', " ");
    if q.draft.as_deref() == Some("mine")
        && let Some(typed) = autosaves::offered(&ctx.db, &actor, &post).await?
    {
        post.title = typed.title;
        post.summary = typed.summary;
        post.body_html = crate::markdown::render_post(&typed.body_markdown);
        post.reading_minutes =
            i32::try_from(crate::markdown::reading_minutes(&typed.body_markdown)).unwrap_or(1);
        post.body_markdown = typed.body_markdown;
        state.push_str(", with your unsaved changes");
    }
    let banner = PreviewBanner {
        state,
        expires: None,
        back: Some(format!("/admin/content/posts/{id}")),
    };
    let view = preview_page(&ctx, &web, &post, banner).await?;
    let res = web.page(
        StatusCode::OK,
        "public/post.html",
        &view,
        CachePolicy::NoStore,
    )?;
    Ok(preview_headers(res))
}

/// `POST /admin/posts/{id}/preview-link`: makes a link and shows it on the workflow page,
/// this once.
pub async fn create_link(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let post = visible_post(&ctx, &actor, id).await?;
    let hours = web.settings.editorial.preview_link_hours;
    let link =
        match preview::create(&ctx.db, &actor, &meta, &web.settings.secret_key, hours, id).await {
            Ok(link) => link,
            Err(WriteError::Auth(e)) => return Err(e.into()),
            Err(WriteError::NotFound) => return Err(AppError::NotFound),
            Err(WriteError::Db(e)) => return Err(e.into()),
            Err(_) => return Err(AppError::BadRequest("preview link")),
        };
    let url = web.absolute(&format!("/preview/{}", link.token));
    let shown = super::workflow::PreviewShown {
        url,
        expires: crate::views::time::show(
            web.settings.editorial.tz_for(&actor.user),
            link.expires_at,
        ),
    };
    super::workflow::render_with_preview(&ctx, &web, &actor, &post, shown).await
}
