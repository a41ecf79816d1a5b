use std::sync::Arc;

use axum::{
    Extension,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;
use serde::Serialize;

use super::{PER_PAGE, PageQuery};
use crate::{
    errors::{AppError, AppResult},
    models::{Page, posts},
    views::{
        Web,
        posts::{Pager, PostCard, Related, page_path, pager},
        web::CachePolicy,
    },
};

#[derive(Serialize)]
pub struct ListPage {
    /// The document title, before the site name; `None` on the home page.
    pub title: Option<String>,
    pub heading: String,
    pub intro: Option<String>,
    pub canonical_url: String,
    pub posts: Vec<PostCard>,
    pub pager: Pager,
}

/// What a list page is about: its address, heading and optional introduction.
pub struct ListOf<'a> {
    pub base: &'a str,
    pub heading: String,
    pub intro: Option<String>,
    /// Whether the document title names the list on its first page too.
    pub titled: bool,
}

/// `GET /`: the latest published posts.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let page = posts::Model::visible_page(&ctx.db, q.number(), PER_PAGE).await?;
    let list = ListOf {
        base: "/",
        heading: "Latest stories".into(),
        intro: None,
        titled: false,
    };
    list_response(&ctx, &web, &page, list).await
}

/// Renders one page of a post list (home, tag, author). A page past the last is a 404.
///
/// # Errors
/// [`AppError::NotFound`] past the last page; database or template errors.
pub async fn list_response(
    ctx: &AppContext,
    web: &Web,
    page: &Page<posts::Model>,
    list: ListOf<'_>,
) -> AppResult<Response> {
    if page.items.is_empty() && page.page > 1 {
        return Err(AppError::NotFound);
    }
    let related = Related::load(&ctx.db, &page.items).await?;
    let title = if page.page > 1 {
        Some(format!("{}, page {}", list.heading, page.page))
    } else {
        list.titled.then(|| list.heading.clone())
    };
    let view = ListPage {
        title,
        heading: list.heading,
        intro: list.intro,
        canonical_url: web.absolute(&page_path(list.base, page.page)),
        posts: related.cards(&page.items),
        pager: pager(page, list.base),
    };
    web.page(StatusCode::OK, "public/home.html", &view, CachePolicy::Page)
}
