//! The JSON API, authenticated by personal tokens (`Authorization: Bearer cdk_…`). Errors are
//! one [`JsonError`] shape with a stable code, malformed bodies included (`invalid_json`,
//! `invalid`, `unsupported_media_type`); `docs/api.md` lists them. A `read` token may only
//! use safe methods. Nothing here is stored by caches (`Cache-Control: no-store`).
use axum::{
    Json,
    extract::{FromRequest, FromRequestParts, Request, State, rejection::JsonRejection},
    http::{HeaderValue, Method, header, request::Parts},
    middleware::Next,
    response::Response,
    routing::get,
};
use loco_rs::{app::AppContext, prelude::Routes};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::{
    auth::{Actor, RequestMeta, Via},
    errors::{ErrorCode, JsonError},
    models::{
        api_tokens,
        users::{ProfileError, ProfileForm},
    },
};

/// A JSON body; what axum would refuse in plain text is refused in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = JsonError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> JsonError {
    let code = match rejection {
        JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
        JsonRejection::JsonSyntaxError(_) => ErrorCode::InvalidJson,
        JsonRejection::JsonDataError(_) => ErrorCode::Invalid,
        _ => ErrorCode::BadRequest,
    };
    JsonError::new(code, rejection.body_text())
}

/// The token's owner.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppContext> for ApiActor {
    type Rejection = JsonError;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &AppContext,
    ) -> Result<Self, Self::Rejection> {
        let unauthenticated = || JsonError::of(ErrorCode::Unauthenticated);
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
            return Err(JsonError::new(
                ErrorCode::Forbidden,
                "This token has the `read` scope: it may only use GET and HEAD.",
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

/// `GET /api/me`'s body: the token owner, without secrets.
#[derive(Debug, Serialize)]
pub struct MeView {
    pub id: i32,
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub role: String,
    /// Empty: the site's zone.
    pub time_zone: String,
}

impl MeView {
    fn of(user: &crate::models::users::Model) -> Self {
        Self {
            id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            bio: user.bio.clone(),
            role: user.role.clone(),
            time_zone: user.time_zone.clone(),
        }
    }
}

/// `GET /api/me`.
pub async fn me(ApiActor(actor): ApiActor) -> Json<MeView> {
    Json(MeView::of(&actor.user))
}

/// `PATCH /api/me`'s body: a partial update, absent fields keep their value.
#[derive(Debug, Default, Deserialize)]
pub struct ProfilePatch {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
    /// An IANA zone name, or empty for the site's.
    #[serde(default)]
    pub time_zone: Option<String>,
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
            time_zone: self.time_zone,
        }
    }
}

/// `PATCH /api/me`: name and/or bio (a `write` token).
pub async fn update_me(
    State(ctx): State<AppContext>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    ApiJson(patch): ApiJson<ProfilePatch>,
) -> Result<Json<MeView>, JsonError> {
    let form = patch.apply(&actor.user);
    match actor.user.update_profile(&ctx.db, &meta, &form).await {
        Ok(user) => Ok(Json(MeView::of(&user))),
        Err(ProfileError::Invalid(e)) => {
            Err(JsonError::invalid(crate::views::forms::field_errors(&e)))
        }
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
