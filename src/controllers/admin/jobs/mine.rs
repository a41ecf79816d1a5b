//! `/admin/jobs/mine`: the jobs about the posts the signed-in person wrote. It is the Jobs
//! screen of those whose `jobs.view` covers only their own records (editors, authors);
//! support and admins get the same list for their own posts.
use std::{collections::HashMap, sync::Arc};

use crate::controllers::admin::AdminChrome;
use axum::{
    Extension,
    body::Bytes,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use copydesk_workers::{Payload, store::SortedSet};
use loco_rs::app::AppContext;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use super::{chrome, inspector, records, require_all, retry_by_jid, urlencode, when};
use crate::{
    auth::{Actor, Capability, RequestMeta},
    errors::AppResult,
    models::posts,
    views::{Web, web::CachePolicy},
};

/// The most jobs read from each queue (the oldest) when looking for one's own.
const QUEUE_READ: u64 = 1_000;

/// Where a job was found: `scheduled`, `retries`, `dead` or `queued`, and its score.
struct Found {
    place: &'static str,
    score: f64,
    post: i32,
    payload: Payload,
}

/// Jobs about a post, failures first.
async fn jobs_about_posts(ctx: &AppContext) -> AppResult<Vec<Found>> {
    let api = inspector(ctx)?;
    let mut found = Vec::new();
    let mut keep = |place, score, payload: Payload| {
        if let Some(post) = records::post_of(&payload) {
            found.push(Found {
                place,
                score,
                post,
                payload,
            });
        }
    };
    for (set, place) in [
        (SortedSet::Retry, "retries"),
        (SortedSet::Dead, "dead"),
        (SortedSet::Schedule, "scheduled"),
    ] {
        for j in api.scan(set).await? {
            keep(place, j.score, j.payload);
        }
    }
    for q in api.queues().await? {
        for p in api.queue_jobs(&q.name, 0, QUEUE_READ).await? {
            keep("queued", 0.0, p);
        }
    }
    Ok(found)
}

/// Of `ids`, the posts `actor` wrote, with their titles.
async fn own_posts(
    ctx: &AppContext,
    actor: &Actor,
    ids: &[i32],
) -> AppResult<HashMap<i32, String>> {
    let mut own = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows = posts::Entity::find()
            .filter(posts::Column::Id.is_in(chunk.iter().copied()))
            .filter(posts::Column::AuthorId.eq(actor.user.id))
            .all(&ctx.db)
            .await?;
        own.extend(rows.into_iter().map(|p| (p.id, p.title)));
    }
    Ok(own)
}

/// The state of a job found at `place`, in plain words.
fn state_words(place: &str, score: f64) -> String {
    match place {
        "retries" => format!("failed; it will be retried at {}", when(score)),
        "dead" => format!("failed for good on {}", when(score)),
        "scheduled" => format!("scheduled for {}", when(score)),
        _ => "waiting to run".to_string(),
    }
}

/// One row of `/admin/jobs/mine`.
#[derive(Debug, Serialize)]
struct MyJob {
    what: String,
    post_title: String,
    record_url: Option<String>,
    state: String,
    failed: bool,
    error: Option<String>,
    jid: String,
    can_retry: bool,
    detail: Option<String>,
}

#[derive(Debug, Serialize)]
struct MineView {
    title: &'static str,
    admin: AdminChrome,
    rows: Vec<MyJob>,
    sees_all: bool,
    retry_url: &'static str,
    notice: Option<String>,
}

/// The rows of `/admin/jobs/mine` for `actor`.
async fn my_jobs(ctx: &AppContext, actor: &Actor) -> AppResult<Vec<MyJob>> {
    let found = jobs_about_posts(ctx).await?;
    let mut ids: Vec<i32> = found.iter().map(|f| f.post).collect();
    ids.sort_unstable();
    ids.dedup();
    let own = own_posts(ctx, actor, &ids).await?;
    let may_retry = actor.grant(Capability::RETRY_JOBS).is_some();
    let sees_all = require_all(actor).is_ok();
    Ok(found
        .iter()
        .filter_map(|f| {
            let title = own.get(&f.post)?;
            let p = &f.payload;
            let failed = matches!(f.place, "retries" | "dead");
            let record = crate::jobs::records::post_record(f.post);
            Some(MyJob {
                what: records::capitalize(&records::describe(p)),
                post_title: title.clone(),
                record_url: records::record_url(&record),
                state: state_words(f.place, f.score),
                failed,
                error: p
                    .error_class()
                    .map(|c| format!("{c}: {}", p.error_message().unwrap_or(""))),
                jid: p.jid().to_string(),
                can_retry: failed && may_retry,
                detail: (sees_all && f.place != "queued")
                    .then(|| format!("/admin/jobs/{}/{}/{}", f.place, f.score, p.jid())),
            })
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
pub struct MineQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /admin/jobs/mine`: the jobs (waiting, scheduled, failed) about the posts the
/// signed-in person wrote, in plain words, with Retry for those who may retry.
pub async fn mine(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(q): Query<MineQuery>,
) -> AppResult<Response> {
    let rows = my_jobs(&ctx, &actor).await?;
    let view = MineView {
        title: "Jobs about my posts",
        admin: chrome(&actor),
        rows,
        sees_all: require_all(&actor).is_ok(),
        retry_url: records::RETRY_URL,
        notice: q.done.as_deref().map(|d| format!("Done: {d}.")),
    };
    web.page(
        StatusCode::OK,
        "admin/jobs/mine.html",
        &view,
        CachePolicy::NoStore,
    )
}

/// A page to return to after a retry: an admin path, nothing that leaves the site.
fn safe_back(back: &str) -> Option<&str> {
    let ok = back.starts_with("/admin/")
        && !back.contains("//")
        && !back.contains('\\')
        && !back.chars().any(char::is_control);
    ok.then_some(back)
}

/// `POST /admin/jobs/mine/retry`: retries one failed job (`jid`) from a record's page or
/// from `/admin/jobs/mine`, as [`retry_by_jid`] allows, then back to `back` (an admin page)
/// or to `/admin/jobs/mine`.
pub async fn retry_mine(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
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
    retry_by_jid(&ctx, &actor, &meta, &jid).await?;
    let back = get("back");
    let to = safe_back(&back).map_or_else(
        || {
            format!(
                "/admin/jobs/mine?done={}",
                urlencode(&format!("retry {jid}"))
            )
        },
        ToString::to_string,
    );
    Ok(Redirect::to(&to).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_back;

    #[test]
    fn back_stays_in_the_admin() {
        assert_eq!(
            safe_back("/admin/content/posts/3"),
            Some("/admin/content/posts/3")
        );
        for bad in [
            "https://elsewhere.test/",
            "//elsewhere.test/admin/",
            "/admin//elsewhere",
            "/admin/\\elsewhere",
            "/account",
            "",
        ] {
            assert_eq!(safe_back(bad), None, "{bad}");
        }
    }
}
