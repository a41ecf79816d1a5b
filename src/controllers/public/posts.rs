use std::sync::Arc;

use axum::{
    Extension,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;
use serde::Deserialize;

use crate::{
    auth::{Actor, actor::MaybeActor, session::CurrentSession},
    errors::{AppError, AppResult},
    markdown,
    models::{comments, posts},
    views::{
        Web,
        posts::{CommentFormView, PostPage, Related, article_json_ld, comment_views, post_url},
        web::CachePolicy,
    },
};

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    comment: Option<String>,
}

/// `GET /posts/{slug}`.
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    Path(slug): Path<String>,
    Query(q): Query<ShowQuery>,
    session: Option<Extension<CurrentSession>>,
    MaybeActor(actor): MaybeActor,
) -> AppResult<Response> {
    let post = posts::Model::find_visible_by_slug(&ctx.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let pending = q.comment.as_deref() == Some("pending");
    let mut form = CommentFormView::default();
    personalize(&mut form, session.as_ref().map(|e| &e.0), actor.as_ref());
    let personal = form.csrf.is_some();
    let view = post_page(&ctx, &web, &post, form, pending).await?;
    // The thank-you variant and pages with a session's token are personal: keep them out of
    // shared caches.
    let cache = if pending || personal {
        CachePolicy::NoStore
    } else {
        CachePolicy::Page
    };
    web.page(StatusCode::OK, "public/post.html", &view, cache)
}

/// The reader's session and name, for the comment form.
pub fn personalize(
    form: &mut CommentFormView,
    session: Option<&CurrentSession>,
    actor: Option<&Actor>,
) {
    form.csrf = session.map(|s| s.0.csrf_token.clone());
    form.signed_in_as = actor.map(|a| a.user.display_name.clone());
}

/// Everything the post page shows, with the comment form in the given state.
///
/// # Errors
/// When the database cannot be queried.
pub async fn post_page(
    ctx: &AppContext,
    web: &Web,
    post: &posts::Model,
    form: CommentFormView,
    comment_pending: bool,
) -> AppResult<PostPage> {
    let related = Related::load(&ctx.db, std::slice::from_ref(post)).await?;
    let card = related.card(post);
    let canonical_url = web.absolute(&post_url(&post.slug));
    let public = post.is_public();
    let comments = if public {
        comment_views(
            &ctx.db,
            comments::Model::approved_for_post(&ctx.db, post.id).await?,
        )
        .await?
    } else {
        Vec::new()
    };
    let description = if post.summary.is_empty() {
        markdown::plain_text(&post.body_markdown)
            .chars()
            .take(200)
            .collect()
    } else {
        post.summary.clone()
    };
    let json_ld = article_json_ld(
        post,
        &card,
        &canonical_url,
        &web.absolute(&card.author.url),
        &web.settings.site.title,
    );
    Ok(PostPage {
        body_html: public.then(|| post.body_html.clone()),
        canonical_url,
        description,
        json_ld,
        comments,
        comments_open: public,
        form,
        comment_pending,
        post: card,
    })
}
