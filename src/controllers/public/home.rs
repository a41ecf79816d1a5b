use std::sync::Arc;

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;
use serde::Serialize;

use super::{PER_PAGE, PageQuery};
use crate::{
    errors::{AppError, AppResult},
    models::posts,
    views::{
        Web,
        posts::{Pager, PostCard, Related, page_path, pager},
        web::CachePolicy,
    },
};

#[derive(Serialize)]
pub struct ListPage {
    /// The document title, before the site name.
    pub title: Option<String>,
    pub heading: String,
    pub intro: Option<String>,
    pub canonical_url: String,
    pub posts: Vec<PostCard>,
    pub pager: Pager,
}

/// `GET /`: the latest published posts.
pub async fn index(
    State(ctx): State<AppContext>,
    axum::Extension(web): axum::Extension<Arc<Web>>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let page = posts::Model::visible_page(&ctx.db, q.number(), PER_PAGE).await?;
    if page.items.is_empty() && page.page > 1 {
        return Err(AppError::NotFound);
    }
    let related = Related::load(&ctx.db, &page.items).await?;
    let view = ListPage {
        title: (page.page > 1).then(|| list_title("Latest stories", page.page)),
        heading: "Latest stories".into(),
        intro: None,
        canonical_url: web.absolute(&page_path("/", page.page)),
        posts: related.cards(&page.items),
        pager: pager(&page, "/"),
    };
    web.page(StatusCode::OK, "public/home.html", &view, CachePolicy::Page)
}

/// "Heading", or "Heading, page N" past the first page.
#[must_use]
pub fn list_title(heading: &str, page: u64) -> String {
    if page > 1 {
        format!("{heading}, page {page}")
    } else {
        heading.to_string()
    }
}
