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
    models::{posts, users},
    views::{Web, posts::author_url},
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
    if page.total_items == 0 {
        return Err(AppError::NotFound);
    }
    let base = author_url(&author.slug);
    let intro = Some(author.bio).filter(|b| !b.is_empty());
    let list = ListOf {
        base: &base,
        heading: author.display_name,
        intro,
        titled: true,
    };
    list_response(&ctx, &web, &page, list).await
}
