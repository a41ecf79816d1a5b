//! `GET /admin/jobs/{set}`: the scheduled, retry and dead sets.
use std::sync::Arc;

use axum::{
    Extension,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use copydesk_workers::{
    api::{ErrorGroup, Filter, SetJob},
    store::SortedSet,
};
use loco_rs::app::AppContext;
use serde::{Deserialize, Serialize};

use super::{PER_PAGE, Pager, args_text, can_act, chrome, inspector, require_all, set_of, when};
use crate::{
    auth::Actor,
    controllers::admin::AdminChrome,
    errors::AppResult,
    views::{Web, forms::urlencode, web::CachePolicy},
};

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

/// One job in a set's list.
#[derive(Debug, Serialize)]
struct Row {
    key: String,
    detail: String,
    class: String,
    queue: String,
    args: String,
    error: Option<String>,
    retry_count: Option<i64>,
    when: String,
    jid: String,
}

impl Row {
    fn new(set: &str, j: &SetJob) -> Self {
        let p = &j.payload;
        Self {
            key: format!("{}|{}", j.score, p.jid()),
            detail: format!("/admin/jobs/{set}/{}/{}", j.score, p.jid()),
            class: p.display_class().to_string(),
            queue: p.queue().to_string(),
            args: args_text(p.args(), 80),
            error: p
                .error_class()
                .map(|c| format!("{c}: {}", p.error_message().unwrap_or(""))),
            retry_count: p.retry_count(),
            when: when(j.score),
            jid: p.jid().to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
struct FilterForm {
    class: String,
    args: String,
    error: String,
}

#[derive(Debug, Serialize)]
struct ListView {
    groups: Vec<ErrorGroup>,
    title: &'static str,
    set: &'static str,
    tab: &'static str,
    admin: AdminChrome,
    rows: Vec<Row>,
    total: u64,
    filter: FilterForm,
    pager: Pager,
    can_act: bool,
    notice: Option<String>,
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
    let api = inspector(&ctx)?;
    let page = api
        .list(
            set,
            &filter,
            crate::models::page_offset(page_no, PER_PAGE),
            PER_PAGE,
        )
        .await?;
    let total_pages = page.total.div_ceil(PER_PAGE).max(1);
    let base = format!(
        "/admin/jobs/{slug}?class={}&args={}&error={}",
        urlencode(&q.class),
        urlencode(&q.args),
        urlencode(&q.error)
    );
    let groups = if set == SortedSet::Schedule {
        Vec::new()
    } else {
        api.error_groups(set).await?
    };
    let view = ListView {
        groups,
        title,
        set: slug,
        tab: slug,
        admin: chrome(&actor),
        rows: page.jobs.iter().map(|j| Row::new(slug, j)).collect(),
        total: page.total,
        pager: Pager::new(page_no, total_pages, &format!("{base}&")),
        filter: FilterForm {
            class: q.class,
            args: q.args,
            error: q.error,
        },
        can_act: can_act(&actor),
        notice: q.done.as_deref().map(|d| format!("Done: {d}.")),
    };
    web.page(
        StatusCode::OK,
        "admin/jobs/list.html",
        &view,
        CachePolicy::NoStore,
    )
}
