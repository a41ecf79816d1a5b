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

use super::AdminChrome;
use crate::{
    auth::Actor,
    errors::{AppError, AppResult},
    jobs::records,
    models::{mail, page_of},
    views::{
        Web,
        admin::outbox::{MessagePage, OutboxMessage, OutboxPage, OutboxRow},
        posts::pager,
        web::CachePolicy,
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct OutboxQuery {
    #[serde(default)]
    page: Option<String>,
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
    let view = OutboxPage {
        title: "Mail outbox",
        admin: AdminChrome::new(&actor, "/admin/outbox"),
        rows: page.items.iter().map(OutboxRow::from).collect(),
        pager: pager(&page, "/admin/outbox"),
    };
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
    let jobs = records::jobs_for_record(&ctx, &actor, &records::mail_record(id)).await?;
    let view = MessagePage {
        title: format!("Mail to {}", m.to_address),
        admin: AdminChrome::new(&actor, "/admin/outbox"),
        message: OutboxMessage::from(&m),
        jobs,
    };
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
