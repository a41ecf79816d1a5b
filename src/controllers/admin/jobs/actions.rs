//! The Jobs screen's actions on a set: per job, all, by error group, retry with edited
//! arguments. Each is audited in the transaction it commits with ([`super::audited`]).
use std::sync::Arc;

use axum::{
    Extension,
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use copydesk_workers::{api::Filter, store::SortedSet};
use loco_rs::app::AppContext;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    audited::{audited, audited_found},
    chrome, detail, inspector, set_of,
};
use crate::{
    auth::{Actor, RequestMeta},
    controllers::admin::AdminChrome,
    errors::{AppError, AppResult},
    models::audit,
    views::{Web, forms::urlencode, web::CachePolicy},
};

/// Back to a set's list, with a note of what was done.
fn done_redirect(slug: &str, what: &str) -> Response {
    Redirect::to(&format!("/admin/jobs/{slug}?done={}", urlencode(what))).into_response()
}

/// The form's fields, in order.
fn fields(body: &Bytes) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
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
    let fields = fields(&body);
    let action = field(&fields, "action");
    let audit_action = match action.as_str() {
        "retry" => audit::JobAction::Retry,
        "enqueue" => audit::JobAction::Enqueue,
        "delete" => audit::JobAction::Delete,
        "kill" if set != SortedSet::Dead => audit::JobAction::Kill,
        _ => return Err(AppError::NotFound),
    };
    let api = inspector(&ctx)?;
    let mut done = 0;
    for (_, key) in fields.iter().filter(|(k, _)| k == "job") {
        let Some((score, jid)) = key.split_once('|') else {
            continue;
        };
        let Ok(score) = score.parse::<f64>() else {
            continue;
        };
        let entries = vec![audit::job_acted(
            &actor,
            audit_action,
            jid,
            json!({"set": slug}),
        )];
        let found = audited_found(&ctx, &meta, entries, async {
            match action.as_str() {
                "retry" => api.retry_now(set, score, jid).await,
                "enqueue" => api.add_to_queue(set, score, jid).await,
                "delete" => api.delete(set, score, jid).await,
                _ => api.kill(set, score, jid).await,
            }
        })
        .await?;
        if found {
            done += 1;
        }
    }
    Ok(done_redirect(slug, &format!("{action} {done}")))
}

#[derive(Debug, Default, Deserialize)]
pub struct AllQuery {
    #[serde(default)]
    action: String,
}

#[derive(Debug, Serialize)]
struct ConfirmView {
    title: String,
    set: &'static str,
    set_title: &'static str,
    action: String,
    total: u64,
    admin: AdminChrome,
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
    let verb = match q.action.as_str() {
        "retry" => "Retry",
        "delete" => "Delete",
        _ => return Err(AppError::NotFound),
    };
    let total = inspector(&ctx)?
        .list(set, &Filter::default(), 0, 1)
        .await?
        .total;
    let view = ConfirmView {
        title: format!("{verb} all {}", title.to_lowercase()),
        set: slug,
        set_title: title,
        action: q.action,
        total,
        admin: chrome(&actor),
    };
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
    let action = field(&fields(&body), "action");
    let audit_action = match action.as_str() {
        "retry" => audit::JobSetAction::RetryAll,
        "delete" => audit::JobSetAction::DeleteAll,
        _ => return Err(AppError::NotFound),
    };
    let api = inspector(&ctx)?;
    let n = audited(
        &ctx,
        &meta,
        Vec::new(),
        async {
            let n = if action == "retry" {
                api.retry_all(set).await?
            } else {
                api.delete_all(set).await?
            };
            Ok(Some(n))
        },
        |n| {
            vec![audit::job_set_acted(
                &actor,
                audit_action,
                slug,
                json!({"count": n}),
            )]
        },
    )
    .await?
    .unwrap_or(0);
    Ok(done_redirect(slug, &format!("{action} all: {n}")))
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
    let fields = fields(&body);
    let (class, message) = (
        field(&fields, "error_class"),
        field(&fields, "error_message"),
    );
    let api = inspector(&ctx)?;
    let done = audited(
        &ctx,
        &meta,
        Vec::new(),
        async { Ok(Some(api.retry_error_group(set, &class, &message).await?)) },
        |n| {
            vec![audit::job_group_retried(
                &actor,
                slug,
                json!({"error_class": class, "error_message": message, "count": n}),
            )]
        },
    )
    .await?
    .unwrap_or(0);
    Ok(done_redirect(
        slug,
        &format!("retry {done} with that error"),
    ))
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
    let typed = field(&fields(&body), "args");
    let api = inspector(&ctx)?;
    let original = api
        .find(set, score, &jid)
        .await?
        .ok_or(AppError::NotFound)?;
    let refuse = |why: &str| {
        detail::detail_page(
            &web,
            &actor,
            slug,
            title,
            &original,
            Some(&typed),
            Some(why),
        )
    };
    let args = match serde_json::from_str::<Value>(&typed) {
        Ok(Value::Array(a)) => a,
        Ok(_) => return refuse("The arguments must be a JSON array, like [42, \"text\"]."),
        Err(e) => return refuse(&format!("This is not valid JSON: {e}.")),
    };
    let copy = copydesk_workers::api::edited_copy(&original.payload, args.clone(), now(&ctx)?);
    let new_jid = copy.jid().to_string();
    let before = Value::Array(original.payload.args().to_vec());
    let entries = vec![
        audit::job_retried_edited(
            &actor,
            &jid,
            json!({"args": before}),
            json!({"args": args, "new_jid": new_jid}),
        ),
        audit::job_enqueued_edited(&actor, &new_jid, json!({"retried_from": jid, "args": args})),
    ];
    let client = crate::jobs::Jobs::get(&ctx)?.client.clone();
    audited_found(&ctx, &meta, entries, async {
        client.push(vec![copy]).await?;
        Ok(true)
    })
    .await?;
    Ok(done_redirect(
        slug,
        &format!("enqueued {new_jid} with edited arguments"),
    ))
}

/// The job client's clock.
fn now(ctx: &AppContext) -> AppResult<f64> {
    Ok(crate::jobs::Jobs::get(ctx)?.client.clock().now())
}
