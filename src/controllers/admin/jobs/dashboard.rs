//! `GET /admin/jobs` and its self-refreshing counts.
use std::{sync::Arc, time::Instant};

use axum::{
    Extension,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use copydesk_workers::api::{DayStats, Stats};
use loco_rs::{app::AppContext, controller::views::ViewRenderer};
use serde::{Deserialize, Serialize};

use super::{chrome, inspector, require_all};
use crate::{
    auth::{Actor, Capability, permissions::Grant},
    controllers::admin::AdminChrome,
    errors::AppResult,
    views::{Web, jobs_chart, web::CachePolicy},
};

#[derive(Debug, Default, Deserialize)]
pub struct DashQuery {
    #[serde(default)]
    days: Option<u32>,
}

/// The store's health: which store, whether it answered, how fast.
#[derive(Debug, Serialize)]
struct StoreHealth {
    name: String,
    healthy: bool,
    latency_ms: String,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct QueueRow {
    name: String,
    size: u64,
    latency: String,
}

#[derive(Debug, Serialize)]
struct DashboardView {
    tab: &'static str,
    title: &'static str,
    admin: AdminChrome,
    stats: Option<Stats>,
    days: u32,
    chart: Option<String>,
    history: Option<Vec<DayStats>>,
    store: StoreHealth,
    queues: Vec<QueueRow>,
}

/// `GET /admin/jobs`: counts, a chart of processed and failed jobs per day, store health and
/// the queues. Those who may see only their own records' jobs go to [`super::mine`].
pub async fn dashboard(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    if actor.grant(Capability::JOBS_VIEW) == Some(Grant::Own) {
        return Ok(Redirect::to("/admin/jobs/mine").into_response());
    }
    require_all(&actor)?;
    let days = if q.days == Some(30) { 30 } else { 7 };
    let api = inspector(&ctx)?;
    let started = Instant::now();
    let health = api.queues().await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    // A store that does not answer is shown as the store panel's error, not as an error page:
    // the dashboard is where one looks when jobs are stuck.
    let (queues, health_error) = match health {
        Ok(q) => (q, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let stats = if health_error.is_none() {
        Some(api.stats(days).await?)
    } else {
        None
    };
    let view = DashboardView {
        tab: "dashboard",
        title: "Jobs",
        admin: chrome(&actor),
        days,
        chart: stats.as_ref().map(|s| jobs_chart::svg(&s.history)),
        history: stats.as_ref().map(|s| s.history.clone()),
        stats,
        store: StoreHealth {
            name: web.settings.jobs.store.clone(),
            healthy: health_error.is_none(),
            latency_ms: format!("{latency_ms:.1}"),
            error: health_error,
        },
        queues: queues
            .iter()
            .map(|q| QueueRow {
                name: q.name.clone(),
                size: q.size,
                latency: format!("{:.1}", q.latency),
            })
            .collect(),
    };
    web.page(
        StatusCode::OK,
        "admin/jobs/dashboard.html",
        &view,
        CachePolicy::NoStore,
    )
}

#[derive(Debug, Serialize)]
struct StatsFragment {
    page: StatsOnly,
}

#[derive(Debug, Serialize)]
struct StatsOnly {
    stats: Stats,
}

/// `GET /admin/jobs/stats`: the dashboard's counts alone, which the dashboard reloads every
/// five seconds with htmx when JavaScript is on.
pub async fn stats_fragment(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
) -> AppResult<Response> {
    require_all(&actor)?;
    let stats = inspector(&ctx)?.stats(1).await?;
    let body = web.view.render(
        "admin/jobs/_stats.html",
        StatsFragment {
            page: StatsOnly { stats },
        },
    )?;
    Ok(web.respond(
        StatusCode::OK,
        "text/html; charset=utf-8",
        body,
        CachePolicy::NoStore,
    ))
}
