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
    models::{posts, users},
    views::{
        Web,
        posts::{Related, author_url, page_path, pager},
        web::CachePolicy,
    },
};

/// `GET /authors/{slug}`: an author's bio and published posts. Accounts with no published
/// post (readers, new staff) have no public page.
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let author = users::Model::find_by_slug(&ctx.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = posts::Model::visible_by_author(&ctx.db, author.id, q.number(), PER_PAGE).await?;
    if page.items.is_empty() {
        return Err(AppError::NotFound);
    }
    let related = Related::load(&ctx.db, &page.items).await?;
    let base = author_url(&author.slug);
    let view = ListPage {
        title: Some(list_title(&author.display_name, page.page)),
        heading: author.display_name.clone(),
        intro: Some(author.bio.clone()).filter(|b| !b.is_empty()),
        canonical_url: web.absolute(&page_path(&base, page.page)),
        posts: related.cards(&page.items),
        pager: pager(&page, &base),
    };
    web.page(StatusCode::OK, "public/home.html", &view, CachePolicy::Page)
}
