//! Readers report a post or a comment: a page with the form (`GET`), and the form's post to
//! the same address. Works as plain HTML; `js/report.js` opens the same form inline under
//! a comment and sends it with `fetch`, swapping in the same thank-you.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;

use crate::{
    actor::Actor,
    errors::{AppError, AppResult},
    models::{
        WriteError, comments,
        moderation::reports::{self, ReportError, ReportForm, Reportable, Reporter},
        users,
    },
    views::{Web, posts::post_url, reports::ReportPage, web::CachePolicy},
    web::{MaybeActor, client::ClientAddr, session::CurrentSession},
};

/// Who the request comes from, as the report rules see them.
struct Sender<'a> {
    actor: Option<&'a Actor>,
    session: Option<&'a CurrentSession>,
    ip_key: String,
}

impl Sender<'_> {
    fn reporter(&self) -> Reporter<'_> {
        Reporter {
            user: self.actor.map(|a| &a.user),
            ip_key: &self.ip_key,
        }
    }
}

async fn page_for(
    ctx: &AppContext,
    item: &Reportable,
    action: String,
    from: &Sender<'_>,
) -> AppResult<ReportPage> {
    let author = match &item.comment {
        Some(c) => match c.author_id {
            Some(id) => users::display_names(&ctx.db, [id]).await?.remove(&id),
            None => c.guest_name.clone(),
        },
        None => users::display_names(&ctx.db, [item.post.author_id])
            .await?
            .remove(&item.post.author_id),
    };
    let mut page = ReportPage::new(item, action, author.as_deref().unwrap_or("someone"));
    page.csrf = from.session.map(|s| s.0.csrf_token.clone());
    page.signed_in_as = from.actor.map(|a| a.user.display_name.clone());
    Ok(page)
}

/// The status a refusal answers with.
const fn status_of(e: &ReportError) -> StatusCode {
    match e {
        ReportError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ReportError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        ReportError::OwnContent => StatusCode::FORBIDDEN,
        ReportError::AlreadyReported => StatusCode::CONFLICT,
        ReportError::AlreadyRemoved | ReportError::AlreadyHidden => StatusCode::GONE,
        ReportError::NotFound => StatusCode::NOT_FOUND,
        ReportError::Write(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn render(web: &Web, status: StatusCode, page: &ReportPage) -> AppResult<Response> {
    web.page(status, "public/report.html", page, CachePolicy::NoStore)
}

async fn show(
    ctx: &AppContext,
    web: &Web,
    item: Option<Reportable>,
    action: String,
    from: Sender<'_>,
) -> AppResult<Response> {
    let item = item.ok_or(AppError::NotFound)?;
    let mut page = page_for(ctx, &item, action, &from).await?;
    let mut status = StatusCode::OK;
    if let Some(refused) = reports::refusal(&ctx.db, item.target, from.reporter()).await? {
        status = status_of(&refused);
        page.closed = refused.message();
    }
    render(web, status, &page)
}

async fn create(
    ctx: &AppContext,
    web: &Web,
    item: Option<Reportable>,
    action: String,
    from: Sender<'_>,
    form: &ReportForm,
) -> AppResult<Response> {
    let item = item.ok_or(AppError::NotFound)?;
    let settings = &web.settings.moderation;
    let limit = reports::hourly_limit(settings);
    let outcome =
        reports::report(&ctx.db, settings, item.target, form, from.reporter(), limit).await;
    let refused = match outcome {
        Ok(_) => {
            return Ok(Redirect::to(&format!(
                "{}?reported=1#report-status",
                post_url(&item.post.slug)
            ))
            .into_response());
        }
        Err(ReportError::NotFound) => return Err(AppError::NotFound),
        Err(ReportError::Write(WriteError::Db(e))) => return Err(e.into()),
        Err(ReportError::Write(e)) => {
            tracing::error!(code = e.code(), "a report's flag was refused: {e}");
            return Err(AppError::BadRequest("the report was refused"));
        }
        Err(e) => e,
    };
    let mut page = page_for(ctx, &item, action, &from).await?;
    page.fill(form);
    match &refused {
        ReportError::Invalid(errors) => page.errors(errors),
        ReportError::RateLimited { .. } => page.form_error = refused.message(),
        _ => page.closed = refused.message(),
    }
    let mut res = render(web, status_of(&refused), &page)?;
    if let ReportError::RateLimited { retry_after, .. } = refused
        && let Ok(v) = HeaderValue::from_str(&retry_after.num_seconds().max(1).to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(res)
}

fn from_request<'a>(
    web: &Web,
    ip: &str,
    actor: Option<&'a Actor>,
    session: Option<&'a Extension<CurrentSession>>,
) -> Sender<'a> {
    Sender {
        actor,
        session: session.map(|e| &e.0),
        ip_key: comments::hash_ip(&web.settings.secret_key, ip),
    }
}

fn post_action(slug: &str) -> String {
    format!("{}/report", post_url(slug))
}

fn comment_action(id: i32) -> String {
    format!("/comments/{id}/report")
}

/// A comment id from the address; anything else is not found.
async fn comment_item(ctx: &AppContext, raw: &str) -> AppResult<(i32, Option<Reportable>)> {
    let id: i32 = raw.parse().map_err(|_| AppError::NotFound)?;
    Ok((id, reports::find_comment(&ctx.db, id).await?))
}

/// `GET /posts/{slug}/report`.
pub async fn post_page(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    Path(slug): Path<String>,
    ClientAddr(ip): ClientAddr,
    session: Option<Extension<CurrentSession>>,
    MaybeActor(actor): MaybeActor,
) -> AppResult<Response> {
    let item = reports::find_post(&ctx.db, &slug).await?;
    let from = from_request(&web, &ip, actor.as_ref(), session.as_ref());
    show(&ctx, &web, item, post_action(&slug), from).await
}

/// `POST /posts/{slug}/report`.
pub async fn post_report(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    Path(slug): Path<String>,
    ClientAddr(ip): ClientAddr,
    session: Option<Extension<CurrentSession>>,
    MaybeActor(actor): MaybeActor,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    let item = reports::find_post(&ctx.db, &slug).await?;
    let from = from_request(&web, &ip, actor.as_ref(), session.as_ref());
    create(&ctx, &web, item, post_action(&slug), from, &form).await
}

/// `GET /comments/{id}/report`.
pub async fn comment_page(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    Path(raw): Path<String>,
    ClientAddr(ip): ClientAddr,
    session: Option<Extension<CurrentSession>>,
    MaybeActor(actor): MaybeActor,
) -> AppResult<Response> {
    let (id, item) = comment_item(&ctx, &raw).await?;
    let from = from_request(&web, &ip, actor.as_ref(), session.as_ref());
    show(&ctx, &web, item, comment_action(id), from).await
}

/// `POST /comments/{id}/report`.
pub async fn comment_report(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    Path(raw): Path<String>,
    ClientAddr(ip): ClientAddr,
    session: Option<Extension<CurrentSession>>,
    MaybeActor(actor): MaybeActor,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    let (id, item) = comment_item(&ctx, &raw).await?;
    let from = from_request(&web, &ip, actor.as_ref(), session.as_ref());
    create(&ctx, &web, item, comment_action(id), from, &form).await
}
