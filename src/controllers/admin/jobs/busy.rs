//! `GET /admin/jobs/busy` and the Quiet/Stop buttons.
use std::sync::Arc;

use axum::{
    Extension,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use serde::Serialize;
use serde_json::Value;

use super::{args_text, audited::audited_found, can_act, chrome, inspector, require_all, when};
use crate::{
    auth::{Actor, RequestMeta},
    controllers::admin::AdminChrome,
    errors::{AppError, AppResult},
    models::audit,
    views::{Web, web::CachePolicy},
};

#[derive(Debug, Serialize)]
struct ProcessRow {
    identity: String,
    busy: u64,
    quiet: bool,
    beat: String,
    concurrency: Option<Value>,
    host: Option<Value>,
    pid: Option<Value>,
    started_at: Option<String>,
}

#[derive(Debug, Serialize)]
struct RunningRow {
    identity: String,
    queue: String,
    class: String,
    args: String,
    started: String,
    jid: String,
}

#[derive(Debug, Serialize)]
struct BusyView {
    title: &'static str,
    tab: &'static str,
    admin: AdminChrome,
    processes: Vec<ProcessRow>,
    running: Vec<RunningRow>,
    can_act: bool,
}

/// `GET /admin/jobs/busy`: processes and the jobs they run now.
pub async fn busy(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
) -> AppResult<Response> {
    require_all(&actor)?;
    let api = inspector(&ctx)?;
    let processes = api.processes().await?;
    let running = api.busy().await?;
    let view = BusyView {
        title: "Busy",
        tab: "busy",
        admin: chrome(&actor),
        processes: processes
            .iter()
            .map(|p| ProcessRow {
                identity: p.identity.clone(),
                busy: p.busy,
                quiet: p.quiet,
                beat: when(p.beat),
                concurrency: p.info.get("concurrency").cloned(),
                host: p.info.get("hostname").cloned(),
                pid: p.info.get("pid").cloned(),
                started_at: p.info.get("started_at").and_then(Value::as_f64).map(when),
            })
            .collect(),
        running: running
            .iter()
            .map(|b| RunningRow {
                identity: b.identity.clone(),
                queue: b.queue.clone(),
                class: b.payload.display_class().to_string(),
                args: args_text(b.payload.args(), 120),
                started: when(b.run_at as f64),
                jid: b.payload.jid().to_string(),
            })
            .collect(),
        can_act: can_act(&actor),
    };
    web.page(
        StatusCode::OK,
        "admin/jobs/busy.html",
        &view,
        CachePolicy::NoStore,
    )
}

/// `POST /admin/jobs/processes/{identity}/{signal}`: Quiet or Stop a process.
pub async fn signal(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path((identity, signal)): Path<(String, String)>,
) -> AppResult<Response> {
    let api = inspector(&ctx)?;
    let action = match signal.as_str() {
        "quiet" => audit::ProcessSignal::Quiet,
        "stop" => audit::ProcessSignal::Stop,
        _ => return Err(AppError::NotFound),
    };
    let entries = vec![audit::process_signalled(&actor, action, &identity)];
    audited_found(&ctx, &meta, entries, async {
        if signal == "quiet" {
            api.quiet(&identity).await?;
        } else {
            api.stop(&identity).await?;
        }
        Ok(true)
    })
    .await?;
    Ok(Redirect::to("/admin/jobs/busy").into_response())
}
