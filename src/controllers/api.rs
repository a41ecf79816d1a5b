//! The JSON API, authenticated by personal tokens (`Authorization: Bearer cdk_…`). Errors are
//! JSON with a stable `error` code, malformed bodies included (`invalid_json`,
//! `invalid_field`, `unsupported_media_type`). A `read` token may only use safe methods.
//! Nothing here is stored by caches (`Cache-Control: no-store`).
use axum::{
    Json,
    extract::{FromRequest, FromRequestParts, Request, State, rejection::JsonRejection},
    http::{HeaderValue, Method, StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use loco_rs::{app::AppContext, prelude::Routes};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::json;

use crate::{
    auth::{Actor, RequestMeta, Via},
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
        let mut body = json!({"error": self.1, "status": self.0.as_u16()});
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

/// A JSON body; what axum would refuse in plain text is refused in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    let (status, code) = match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
        }
        JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
        JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
        _ => (StatusCode::BAD_REQUEST, "invalid_body"),
    };
    ApiError(status, code, json!({"message": rejection.body_text()}))
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

/// `PATCH /api/me`'s body: a partial update, absent fields keep their value.
#[derive(Debug, Default, Deserialize)]
pub struct ProfilePatch {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
}

impl ProfilePatch {
    /// The whole profile after the patch, checked by the same rules as the account page.
    #[must_use]
    pub fn apply(self, user: &crate::models::users::Model) -> ProfileForm {
        ProfileForm {
            display_name: self
                .display_name
                .unwrap_or_else(|| user.display_name.clone()),
            bio: self.bio.unwrap_or_else(|| user.bio.clone()),
        }
    }
}

/// `PATCH /api/me`: name and/or bio (a `write` token).
pub async fn update_me(
    State(ctx): State<AppContext>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    ApiJson(patch): ApiJson<ProfilePatch>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let form = patch.apply(&actor.user);
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

/// Keeps every API response out of caches.
async fn no_store(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[must_use]
pub fn routes() -> Routes {
    Routes::new()
        .prefix("/api")
        .add("/me", get(me).patch(update_me))
        .layer(axum::middleware::from_fn(no_store))
}
