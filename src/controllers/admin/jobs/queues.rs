//! A queue's page: its waiting jobs, oldest first, paged, each with Delete; and emptying the
//! queue behind a confirmation.
use std::sync::Arc;

use axum::{
    Extension,
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    PER_PAGE, Pager, args_text,
    audited::{audited, audited_found},
    can_act, chrome, inspector, require_all, when,
};
use crate::{
    auth::{Actor, RequestMeta},
    controllers::admin::AdminChrome,
    errors::{AppError, AppResult},
    models::audit,
    views::{Web, forms::urlencode, web::CachePolicy},
};

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    confirm: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Debug, Serialize)]
struct QueuedRow {
    class: String,
    args: String,
    jid: String,
    enqueued: Option<String>,
}

#[derive(Debug, Serialize)]
struct QueueView {
    title: String,
    tab: &'static str,
    admin: AdminChrome,
    queue: String,
    base: String,
    size: u64,
    latency: String,
    confirm_clear: bool,
    page_no: u64,
    notice: Option<String>,
    rows: Vec<QueuedRow>,
    pager: Pager,
    can_act: bool,
}

/// `GET /admin/jobs/queues/{name}`: a queue's jobs, oldest first, paged, each with Delete;
/// with `?confirm=clear`, the confirmation page for emptying it.
pub async fn queue(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Path(name): Path<String>,
    Query(q): Query<QueueQuery>,
) -> AppResult<Response> {
    require_all(&actor)?;
    let api = inspector(&ctx)?;
    let summary = api
        .queues()
        .await?
        .into_iter()
        .find(|s| s.name == name)
        .ok_or(AppError::NotFound)?;
    let page_no = crate::models::page_number(q.page.as_deref());
    let jobs = api
        .queue_jobs(
            &name,
            crate::models::page_offset(page_no, PER_PAGE),
            PER_PAGE,
        )
        .await?;
    let total_pages = summary.size.div_ceil(PER_PAGE).max(1);
    let base = format!("/admin/jobs/queues/{}", urlencode(&name));
    let view = QueueView {
        title: format!("Queue {name}"),
        tab: "dashboard",
        admin: chrome(&actor),
        size: summary.size,
        latency: format!("{:.1}", summary.latency),
        confirm_clear: q.confirm.as_deref() == Some("clear"),
        page_no,
        notice: q.done.as_deref().map(|d| format!("Done: {d}.")),
        rows: jobs
            .iter()
            .map(|p| QueuedRow {
                class: p.display_class().to_string(),
                args: args_text(p.args(), 100),
                jid: p.jid().to_string(),
                enqueued: p.enqueued_at().map(when),
            })
            .collect(),
        pager: Pager::new(page_no, total_pages, &format!("{base}?")),
        can_act: can_act(&actor),
        queue: name,
        base,
    };
    web.page(
        StatusCode::OK,
        "admin/jobs/queue.html",
        &view,
        CachePolicy::NoStore,
    )
}

/// `POST /admin/jobs/queues/{name}/clear`: empties the queue (after the confirmation page).
pub async fn clear_queue(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let api = inspector(&ctx)?;
    audited(
        &ctx,
        &meta,
        Vec::new(),
        async { Ok(Some(api.clear_queue(&name).await?)) },
        |n| vec![audit::queue_cleared(&actor, &name, json!({"count": n}))],
    )
    .await?;
    Ok(Redirect::to("/admin/jobs").into_response())
}

/// `POST /admin/jobs/queues/{name}/delete`: deletes one waiting job (`jid`) from the queue,
/// then back to the page of the queue it was on (`page`).
pub async fn delete_queued(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let jid = get("jid");
    let page_no = crate::models::page_number(Some(&get("page")));
    let deleted = !jid.is_empty() && {
        let api = inspector(&ctx)?;
        let entries = vec![audit::job_acted(
            &actor,
            audit::JobAction::Delete,
            &jid,
            json!({"queue": name}),
        )];
        audited_found(&ctx, &meta, entries, api.delete_from_queue(&name, &jid)).await?
    };
    let what = if deleted {
        format!("deleted {jid}")
    } else {
        "nothing deleted; that job was no longer waiting".to_string()
    };
    Ok(Redirect::to(&format!(
        "/admin/jobs/queues/{}?page={page_no}&done={}",
        urlencode(&name),
        urlencode(&what)
    ))
    .into_response())
}
