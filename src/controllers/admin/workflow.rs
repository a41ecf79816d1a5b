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
            self, reviews,
            workflow::{self, Transition, TransitionForm},
        },
    },
    views::{
        Web,
        admin::workflow::{
            CommentView, ConflictView, FieldChoice, FindingView, PreviewLinkView, StageView,
            StepView, TransitionView, WorkflowPage, late_words,
        },
        flash as flash_cookie,
        forms::FieldErrors,
        time,
        web::CachePolicy,
    },
};

/// Puts the post's publish and unpublish jobs in step with it (see
/// [`crate::jobs::publish::sync`]).
pub(crate) async fn sync_jobs(ctx: &AppContext, post: &posts::Model) -> Result<(), String> {
    let jobs = crate::jobs::Jobs::get(ctx).map_err(|e| e.to_string())?;
    crate::jobs::publish::sync(&jobs.client, post)
        .await
        .map_err(|e| e.to_string())
}

fn page_url(id: i32) -> String {
    format!("/admin/posts/{id}/workflow")
}

/// A preview link just made, shown this once.
pub struct PreviewShown {
    pub url: String,
    pub expires: String,
}

/// The workflow page showing a preview link just made (no-store, never cached).
///
/// # Errors
/// The database or the template fails.
pub async fn render_with_preview(
    ctx: &AppContext,
    web: &Web,
    actor: &Actor,
    post: &posts::Model,
    preview: PreviewShown,
) -> AppResult<Response> {
    let shown = Shown {
        preview: Some(preview),
        ..Shown::default()
    };
    render(ctx, web, actor, post, shown, StatusCode::OK).await
}

