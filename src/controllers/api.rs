//! The JSON API, authenticated by personal tokens (`Authorization: Bearer cdk_…`). Errors are
//! JSON with a stable `error` code. A `read` token may only use safe methods.
use axum::{
    Json,
    extract::{FromRequestParts, State},
    http::{Method, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::get,
};
use loco_rs::{app::AppContext, prelude::Routes};
use serde_json::json;

use crate::{
    auth::{Actor, RequestMeta, actor::Via},
    models::{
        api_tokens,
        users::{ProfileError, ProfileForm},
    },
};

/// A JSON error with a stable code.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub &'static str, pub serde_json::Value);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.1});
        if !self.2.is_null() {
            body["details"] = self.2;
        }
        (self.0, Json(body)).into_response()
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        tracing::error!(error = %e, "API request failed");
        Self(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            serde_json::Value::Null,
        )
    }
}

/// The token's owner.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppContext> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &AppContext,
    ) -> Result<Self, Self::Rejection> {
        let unauthenticated = || {
            ApiError(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                serde_json::Value::Null,
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauthenticated)?;
        let (row, user) = api_tokens::authenticate(&ctx.db, token.trim())
            .await?
            .ok_or_else(unauthenticated)?;
        let write = row.scope == "write";
        if !write && !matches!(parts.method, Method::GET | Method::HEAD) {
            return Err(ApiError(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                serde_json::Value::Null,
            ));
        }
        Ok(Self(Actor {
            user,
            via: Via::Token {
                token_id: row.id,
                write,
            },
        }))
    }
}

fn me_json(a: &Actor) -> serde_json::Value {
    json!({"id": a.user.id, "email": a.user.email, "display_name": a.user.display_name, "bio": a.user.bio, "role": a.user.role})
}

/// `GET /api/me`.
pub async fn me(ApiActor(actor): ApiActor) -> Json<serde_json::Value> {
    Json(me_json(&actor))
}

/// `PATCH /api/me`: name and bio (a `write` token).
pub async fn update_me(
    State(ctx): State<AppContext>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    Json(form): Json<ProfileForm>,
) -> Result<Json<serde_json::Value>, ApiError> {
    match actor.user.update_profile(&ctx.db, &meta, &form).await {
        Ok(user) => Ok(Json(me_json(&Actor {
            user,
            via: actor.via,
        }))),
        Err(ProfileError::Invalid(e)) => Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            serde_json::to_value(crate::views::forms::field_errors(&e)).unwrap_or_default(),
        )),
        Err(ProfileError::Db(e)) => Err(e.into()),
    }
}

#[must_use]
pub fn routes() -> Routes {
    Routes::new()
        .prefix("/api")
        .add("/me", get(me).patch(update_me))
}
