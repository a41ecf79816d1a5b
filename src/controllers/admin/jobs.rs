//! The Jobs screen: what Sidekiq's Web UI shows (dashboard, queues, busy, scheduled, retries,
//! dead, job detail) over `copydesk-workers`' inspection API, with the same actions, on
//! either store. Viewing needs `jobs.view` (the whole screen needs it for every record; with
//! `jobs.view` for one's own records there is [`mine`]); acting needs `retry_jobs`. Every
//! action is audited.
use std::{sync::Arc, time::Instant};

use axum::{
    Extension,
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use copydesk_workers::{
    api::{Filter, Inspector, SetJob},
    retry::uncompress_backtrace,
    store::SortedSet,
};
use loco_rs::{app::AppContext, controller::views::ViewRenderer};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AdminChrome;
use crate::{
    auth::{Actor, AuthError, Capability, RequestMeta, permissions::Grant},
    errors::{AppError, AppResult},
    jobs::Jobs,
    models::audit,
    views::{Web, forms::urlencode, jobs_chart, web::CachePolicy},
};

mod mine;
mod queues;
mod records;

pub use mine::{mine, retry_mine};
pub use queues::{clear_queue, delete_queued, queue};
pub use records::{record_jobs, record_jobs_panel, record_url, retry_by_jid};

const PER_PAGE: u64 = 25;

fn inspector(ctx: &AppContext) -> AppResult<Inspector> {
    Ok(Inspector::new(Jobs::get(ctx)?.client.clone()))
}

fn store_err(e: copydesk_workers::Error) -> AppError {
    AppError::Internal(format!("job store: {e}"))
}

/// The whole screen shows every record's jobs: `jobs.view` for all records.
fn require_all(actor: &Actor) -> AppResult<()> {
    match actor.require(Capability::JOBS_VIEW)? {
        Grant::All => Ok(()),
        Grant::Own => Err(AuthError::Forbidden(Capability::JOBS_VIEW.0).into()),
    }
}

fn set_of(name: &str) -> AppResult<(SortedSet, &'static str, &'static str)> {
    match name {
        "scheduled" => Ok((SortedSet::Schedule, "scheduled", "Scheduled")),
        "retries" => Ok((SortedSet::Retry, "retries", "Retries")),
        "dead" => Ok((SortedSet::Dead, "dead", "Dead")),
        _ => Err(AppError::NotFound),
    }
}

fn when(epoch: f64) -> String {
    chrono::DateTime::from_timestamp(epoch as i64, 0).map_or_else(String::new, |d| {
        d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    })
}

fn args_text(args: &[Value], limit: usize) -> String {
    let s = Value::Array(args.to_vec()).to_string();
    if s.chars().count() > limit {
        format!("{}…", s.chars().take(limit).collect::<String>())
    } else {
        s
    }
}

fn chrome(actor: &Actor) -> AdminChrome {
    AdminChrome::new(actor, "/admin/jobs")
}

#[derive(Debug, Default, Deserialize)]
pub struct DashQuery {
    #[serde(default)]
    days: Option<u32>,
}

/// `GET /admin/jobs`: counts, a chart of processed and failed jobs per day, store health and
/// the queues. Those who may see only their own records' jobs go to [`mine`].
pub async fn dashboard(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    if actor.require(Capability::JOBS_VIEW)? == Grant::Own {
        return Ok(Redirect::to("/admin/jobs/mine").into_response());
    }
    require_all(&actor)?;
    let days = if q.days == Some(30) { 30 } else { 7 };
    let api = inspector(&ctx)?;
    let started = Instant::now();
    let health = api.queues().await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let store_name = web.settings.jobs.store.clone();
    let (queues, healthy, health_error) = match health {
        Ok(q) => (q, true, None),
        Err(e) => (Vec::new(), false, Some(e.to_string())),
    };
    let stats = if healthy {
        Some(api.stats(days).await.map_err(store_err)?)
    } else {
        None
    };
    let view = json!({
        "tab": "dashboard",
        "title": "Jobs",
        "admin": chrome(&actor),
        "stats": stats,
        "days": days,
        "chart": stats.as_ref().map(|s| jobs_chart::svg(&s.history)),
        "history": stats.as_ref().map(|s| s.history.clone()),
        "store": {"name": store_name, "healthy": healthy, "latency_ms": format!("{latency_ms:.1}"), "error": health_error},
        "queues": queues.iter().map(|q| json!({"name": q.name, "size": q.size, "latency": format!("{:.1}", q.latency)})).collect::<Vec<_>>(),
    });
    web.page(
        StatusCode::OK,
        "admin/jobs/dashboard.html",
        &view,
        CachePolicy::NoStore,
    )
}

/// `GET /admin/jobs/busy`: processes and the jobs they run now.
pub async fn busy(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
) -> AppResult<Response> {
    require_all(&actor)?;
    let api = inspector(&ctx)?;
    let processes = api.processes().await.map_err(store_err)?;
    let running = api.busy().await.map_err(store_err)?;
    let view = json!({
        "title": "Busy",
        "tab": "busy",
        "admin": chrome(&actor),
        "processes": processes.iter().map(|p| json!({
            "identity": p.identity, "busy": p.busy, "quiet": p.quiet, "beat": when(p.beat),
            "concurrency": p.info.get("concurrency"), "host": p.info.get("hostname"), "pid": p.info.get("pid"),
            "started_at": p.info.get("started_at").and_then(Value::as_f64).map(when),
        })).collect::<Vec<_>>(),
        "running": running.iter().map(|b| json!({
            "identity": b.identity, "queue": b.queue, "class": b.payload.display_class(),
            "args": args_text(b.payload.args(), 120), "started": when(b.run_at as f64), "jid": b.payload.jid(),
        })).collect::<Vec<_>>(),
        "can_act": actor.grant(Capability::RETRY_JOBS).is_some(),
    });
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
    match signal.as_str() {
        "quiet" => api.quiet(&identity).await.map_err(store_err)?,
        "stop" => api.stop(&identity).await.map_err(store_err)?,
        _ => return Err(AppError::NotFound),
    }
    record(
        &ctx,
        &actor,
        &meta,
        &format!("jobs.process.{signal}"),
        "process",
        &identity,
        json!({}),
    )
    .await?;
    Ok(Redirect::to("/admin/jobs/busy").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    class: String,
    #[serde(default)]
    args: String,
    #[serde(default)]
    error: String,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

fn row(set: &str, j: &SetJob) -> Value {
    let p = &j.payload;
    json!({
        "key": format!("{}|{}", j.score, p.jid()),
        "detail": format!("/admin/jobs/{set}/{}/{}", j.score, p.jid()),
        "class": p.display_class(), "queue": p.queue(), "args": args_text(p.args(), 80),
        "error": p.error_class().map(|c| format!("{c}: {}", p.error_message().unwrap_or(""))),
        "retry_count": p.retry_count(), "when": when(j.score), "jid": p.jid(),
    })
}

/// `GET /admin/jobs/{set}`: scheduled, retries or dead, filtered by parts of the class, the
/// arguments or the error.
pub async fn list(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Path(name): Path<String>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    require_all(&actor)?;
    let (set, slug, title) = set_of(&name)?;
    let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = Filter {
        class: given(&q.class),
        args: given(&q.args),
        error: given(&q.error),
    };
    let page_no = crate::models::page_number(q.page.as_deref());
    let page = inspector(&ctx)?
        .list(
            set,
            &filter,
            crate::models::page_offset(page_no, PER_PAGE),
            PER_PAGE,
        )
        .await
        .map_err(store_err)?;
    let total_pages = page.total.div_ceil(PER_PAGE).max(1);
    let base = format!(
        "/admin/jobs/{slug}?class={}&args={}&error={}",
        urlencode(&q.class),
        urlencode(&q.args),
        urlencode(&q.error)
    );
    let notice = q.done.as_deref().map(|d| format!("Done: {d}."));
    let grouped = if set == SortedSet::Schedule {
        Vec::new()
    } else {
        groups(&inspector(&ctx)?, set).await?
    };
    let view = json!({
        "groups": grouped,
        "title": title, "set": slug, "tab": slug, "admin": chrome(&actor),
        "rows": page.jobs.iter().map(|j| row(slug, j)).collect::<Vec<_>>(),
        "total": page.total, "filter": {"class": q.class, "args": q.args, "error": q.error},
        "pager": {"page": page_no, "total_pages": total_pages,
                  "prev_url": (page_no > 1).then(|| format!("{base}&page={}", page_no - 1)),
                  "next_url": (page_no < total_pages).then(|| format!("{base}&page={}", page_no + 1))},
        "can_act": actor.grant(Capability::RETRY_JOBS).is_some(),
        "notice": notice,
    });
    web.page(
        StatusCode::OK,
        "admin/jobs/list.html",
        &view,
        CachePolicy::NoStore,
    )
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
    let api = inspector(&ctx)?;
    let job = find_job(&api, set, score, &jid)
        .await?
        .ok_or(AppError::NotFound)?;
    detail_page(&web, &actor, slug, title, &job, None, None)
}

/// The most entries of a set the screen reads in one go (grouping, finding one job).
const SCAN_LIMIT: u64 = 20_000;

/// Every entry of `set` (up to [`SCAN_LIMIT`]), read 500 at a time.
async fn scan(api: &Inspector, set: SortedSet) -> AppResult<Vec<SetJob>> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < SCAN_LIMIT {
        let page = api
            .list(set, &Filter::default(), offset, 500)
            .await
            .map_err(store_err)?;
        let done = page.jobs.is_empty();
        out.extend(page.jobs);
        offset += 500;
        if done || offset >= page.total {
            break;
        }
    }
    Ok(out)
}

/// The entry of `set` with this score and jid.
async fn find_job(
    api: &Inspector,
    set: SortedSet,
    score: f64,
    jid: &str,
) -> AppResult<Option<SetJob>> {
    Ok(scan(api, set)
        .await?
        .into_iter()
        .find(|j| j.payload.jid() == jid && (j.score - score).abs() < 1e-6))
}

/// The detail page, with the edited-arguments form in the given state.
fn detail_page(
    web: &Web,
    actor: &Actor,
    slug: &str,
    title: &str,
    job: &SetJob,
    edited: Option<&str>,
    edit_error: Option<&str>,
) -> AppResult<Response> {
    let p = &job.payload;
    let backtrace = p
        .get("error_backtrace")
        .and_then(uncompress_backtrace)
        .unwrap_or_default();
    let view = json!({
        "title": format!("{} {}", p.display_class(), p.jid()), "set": slug, "set_title": title, "admin": chrome(actor),
        "job": {
            "key": format!("{}|{}", job.score, p.jid()), "class": p.display_class(), "queue": p.queue(), "jid": p.jid(),
            "args": serde_json::to_string_pretty(&Value::Array(p.args().to_vec())).unwrap_or_default(),
            "error_class": p.error_class(), "error_message": p.error_message(), "backtrace": backtrace,
            "retry_count": p.retry_count(), "when": when(job.score),
            "failed_at": p.get("failed_at").and_then(copydesk_workers::payload::epoch_seconds).map(when),
            "record": p.get("record").and_then(Value::as_str),
            "payload": serde_json::to_string_pretty(p.as_map()).unwrap_or_default(),
            "retried_from": p.get("retried_from").and_then(Value::as_str),
            "record_url": p.get("record").and_then(Value::as_str).and_then(record_url),
            "record_label": p.get("record").and_then(Value::as_str).map(records::record_label),
            "summary": p.error_class().map(|_| format!("{} failed.", records::capitalize(&records::describe(p)))),
            "edit_url": format!("/admin/jobs/{slug}/{}/{}/edit", job.score, p.jid()),
        },
        "edited_args": edited.map_or_else(|| serde_json::to_string_pretty(&Value::Array(p.args().to_vec())).unwrap_or_default(), ToString::to_string),
        "edit_error": edit_error,
        "can_act": actor.grant(Capability::RETRY_JOBS).is_some(),
    });
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

/// `POST /admin/jobs/{set}/{score}/{jid}/edit`: enqueues a copy of the job with edited
/// arguments. The original stays where it is; the copy names it in `retried_from`; both
/// are audited.
pub async fn retry_edited(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path((name, score, jid)): Path<(String, f64, String)>,
    body: Bytes,
) -> AppResult<Response> {
    let (set, slug, title) = set_of(&name)?;
    let typed = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "args")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let jobs = Jobs::get(&ctx)?;
    let api = Inspector::new(jobs.client.clone());
    let original = find_job(&api, set, score, &jid)
        .await?
        .ok_or(AppError::NotFound)?;
    let args = match serde_json::from_str::<Value>(&typed) {
        Ok(Value::Array(a)) => a,
        Ok(_) => {
            let why = "The arguments must be a JSON array, like [42, \"text\"].";
            return detail_page(
                &web,
                &actor,
                slug,
                title,
                &original,
                Some(&typed),
                Some(why),
            );
        }
        Err(e) => {
            let why = format!("This is not valid JSON: {e}.");
            return detail_page(
                &web,
                &actor,
                slug,
                title,
                &original,
                Some(&typed),
                Some(&why),
            );
        }
    };
    let mut copy = original.payload.clone();
    let new_jid = copydesk_workers::payload::new_jid();
    for field in [
        "retry_count",
        "error_message",
        "error_class",
        "error_backtrace",
        "failed_at",
        "retried_at",
    ] {
        copy.remove(field);
    }
    copy.set("jid", new_jid.clone().into());
    copy.set("args", Value::Array(args.clone()));
    copy.set("retried_from", jid.clone().into());
    copy.mark_enqueued(jobs.client.clock().now());
    jobs.client.push(vec![copy]).await.map_err(store_err)?;
    let txn = crate::db::begin_write(&ctx.db).await?;
    let before = Value::Array(original.payload.args().to_vec());
    audit::record(
        &txn,
        &meta,
        audit::Entry {
            who: (&actor).into(),
            action: "jobs.retry_edited",
            target_type: "job",
            target_id: jid.clone(),
            before: Some(json!({"args": before})),
            after: Some(json!({"args": args, "new_jid": new_jid})),
        },
    )
    .await?;
    audit::record(
        &txn,
        &meta,
        audit::Entry {
            who: (&actor).into(),
            action: "jobs.enqueue_edited",
            target_type: "job",
            target_id: new_jid.clone(),
            before: None,
            after: Some(json!({"retried_from": jid, "args": args})),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(done_redirect(
        slug,
        &format!("enqueued {new_jid} with edited arguments"),
    ))
}

/// Back to a set's list, with a note of what was done.
fn done_redirect(slug: &str, what: &str) -> Response {
    Redirect::to(&format!("/admin/jobs/{slug}?done={}", urlencode(what))).into_response()
}

/// Writes one audit row for a jobs action.
async fn record(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    action: &str,
    target_type: &str,
    target_id: &str,
    after: Value,
) -> AppResult<()> {
    let txn = crate::db::begin_write(&ctx.db).await?;
    audit::record(
        &txn,
        meta,
        audit::Entry {
            who: actor.into(),
            action,
            target_type,
            target_id: target_id.to_string(),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `POST /admin/jobs/{set}/actions`: retry now, delete, kill (to Dead) or enqueue now, for
/// the selected jobs (`job` = `score|jid`, repeated).
pub async fn act(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let (set, slug, _) = set_of(&name)?;
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let action = fields
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let api = inspector(&ctx)?;
    let mut done = 0;
    for (_, key) in fields.iter().filter(|(k, _)| k == "job") {
        let Some((score, jid)) = key.split_once('|') else {
            continue;
        };
        let Ok(score) = score.parse::<f64>() else {
            continue;
        };
        let ok = match action.as_str() {
            "retry" => api.retry_now(set, score, jid).await,
            "enqueue" => api.add_to_queue(set, score, jid).await,
            "delete" => api.delete(set, score, jid).await,
            "kill" if set != SortedSet::Dead => api.kill(set, score, jid).await,
            _ => return Err(AppError::NotFound),
        }
        .map_err(store_err)?;
        if ok {
            done += 1;
            record(
                &ctx,
                &actor,
                &meta,
                &format!("jobs.{action}"),
                "job",
                jid,
                json!({"set": slug}),
            )
            .await?;
        }
    }
    Ok(done_redirect(slug, &format!("{action} {done}")))
}

#[derive(Debug, Default, Deserialize)]
pub struct AllQuery {
    #[serde(default)]
    action: String,
}

/// `GET /admin/jobs/{set}/all?action=retry|delete`: the confirmation page.
pub async fn confirm_all(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Path(name): Path<String>,
    Query(q): Query<AllQuery>,
) -> AppResult<Response> {
    let (set, slug, title) = set_of(&name)?;
    if !matches!(q.action.as_str(), "retry" | "delete") {
        return Err(AppError::NotFound);
    }
    let total = inspector(&ctx)?
        .list(set, &Filter::default(), 0, 1)
        .await
        .map_err(store_err)?
        .total;
    let view = json!({"title": format!("{} all {}", if q.action == "retry" { "Retry" } else { "Delete" }, title.to_lowercase()),
        "set": slug, "set_title": title, "action": q.action, "total": total, "admin": chrome(&actor)});
    web.page(
        StatusCode::OK,
        "admin/jobs/confirm.html",
        &view,
        CachePolicy::NoStore,
    )
}

/// `POST /admin/jobs/{set}/all`: retry all or delete all, after confirmation.
pub async fn all(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let (set, slug, _) = set_of(&name)?;
    let action = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let api = inspector(&ctx)?;
    let n = match action.as_str() {
        "retry" => api.retry_all(set).await,
        "delete" => api.delete_all(set).await,
        _ => return Err(AppError::NotFound),
    }
    .map_err(store_err)?;
    record(
        &ctx,
        &actor,
        &meta,
        &format!("jobs.{action}_all"),
        "job_set",
        slug,
        json!({"count": n}),
    )
    .await?;
    Ok(done_redirect(slug, &format!("{action} all: {n}")))
}

/// Failures of a set grouped by error class and message, most frequent first.
pub async fn groups(api: &Inspector, set: SortedSet) -> AppResult<Vec<Value>> {
    let mut counts: std::collections::BTreeMap<(String, String), u64> =
        std::collections::BTreeMap::new();
    for j in scan(api, set).await? {
        let key = (
            j.payload.error_class().unwrap_or("").to_string(),
            j.payload.error_message().unwrap_or("").to_string(),
        );
        *counts.entry(key).or_default() += 1;
    }
    let mut groups: Vec<_> = counts
        .into_iter()
        .filter(|((c, _), _)| !c.is_empty())
        .collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.1));
    Ok(groups
        .into_iter()
        .map(
            |((class, message), count)| json!({"class": class, "message": message, "count": count}),
        )
        .collect())
}

/// `POST /admin/jobs/{set}/group`: retries every job of the set failed with this error class
/// and message.
pub async fn retry_group(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(name): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let (set, slug, _) = set_of(&name)?;
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (class, message) = (get("error_class"), get("error_message"));
    let api = inspector(&ctx)?;
    let targets: Vec<(f64, String)> = scan(&api, set)
        .await?
        .into_iter()
        .filter(|j| {
            j.payload.error_class() == Some(class.as_str())
                && j.payload.error_message().unwrap_or("") == message
        })
        .map(|j| (j.score, j.payload.jid().to_string()))
        .collect();
    let mut done = 0u64;
    for (score, jid) in &targets {
        if api.retry_now(set, *score, jid).await.map_err(store_err)? {
            done += 1;
        }
    }
    record(
        &ctx,
        &actor,
        &meta,
        "jobs.retry_group",
        "job_set",
        slug,
        json!({"error_class": class, "error_message": message, "count": done}),
    )
    .await?;
    Ok(done_redirect(
        slug,
        &format!("retry {done} with that error"),
    ))
}

/// `GET /admin/jobs/stats`: the dashboard's counts alone, which the dashboard reloads every
/// five seconds with htmx when JavaScript is on.
pub async fn stats_fragment(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
) -> AppResult<Response> {
    require_all(&actor)?;
    let stats = inspector(&ctx)?.stats(1).await.map_err(store_err)?;
    let body = web
        .view
        .render("admin/jobs/_stats.html", json!({"page": {"stats": stats}}))?;
    Ok(web.respond(
        StatusCode::OK,
        "text/html; charset=utf-8",
        body,
        CachePolicy::NoStore,
    ))
}
