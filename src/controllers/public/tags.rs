use std::sync::Arc;

use axum::{
    Extension,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;

use super::{
    PER_PAGE, PageQuery,
    home::{ListPage, list_title},
};
use crate::{
    errors::{AppError, AppResult},
    models::{posts, tags},
    views::{
        Web,
        posts::{Related, page_path, pager, tag_url},
        web::CachePolicy,
    },
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
    if page.items.is_empty() && page.page > 1 {
        return Err(AppError::NotFound);
    }
    let related = Related::load(&ctx.db, &page.items).await?;
    let base = tag_url(&tag.slug);
    let heading = format!("Stories tagged “{}”", tag.name);
    let view = ListPage {
        title: Some(list_title(&heading, page.page)),
        heading,
        intro: None,
        canonical_url: web.absolute(&page_path(&base, page.page)),
        posts: related.cards(&page.items),
        pager: pager(&page, &base),
    };
    web.page(StatusCode::OK, "public/home.html", &view, CachePolicy::Page)
}
