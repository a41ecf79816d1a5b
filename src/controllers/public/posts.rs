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
    actor::Actor,
    errors::{AppError, AppResult},
    markdown,
    models::{comments, posts},
    views::{
        Web,
        posts::{
            ClosedView, CommentFormView, PostPage, Related, article_json_ld, comment_views,
            post_url,
        },
        web::CachePolicy,
    },
    web::{
        MaybeActor,
        reading::{self, ReadRefusal},
        session::CurrentSession,
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
    let view = post_page(&ctx, &web, &post, actor.as_ref(), form, pending).await?;
    // The thank-you variant, pages with a session's token and a closed post opened for this
    // reader are personal: keep them out of shared caches.
    let opened_for_reader = !post.is_public() && view.body_html.is_some();
    let cache = if pending || personal || opened_for_reader {
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
    reader: Option<&Actor>,
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
    let access = reading::check_read(post, reader);
    let body_html = if access.is_ok() {
        let images = crate::views::images::body_images(&ctx.db, &post.body_html).await?;
        Some(crate::views::images::enrich_body(&post.body_html, &images))
    } else {
        None
    };
    Ok(PostPage {
        body_html,
        closed: access.err().map(|why| ClosedView {
            why: match why {
                ReadRefusal::SignIn => "sign_in",
                ReadRefusal::Paid => "paid",
            },
            signed_in: reader.is_some(),
            signup_enabled: web.settings.accounts.signup_enabled,
            login_url: format!(
                "/login?next={}",
                crate::views::forms::urlencode(&post_url(&post.slug))
            ),
        }),
        og_image: card.image.as_ref().map(|i| web.absolute(&i.preview.url)),
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
