use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;

use super::posts::{personalize, post_page};
use crate::{
    errors::{AppError, AppResult},
    models::{
        comments::{self, CommentError, CommentForm, CommentStatus, RateLimit, Submitted},
        posts,
    },
    views::{
        Web,
        posts::{CommentFormView, post_url},
        web::CachePolicy,
    },
    web::{MaybeActor, client::ClientAddr, session::CurrentSession},
};

/// `POST /posts/{slug}/comments`: a reader's comment, held as pending when a moderation rule
/// holds it, else published at once. Works as a plain form post: errors re-render the page
/// with each message next to its field; a silenced member is told until when.
pub async fn create(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    Path(slug): Path<String>,
    ClientAddr(ip): ClientAddr,
    session: Option<Extension<CurrentSession>>,
    MaybeActor(actor): MaybeActor,
    Form(mut form): Form<CommentForm>,
) -> AppResult<Response> {
    let post = posts::Model::find_visible_by_slug(&ctx.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !post.is_public() {
        return Err(AppError::NotFound);
    }
    let settings = &web.settings;
    let limit = RateLimit {
        max: settings.comments.max_per_window,
        window: chrono::Duration::minutes(settings.comments.window_minutes),
    };
    let ip_hash = comments::hash_ip(&settings.secret_key, &ip);
    if let Some(a) = &actor {
        form.name = a.user.display_name.clone();
    }
    let author = actor.as_ref().map(|a| &a.user);
    let personal = |mut f: CommentFormView| {
        personalize(&mut f, session.as_ref().map(|e| &e.0), actor.as_ref());
        f
    };
    let submitted = comments::Model::submit_comment(
        &ctx.db,
        &settings.moderation,
        post.id,
        &form,
        author,
        &ip_hash,
        limit,
    )
    .await;
    match submitted {
        Ok(Submitted::Stored(c)) if c.status == CommentStatus::Approved.as_str() => {
            Ok(Redirect::to(&format!(
                "{}?comment=published#comment-{}",
                post_url(&post.slug),
                c.id
            ))
            .into_response())
        }
        Ok(_) => Ok(Redirect::to(&format!(
            "{}?comment=pending#comment-status",
            post_url(&post.slug)
        ))
        .into_response()),
        Err(CommentError::Silenced { .. }) => {
            // The page says so in place of the form, with the date; nothing was stored.
            let view = post_page(
                &ctx,
                &web,
                &post,
                actor.as_ref(),
                personal(CommentFormView::default()),
                None,
            )
            .await?;
            web.page(
                StatusCode::FORBIDDEN,
                "public/post.html",
                &view,
                CachePolicy::NoStore,
            )
        }
        Err(CommentError::Flag(e)) => {
            tracing::error!(code = e.code(), "a rule's flag was refused: {e}");
            Err(AppError::BadRequest("the comment was refused"))
        }
        Err(CommentError::Invalid(errors)) => {
            let view = post_page(
                &ctx,
                &web,
                &post,
                actor.as_ref(),
                CommentFormView::with_errors(&form, &errors),
                None,
            )
            .await?;
            web.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "public/post.html",
                &view,
                CachePolicy::NoStore,
            )
        }
        Err(CommentError::RateLimited { retry_after }) => {
            let minutes = ((retry_after.num_seconds() + 59) / 60).max(1);
            let form_view = CommentFormView {
                name: form.name.clone(),
                body: form.body.clone(),
                form_error: Some(format!(
                    "You have posted several comments in a short time. Please wait {minutes} minute{} and send this one again; we kept your text below.",
                    if minutes == 1 { "" } else { "s" }
                )),
                ..CommentFormView::default()
            };
            let view =
                post_page(&ctx, &web, &post, actor.as_ref(), personal(form_view), None).await?;
            let mut res = web.page(
                StatusCode::TOO_MANY_REQUESTS,
                "public/post.html",
                &view,
                CachePolicy::NoStore,
            )?;
            if let Ok(v) =
                axum::http::HeaderValue::from_str(&retry_after.num_seconds().max(1).to_string())
            {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            Ok(res)
        }
        Err(CommentError::Db(e)) => Err(e.into()),
    }
}
