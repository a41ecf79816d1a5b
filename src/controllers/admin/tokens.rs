//! Personal API tokens: create (shown once), list, revoke.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use super::AdminChrome;
use crate::{
    auth::{Actor, Capability, RequestMeta, permissions::Grant},
    errors::{AppError, AppResult},
    models::api_tokens::{self, TokenError, TokenForm},
    views::{Web, flash as flash_cookie, forms::field_errors, web::CachePolicy},
};

/// What the page shows above the list, besides form errors.
enum Shown<'a> {
    Nothing,
    /// A token just created, shown this once.
    Created(&'a str),
    /// The message the previous action left (a revoked token).
    Flash(&'a str),
}

async fn render(
    ctx: &AppContext,
    web: &Web,
    actor: &Actor,
    form: &TokenForm,
    errors: &Value,
    shown: Shown<'_>,
    status: StatusCode,
) -> AppResult<Response> {
    let (created, flash) = match shown {
        Shown::Nothing => (None, None),
        Shown::Created(token) => (Some(token), None),
        Shown::Flash(message) => (None, Some(message)),
    };
    let owner = match actor.grant(Capability::API_TOKENS_VIEW) {
        Some(Grant::All) => None,
        _ => Some(actor.user.id),
    };
    let rows: Vec<Value> = api_tokens::list(&ctx.db, owner)
        .await?
        .iter()
        .map(|t| {
            let fmt = |d: Option<chrono::DateTime<chrono::FixedOffset>>| d.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string());
            json!({
                "id": t.id, "name": t.name, "scope": t.scope, "mine": t.user_id == actor.user.id,
                "created": t.created_at.format("%Y-%m-%d").to_string(), "expires": fmt(t.expires_at),
                "last_used": fmt(t.last_used_at), "revoked": t.revoked_at.is_some(),
            })
        })
        .collect();
    let view = json!({
        "title": "API tokens",
        "admin": AdminChrome::new(actor, "/admin/tokens"),
        "rows": rows,
        "form": {"name": form.name, "scope": form.scope, "expires_in_days": form.expires_in_days},
        "errors": errors,
        "created": created,
        "can_add": actor.grant(Capability::API_TOKENS_ADD).is_some(),
        "flash": flash,
    });
    let mut res = web.page(status, "admin/tokens.html", &view, CachePolicy::NoStore)?;
    if flash.is_some() {
        flash_cookie::set(&mut res, None);
    }
    Ok(res)
}

/// `GET /admin/tokens`.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    headers: HeaderMap,
) -> AppResult<Response> {
    let form = TokenForm {
        scope: "read".into(),
        ..TokenForm::default()
    };
    let flash = flash_cookie::read(&headers);
    render(
        &ctx,
        &web,
        &actor,
        &form,
        &json!({}),
        flash.as_deref().map_or(Shown::Nothing, Shown::Flash),
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/tokens`: the new token is shown on this response only.
pub async fn create(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    match api_tokens::create(&ctx.db, &actor, &meta, &form).await {
        Ok((token, _)) => {
            let blank = TokenForm {
                scope: "read".into(),
                ..TokenForm::default()
            };
            render(
                &ctx,
                &web,
                &actor,
                &blank,
                &json!({}),
                Shown::Created(&token),
                StatusCode::CREATED,
            )
            .await
        }
        Err(TokenError::Invalid(e)) => {
            let errors = serde_json::to_value(field_errors(&e)).unwrap_or_default();
            render(
                &ctx,
                &web,
                &actor,
                &form,
                &errors,
                Shown::Nothing,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(TokenError::BadExpiry) => {
            let errors = json!({"expires_in_days": "Enter a whole number of days from 1 to 3650, or leave it empty."});
            render(
                &ctx,
                &web,
                &actor,
                &form,
                &errors,
                Shown::Nothing,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(TokenError::Db(e)) => Err(e.into()),
    }
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let token = api_tokens::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    actor.require_for(Capability::API_TOKENS_DELETE, token.user_id)?;
    api_tokens::revoke(&ctx.db, &actor, &meta, &token).await?;
    let mut res = Redirect::to("/admin/tokens").into_response();
    flash_cookie::set(
        &mut res,
        Some(&format!(
            "Revoked the token “{}”: it no longer works.",
            token.name
        )),
    );
    Ok(res)
}
