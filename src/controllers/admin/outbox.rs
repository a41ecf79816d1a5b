//! The mail outbox: every message Copydesk sent or tried to send, with its delivery status.
use std::sync::Arc;

use axum::{
    Extension,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;
use sea_orm::{EntityTrait, QueryOrder};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AdminChrome;
use crate::{
    auth::Actor,
    errors::{AppError, AppResult},
    models::{mail, page_of},
    views::{Web, posts::pager, web::CachePolicy},
};

#[derive(Debug, Default, Deserialize)]
pub struct OutboxQuery {
    #[serde(default)]
    page: Option<String>,
}

fn row(m: &mail::Model) -> Value {
    json!({
        "id": m.id, "to": m.to_address, "subject": m.subject, "status": m.status, "error": m.error,
        "created": m.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        "sent": m.sent_at.map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
    })
}

/// `GET /admin/outbox`: newest first, 50 a page.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(q): Query<OutboxQuery>,
) -> AppResult<Response> {
    let page_no = crate::models::page_number(q.page.as_deref());
    let query = mail::Entity::find()
        .order_by_desc(mail::Column::CreatedAt)
        .order_by_desc(mail::Column::Id);
    let page = page_of(&ctx.db, query, page_no, 50).await?;
    let view = json!({
        "title": "Mail outbox",
        "admin": AdminChrome::new(&actor, "/admin/outbox"),
        "rows": page.items.iter().map(row).collect::<Vec<_>>(),
        "pager": pager(&page, "/admin/outbox"),
    });
    web.page(
        StatusCode::OK,
        "admin/outbox.html",
        &view,
        CachePolicy::NoStore,
    )
}

/// `GET /admin/outbox/{id}`: one message, as text (the HTML part is not rendered here).
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: crate::auth::RequestMeta,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let m = mail::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    // Reading someone's mail is recorded, like every other look at personal data that matters.
    crate::models::audit::record(
        &ctx.db,
        &meta,
        crate::models::audit::mail_viewed(&actor, m.id),
    )
    .await?;
    let mut message = row(&m);
    message["text"] = json!(m.text_body);
    message["kept"] = json!(m.status == "kept");
    message["link"] = json!(m.link().map(|l| match l.kind {
        mail::LinkKind::VerifyEmail => "a confirmation link",
        mail::LinkKind::ResetPassword => "a password reset link",
        mail::LinkKind::Invitation => "an invitation link",
    }));
    let jobs = super::jobs::record_jobs(&ctx, &format!("mail_outbox:{id}")).await?;
    let view = json!({
        "title": format!("Mail to {}", m.to_address),
        "admin": AdminChrome::new(&actor, "/admin/outbox"),
        "message": message,
        "jobs": jobs,
        "can_retry": actor.grant(crate::auth::Capability::RETRY_JOBS).is_some(),
    });
    web.page(
        StatusCode::OK,
        "admin/outbox_message.html",
        &view,
        CachePolicy::NoStore,
    )
}

/// `POST /admin/outbox/{id}/retry`: retries this message's failed delivery job.
pub async fn retry(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: crate::auth::RequestMeta,
    Path(id): Path<i32>,
    body: axum::body::Bytes,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let jid = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "jid")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    super::jobs::retry_by_jid(&ctx, &actor, &meta, &jid).await?;
    Ok(axum::response::Redirect::to(&format!("/admin/outbox/{id}")).into_response())
}
