//! Personal API tokens: create (shown once), list, revoke.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Path, State},
    http::StatusCode,
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
    views::{Web, forms::field_errors, web::CachePolicy},
};

async fn render(
    ctx: &AppContext,
    web: &Web,
    actor: &Actor,
    form: &TokenForm,
    errors: &Value,
    created: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
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
    });
    web.page(status, "admin/tokens.html", &view, CachePolicy::NoStore)
}

/// `GET /admin/tokens`.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
) -> AppResult<Response> {
    let form = TokenForm {
        scope: "read".into(),
        ..TokenForm::default()
    };
    render(&ctx, &web, &actor, &form, &json!({}), None, StatusCode::OK).await
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
                Some(&token),
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
                None,
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
                None,
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
    Ok(Redirect::to("/admin/tokens").into_response())
}
