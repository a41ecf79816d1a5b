use std::sync::Arc;

use axum::{
    Extension,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AdminChrome;
use crate::{
    auth::Actor,
    errors::AppResult,
    models::audit::{self, AuditFilter},
    views::{Web, forms::urlencode, posts::pager, web::CachePolicy},
};

const PER_PAGE: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(flatten)]
    filter: AuditFilter,
    #[serde(default)]
    page: Option<String>,
}

/// One row as the table shows it: the change as `field: old → new` lines.
#[must_use]
pub fn row_view(row: &audit::Model) -> Value {
    let changes: Value = serde_json::from_str(&row.changes).unwrap_or(Value::Null);
    let lines: Vec<Value> = changes
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let show = |x: Option<&Value>| match x {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Null) | None => "—".into(),
                        Some(other) => other.to_string(),
                    };
                    json!({"field": k, "before": show(v.get(0)), "after": show(v.get(1))})
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": row.id, "when": row.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        "when_iso": row.created_at.to_rfc3339(), "actor": row.actor_label, "actor_id": row.actor_id,
        "action": row.action, "target": format!("{} {}", row.target_type, row.target_id).trim().to_string(),
        "changes": lines, "ip": row.ip, "request_id": row.request_id,
    })
}

/// `GET /admin/audit`: the log, newest first, filtered by actor, action, target and dates.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    let page_no = crate::models::page_number(q.page.as_deref());
    let page = audit::search(&ctx.db, &q.filter, page_no, PER_PAGE).await?;
    let f = &q.filter;
    let base = format!(
        "/admin/audit?actor={}&action={}&target_type={}&target_id={}&from={}&to={}",
        urlencode(&f.actor),
        urlencode(&f.action),
        urlencode(&f.target_type),
        urlencode(&f.target_id),
        urlencode(&f.from),
        urlencode(&f.to)
    );
    let mut pg = pager(&page, "/admin/audit");
    pg.prev_url = (page.page > 1).then(|| format!("{base}&page={}", page.page - 1));
    pg.next_url =
        (page.page < page.total_pages()).then(|| format!("{base}&page={}", page.page + 1));
    let view = json!({
        "title": "Audit log",
        "admin": AdminChrome::new(&actor, "/admin/audit"),
        "filter": f,
        "actions": audit::actions(&ctx.db).await?,
        "rows": page.items.iter().map(row_view).collect::<Vec<_>>(),
        "pager": pg,
    });
    web.page(
        StatusCode::OK,
        "admin/audit.html",
        &view,
        CachePolicy::NoStore,
    )
}
