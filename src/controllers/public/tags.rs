use std::sync::Arc;

use axum::{
    Extension,
    extract::{Path, Query, State},
    response::Response,
};
use loco_rs::app::AppContext;

use super::{
    PER_PAGE, PageQuery,
    home::{ListOf, list_response},
};
use crate::{
    errors::{AppError, AppResult},
    models::{posts, tags},
    views::{Web, posts::tag_url},
};

/// `GET /tags/{slug}`: published posts with one tag.
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let tag = tags::Model::find_by_slug(&ctx.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = posts::Model::visible_by_tag(&ctx.db, tag.id, q.number(), PER_PAGE).await?;
    let base = tag_url(&tag.slug);
    let list = ListOf {
        base: &base,
        heading: format!("Stories tagged “{}”", tag.name),
        intro: None,
        titled: true,
    };
    list_response(&ctx, &web, &page, list).await
}