/// What the page shows besides the post: a message, or a refused step and what was typed.
#[derive(Default)]
struct Shown {
    preview: Option<PreviewShown>,
    /// A stale step: the version, state and revision its page showed.
    stale: Option<(i32, String, i32)>,
    flash: Option<String>,
    failed: Option<&'static str>,
    errors: FieldErrors,
    note: String,
    at: String,
    until: String,
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
    let revision = posts::revisions::latest_number(&ctx.db, post.id).await?;
    let had_flash = shown.flash.is_some();
    let policy = &web.settings.editorial;
    let tz = policy.tz_for(&actor.user);
    let standing = reviews::standing(policy, post);
    let comments = crate::models::posts::review_comments::list(&ctx.db, post.id).await?;
    let holder_ids: Vec<i32> = post
        .review_holder_id
        .into_iter()
        .chain(
            comments
                .iter()
                .flat_map(|c| [c.author_id, c.resolved_by_id])
                .flatten(),
        )
        .collect();
    let names = crate::models::users::display_names(&ctx.db, holder_ids.iter().copied()).await?;
    let holder = post.review_holder_id.map(|h| {
        names
            .get(&h)
            .cloned()
            .unwrap_or_else(|| format!("person #{h}"))
    });
    let stages = policy
        .stages()
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let current = standing.as_ref().is_some_and(|s| s.index == i);
            StageView {
                name: stage.name.clone(),
                approvers: reviews::approvers(stage),
                status: match &standing {
                    Some(s) if i < s.index => "passed",
                    Some(s) if i == s.index => "current",
                    _ => "to come",
                },
                due: post
                    .review_due_at
                    .filter(|_| current)
                    .map(|d| time::show(tz, d)),
                overdue: current && post.review_due_at.is_some_and(|d| d < crate::models::now()),
                holder: holder.clone().filter(|_| current),
            }
        })
        .collect();
    let late = posts::late_publishes(&ctx.db, Some(post.id), 30, 5)
        .await?
        .iter()
        .map(|l| late_words(l, tz))
        .collect();
    let report =
        crate::models::posts::accessibility::check(&post.title, &post.summary, &post.body_markdown);
    let edit_url = format!("/admin/content/posts/{}", post.id);
    let accessibility = report
        .findings
        .iter()
        .map(|f| FindingView::new(f, &edit_url))
        .collect();
    let blocked = report.blocks();
    let can_take = standing.as_ref().is_some_and(|s| {
        reviews::may_approve(&s.stage, actor) && post.review_holder_id != Some(actor.user.id)
    });
    let view = WorkflowPage {
        title: format!("Workflow of “{}”", post.title),
        admin: AdminChrome::new(actor, "/admin/content/posts"),
        post_id: post.id,
        post_title: post.title.clone(),
        post_url: format!("/admin/content/posts/{}", post.id),
        state: post.state.replace('_', " "),
        scheduled: post.scheduled_at.map(|d| time::show(tz, d)),
        unpublish: post.unpublish_at.map(|d| time::show(tz, d)),
        late,
        zone_hint: time::zone_hint(tz, crate::models::now()),
        in_review: standing.is_some(),
        stages,
        can_take,
        lock_version: post.lock_version,
        actions: Transition::available(actor, post, policy)
            .into_iter()
            .map(|t| {
                let mut v = TransitionView::new(t, standing.as_ref());
                v.blocked = blocked && t.checks_accessibility();
                v
            })
            .collect(),
        comments: comments
            .iter()
            .map(|c| CommentView::new(c, &names, tz))
            .collect(),
        may_comment: crate::models::posts::review_comments::may_comment(actor, post),
        comment_fields: crate::models::posts::review_comments::FIELDS
            .iter()
            .map(|&(value, name)| FieldChoice { value, name })
            .collect(),
        accessibility,
        may_override: actor.role() == crate::auth::Role::Admin,
        timeline: timeline.iter().map(|s| StepView::new(s, tz)).collect(),
        failed: shown.failed,
        errors: shown.errors,
        note: shown.note,
        at: shown.at,
        until: shown.until,
        preview_link: shown.preview.map(|p| PreviewLinkView {
            url: p.url,
            expires: p.expires,
        }),
        may_share: true,
        flash: shown.flash,
        revision,
        conflict: shown
            .stale
            .map(|(seen_version, seen_state, seen_revision)| ConflictView {
                seen_version,
                seen_state: seen_state.replace('_', " "),
                seen_revision,
                now_version: post.lock_version,
                now_state: post.state.replace('_', " "),
                now_revision: revision,
                compare_url: (seen_revision > 0 && seen_revision != revision).then(|| {
                    format!(
                        "/admin/posts/{}/revisions/compare?a={seen_revision}&b={revision}",
                        post.id
                    )
                }),
                last_step: timeline.first().map(|s| {
                    format!(
                        "{}: {}, {}",
                        s.transition.label(),
                        s.who,
                        time::show(tz, s.at)
                    )
                }),
            }),
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
    /// `YYYY-MM-DDTHH:MM`, in the site's time zone (the field says which).
    #[serde(default)]
    at: String,
    /// When the post comes down again (optional), in the same form.
    #[serde(default)]
    until: String,
    /// An admin's reason to override the accessibility check.
    #[serde(default)]
    override_reason: String,
    /// The state and latest revision the page showed, to show both versions when the post
    /// moved on meanwhile.
    #[serde(default)]
    seen_state: String,
    #[serde(default)]
    seen_revision: i32,
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
    let policy = &web.settings.editorial;
    let at = match f.at.trim() {
        "" => None,
        raw => match time::parse(policy.tz_for(&actor.user), raw) {
            Ok(at) => Some(at),
            Err(message) => {
                errors.insert("at".into(), message);
                None
            }
        },
    };
    let until = match f.until.trim() {
        "" => None,
        raw => match time::parse(policy.tz_for(&actor.user), raw) {
            Ok(at) => Some(at),
            Err(message) => {
                errors.insert("until".into(), message);
                None
            }
        },
    };
    let mut stale = None;
    let status = if errors.is_empty() {
        let form = TransitionForm {
            transition: t,
            lock_version: f.lock_version,
            note: f.note.clone(),
            at,
            until,
            override_reason: f.override_reason.clone(),
        };
        match workflow::apply(&ctx.db, &actor, &meta, policy, id, &form).await {
            Ok(workflow::Moved { post: saved, mail }) => {
                crate::models::mail::dispatch_all(&ctx, mail).await;
                let mut message = match reviews::standing(policy, &saved) {
                    Some(s) if t == Transition::Approve => format!(
                        "{}: done. The post moves on to “{}” ({} of {}).",
                        t.label(),
                        s.stage.name,
                        s.index + 1,
                        s.of
                    ),
                    _ => format!(
                        "{}: done. The post is now {}.",
                        t.label(),
                        saved.state.replace('_', " ")
                    ),
                };
                if let Some(at) = saved.unpublish_at {
                    message.push_str(&format!(
                        " It comes down {}.",
                        time::show(policy.tz_for(&actor.user), at)
                    ));
                }
                if let Err(e) = sync_jobs(&ctx, &saved).await {
                    tracing::warn!(post = id, error = %e, "could not queue the post's publish jobs");
                    message.push_str(
                        " The job runtime could not be reached, so the publish job was not \
                         queued yet: the minute sweep queues it once the runtime is back.",
                    );
                }
                let mut res = Redirect::to(&page_url(id)).into_response();
                flash_cookie::set(&mut res, Some(&message));
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
                         {current}): nothing was done. Both versions are below; the page is as it \
                         stands now, so try again if the step still applies."
                    ),
                );
                stale = Some((f.lock_version, f.seen_state.clone(), f.seen_revision));
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
        stale,
        failed: Some(t.as_str()),
        errors,
        note: f.note,
        at: f.at,
        until: f.until,
        ..Shown::default()
    };
    render(&ctx, &web, &actor, &current, shown, status).await
}

#[derive(Debug, Deserialize)]
pub struct TakeForm {
    lock_version: i32,
}

/// `POST /admin/posts/{id}/workflow/take`: the viewer takes the review of the post's current
/// stage, so colleagues see who holds it.
pub async fn take(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(f): Form<TakeForm>,
) -> AppResult<Response> {
    visible_post(&ctx, &actor, id).await?;
    let policy = &web.settings.editorial;
    let message = match reviews::take(&ctx.db, &actor, &meta, policy, id, f.lock_version).await {
        Ok(_) => "You hold this review now: colleagues see your name on it.".to_string(),
        Err(WriteError::Field { message, .. }) => message,
        Err(WriteError::Stale { .. }) => {
            "Someone changed this post since you opened the page; here it is as it stands now."
                .to_string()
        }
        Err(WriteError::Auth(e)) => return Err(e.into()),
        Err(WriteError::NotFound) => return Err(AppError::NotFound),
        Err(WriteError::Invalid(_)) => return Err(AppError::BadRequest("invalid")),
        Err(WriteError::Mail(e)) => return Err(e.into()),
        Err(WriteError::Db(e)) => return Err(e.into()),
    };
    let mut res = Redirect::to(&page_url(id)).into_response();
    flash_cookie::set(&mut res, Some(&message));
    Ok(res)
}
