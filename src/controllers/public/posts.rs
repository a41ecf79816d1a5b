use std::sync::Arc;

use axum::{
    Extension,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;
use sea_orm::EntityTrait;
use serde::Deserialize;

use crate::{
    actor::Actor,
    errors::{AppError, AppResult},
    markdown,
    models::{comments, moderation::sanctions, posts},
    views::{
        Web,
        posts::{
            ClosedView, CommentFormView, PostPage, Related, Thanks, article_json_ld, comment_views,
            post_url, silenced_sentence,
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
    #[serde(default)]
    reported: Option<String>,
}

impl ShowQuery {
    /// The thank-you the address asks for, if any.
    fn thanks(&self) -> Option<Thanks> {
        if self.reported.is_some() {
            return Some(Thanks::Reported);
        }
        match self.comment.as_deref() {
            Some("pending") => Some(Thanks::CommentHeld),
            Some("published") => Some(Thanks::CommentPublished),
            _ => None,
        }
    }
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
    let thanks = q.thanks();
    let mut form = CommentFormView::default();
    personalize(&mut form, session.as_ref().map(|e| &e.0), actor.as_ref());
    let personal = form.csrf.is_some();
    let view = post_page(&ctx, &web, &post, actor.as_ref(), form, thanks).await?;
    // The thank-you variants, pages with a session's token and a closed post opened for this
    // reader are personal: keep them out of shared caches.
    let opened_for_reader = !post.is_public() && view.body_html.is_some();
    let cache = if thanks.is_some() || personal || opened_for_reader {
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
    mut form: CommentFormView,
    thanks: Option<Thanks>,
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
    if public && let Some(reader) = reader {
        let silenced = sanctions::silenced_until(&ctx.db, reader.user.id).await?;
        form.silenced = silenced
            .map(|until| silenced_sentence(until, web.settings.editorial.tz_for(&reader.user)));
    }
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
        comment_pending: thanks == Some(Thanks::CommentHeld),
        comment_published: thanks == Some(Thanks::CommentPublished),
        reported: thanks == Some(Thanks::Reported),
        post: card,
        preview: None,
    })
}

/// The post page of `post` whatever its state, its body shown in full, with the preview
/// band: for staff (`back` their way back) or a signed link (`expires`).
///
/// # Errors
/// When the database cannot be queried.
pub async fn preview_page(
    ctx: &AppContext,
    web: &Web,
    post: &posts::Model,
    banner: crate::views::posts::PreviewBanner,
) -> AppResult<PostPage> {
    let mut view = post_page(ctx, web, post, None, CommentFormView::default(), None).await?;
    view.body_html = Some(post.body_html.clone());
    view.closed = None;
    view.comments = Vec::new();
    view.comments_open = false;
    view.preview = Some(banner);
    Ok(view)
}

/// A preview response: never stored, never indexed, and its address (which may carry a
/// signed token) never sent on to the sites the post links to.
pub fn preview_headers(mut res: Response) -> Response {
    use axum::http::{HeaderValue, header};
    let h = res.headers_mut();
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `GET /preview/{token}`: a post opened by a signed preview link, for anyone holding it.
pub async fn shared_preview(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    use crate::models::posts::preview::{self, Refusal};
    let id = match preview::verify(&web.settings.secret_key, &token, crate::models::now()) {
        Ok(id) => id,
        Err(Refusal::Invalid) => return Err(AppError::NotFound),
        Err(Refusal::Expired) => {
            let res = web.page(
                StatusCode::GONE,
                "public/error.html",
                &serde_json::json!({"status": 410, "title": "This preview link has expired", "message": "Preview links work for a limited time. Ask whoever sent it for a new one."}),
                CachePolicy::NoStore,
            )?;
            return Ok(preview_headers(res));
        }
    };
    let post = posts::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let banner = crate::views::posts::PreviewBanner {
        state: post.state.replace('_', " "),
        expires: preview::expiry(&token)
            .map(|at| crate::views::time::show(web.settings.editorial.tz(), at)),
        back: None,
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
