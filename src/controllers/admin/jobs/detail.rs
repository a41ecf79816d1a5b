//! `GET /admin/jobs/{set}/{score}/{jid}`: one job, and the edited-arguments form.
use std::sync::Arc;

use axum::{
    Extension,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use copydesk_workers::{api::SetJob, payload::epoch_seconds, retry::uncompress_backtrace};
use loco_rs::app::AppContext;
use serde::Serialize;
use serde_json::Value;

use super::{can_act, chrome, inspector, records, require_all, set_of, when};
use crate::{
    auth::Actor,
    controllers::admin::AdminChrome,
    errors::{AppError, AppResult},
    views::{Web, web::CachePolicy},
};

/// A JSON value as indented text.
pub(super) fn pretty(value: &Value) -> String {
    format!("{value:#}")
}

#[derive(Debug, Serialize)]
struct JobView<'a> {
    key: String,
    class: &'a str,
    queue: &'a str,
    jid: &'a str,
    args: String,
    error_class: Option<&'a str>,
    error_message: Option<&'a str>,
    backtrace: Vec<String>,
    retry_count: Option<i64>,
    when: String,
    failed_at: Option<String>,
    record: Option<&'a str>,
    payload: String,
    retried_from: Option<&'a str>,
    record_url: Option<String>,
    record_label: Option<String>,
    summary: Option<String>,
    edit_url: String,
}

#[derive(Debug, Serialize)]
struct DetailView<'a> {
    title: String,
    set: &'a str,
    set_title: &'a str,
    admin: AdminChrome,
    job: JobView<'a>,
    edited_args: String,
    edit_error: Option<&'a str>,
    can_act: bool,
}

/// `GET /admin/jobs/{set}/{score}/{jid}`: everything about one job.
pub async fn detail(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Path((name, score, jid)): Path<(String, f64, String)>,
) -> AppResult<Response> {
    require_all(&actor)?;
    let (set, slug, title) = set_of(&name)?;
    let job = inspector(&ctx)?
        .find(set, score, &jid)
        .await?
        .ok_or(AppError::NotFound)?;
    detail_page(&web, &actor, slug, title, &job, None, None)
}

/// The detail page, with the edited-arguments form in the given state.
pub(super) fn detail_page(
    web: &Web,
    actor: &Actor,
    slug: &str,
    title: &str,
    job: &SetJob,
    edited: Option<&str>,
    edit_error: Option<&str>,
) -> AppResult<Response> {
    let p = &job.payload;
    let args = pretty(&Value::Array(p.args().to_vec()));
    let record = p.get("record").and_then(Value::as_str);
    let view = DetailView {
        title: format!("{} {}", p.display_class(), p.jid()),
        set: slug,
        set_title: title,
        admin: chrome(actor),
        job: JobView {
            key: format!("{}|{}", job.score, p.jid()),
            class: p.display_class(),
            queue: p.queue(),
            jid: p.jid(),
            args: args.clone(),
            error_class: p.error_class(),
            error_message: p.error_message(),
            backtrace: p
                .get("error_backtrace")
                .and_then(uncompress_backtrace)
                .unwrap_or_default(),
            retry_count: p.retry_count(),
            when: when(job.score),
            failed_at: p.get("failed_at").and_then(epoch_seconds).map(when),
            record,
            payload: pretty(&Value::Object(p.as_map().clone())),
            retried_from: p.get("retried_from").and_then(Value::as_str),
            record_url: record.and_then(records::record_url),
            record_label: record.map(records::record_label),
            summary: p
                .error_class()
                .map(|_| format!("{} failed.", records::capitalize(&records::describe(p)))),
            edit_url: format!("/admin/jobs/{slug}/{}/{}/edit", job.score, p.jid()),
        },
        edited_args: edited.map_or(args, ToString::to_string),
        edit_error,
        can_act: can_act(actor),
    };
    let status = if edit_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    web.page(
        status,
        "admin/jobs/detail.html",
        &view,
        CachePolicy::NoStore,
    )
}
