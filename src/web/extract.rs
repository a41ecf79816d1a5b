//! The extractors that turn a request into the plain [`Actor`] and [`RequestMeta`] the models
//! take: the session layer ([`super::session`]) or the API token check puts the actor in the
//! request's extensions; these read it.
use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};
use loco_rs::controller::middleware::request_id::LocoRequestId;

use super::client::ClientAddr;
use crate::{
    actor::{Actor, RequestMeta},
    auth::AuthError,
};

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Ok(ClientAddr(ip)) = ClientAddr::from_request_parts(parts, state).await;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(255)
            .collect();
        let request_id = parts
            .extensions
            .get::<LocoRequestId>()
            .map(|r| r.get().to_string())
            .unwrap_or_default();
        Ok(Self {
            ip,
            user_agent,
            request_id,
        })
    }
}

/// The signed-in person, required: extracting it without one is [`AuthError::Unauthenticated`].
impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = crate::errors::AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Self>()
            .cloned()
            .ok_or_else(|| AuthError::Unauthenticated.into())
    }
}

/// The signed-in person, if any.
#[derive(Debug, Clone)]
pub struct MaybeActor(pub Option<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<Actor>().cloned()))
    }
}
