//! A post's workflow page: the transitions the viewer may take now, each a form that works
//! without JavaScript, and the post's timeline. Every step is one call to
//! [`crate::models::posts::workflow::apply`], which checks who may take it.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use serde::Deserialize;

use super::{AdminChrome, visible_post};
use crate::{
    auth::{Actor, RequestMeta},
    errors::{AppError, AppResult},
    models::{
        WriteError,
        posts::{
            self,
            workflow::{self, Transition, TransitionForm},
        },
    },
    views::{
        Web,
        admin::workflow::{StepView, TransitionView, WorkflowPage},
        flash as flash_cookie,
        forms::FieldErrors,
        web::CachePolicy,
    },
};

fn page_url(id: i32) -> String {
    format!("/admin/posts/{id}/workflow")
}

/// What the page shows besides the post: a message, or a refused step and what was typed.
#[derive(Default)]
struct Shown {
    flash: Option<String>,
    failed: Option<&'static str>,
    errors: FieldErrors,
    note: String,
    at: String,
}

async fn render(
    ctx: &AppContext,
    web: &Web,
    actor: &Actor,
    post: &posts::Model,
    shown: Shown,
    status: StatusCode,
) -> AppResult<Response> {
    let timeline = workflow::timeline(&ctx.db, post.id, 50).await?;
    let had_flash = shown.flash.is_some();
    let view = WorkflowPage {
        title: format!("Workflow of “{}”", post.title),
        admin: AdminChrome::new(actor, "/admin/content/posts"),
        post_id: post.id,
        post_title: post.title.clone(),
        post_url: format!("/admin/content/posts/{}", post.id),
        state: post.state.replace('_', " "),
        scheduled: post
            .scheduled_at
            .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string()),
        lock_version: post.lock_version,
        actions: Transition::available(actor, post)
            .into_iter()
            .map(TransitionView::from)
            .collect(),
        timeline: timeline.iter().map(StepView::from).collect(),
        failed: shown.failed,
        errors: shown.errors,
        note: shown.note,
        at: shown.at,
        flash: shown.flash,
    };
    let res = web.page(status, "admin/workflow.html", &view, CachePolicy::NoStore)?;
    Ok(flash_cookie::shown(res, had_flash))
}

/// `GET /admin/posts/{id}/workflow`.
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let post = visible_post(&ctx, &actor, id).await?;
    let shown = Shown {
        flash: flash_cookie::read(&headers),
        ..Shown::default()
    };
    render(&ctx, &web, &actor, &post, shown, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct StepForm {
    transition: String,
    lock_version: i32,
    #[serde(default)]
    note: String,
    /// `YYYY-MM-DDTHH:MM`, in UTC (the field says so).
    #[serde(default)]
    at: String,
}

/// `POST /admin/posts/{id}/workflow`: takes one step, then back to the page with what it
/// did, or the page again with the reason next to the field.
pub async fn step(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    visible_post(&ctx, &actor, id).await?;
    let t = Transition::parse(&f.transition).ok_or(AppError::BadRequest("unknown transition"))?;
    let mut errors = FieldErrors::new();
    let at = match f.at.trim() {
        "" => None,
        raw => match chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M") {
            Ok(n) => Some(n.and_utc().fixed_offset()),
            Err(_) => {
                errors.insert(
                    "at".into(),
                    "Enter a date and time such as 2027-01-31T09:00.".into(),
                );
                None
            }
        },
    };
    let status = if errors.is_empty() {
        let form = TransitionForm {
            transition: t,
            lock_version: f.lock_version,
            note: f.note.clone(),
            at,
        };
        match workflow::apply(&ctx.db, &actor, &meta, id, &form).await {
            Ok(saved) => {
                let mut res = Redirect::to(&page_url(id)).into_response();
                flash_cookie::set(
                    &mut res,
                    Some(&format!(
                        "{}: done. The post is now {}.",
                        t.label(),
                        saved.state.replace('_', " ")
                    )),
                );
                return Ok(res);
            }
            Err(WriteError::Field { field, message }) => {
                errors.insert(field.to_string(), message);
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(WriteError::Stale { current }) => {
                errors.insert(
                    "__all__".into(),
                    format!(
                        "Someone changed this post since you opened the page (it is now at version \
                         {current}). The page below is as it stands now; try again if the step still applies."
                    ),
                );
                StatusCode::CONFLICT
            }
            Err(WriteError::Auth(e)) => return Err(e.into()),
            Err(WriteError::NotFound) => return Err(AppError::NotFound),
            Err(WriteError::Invalid(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            Err(WriteError::Mail(e)) => return Err(e.into()),
            Err(WriteError::Db(e)) => return Err(e.into()),
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let current = visible_post(&ctx, &actor, id).await?;
    let shown = Shown {
        flash: None,
        failed: Some(t.as_str()),
        errors,
        note: f.note,
        at: f.at,
    };
    render(&ctx, &web, &actor, &current, shown, status).await
}
