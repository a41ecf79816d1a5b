//! Cross-site request forgery protection for every state-changing request:
//!
//! 1. A request another site started is refused: `Sec-Fetch-Site: cross-site|same-site`, or
//!    an `Origin` that is not this site's.
//! 2. A request that carries a session must carry that session's synchronizer token, as the
//!    `_csrf` form field or the `X-CSRF-Token` header (htmx sends the header).
//! 3. A request without a session is accepted only on the anonymous comment form, which acts
//!    for nobody; sign-in and sign-up pages start a session first, so their forms carry a token.
//!
//! JSON requests authenticated by `Authorization: Bearer` use no cookie and are exempt.
//! A refused request reaches no handler, so nothing is written.
use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use loco_rs::app::AppContext;

use super::{session::CurrentSession, tokens};
use crate::{errors::AppError, settings::Settings};

/// The largest form body read for its token.
const MAX_FORM: usize = 6 * 1024 * 1024;

fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// Paths that accept a request without a session.
fn anonymous_ok(path: &str) -> bool {
    path.starts_with("/posts/") && path.ends_with("/comments")
}

/// The CSRF layer.
pub async fn csrf(State(ctx): State<AppContext>, req: Request, next: Next) -> Response {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return next.run(req).await;
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    // The JSON API authenticates by bearer token only; without a cookie nothing ambient is
    // there to forge, and the API itself answers 401.
    let api = req.uri().path().starts_with("/api/");
    if (bearer || api) && !req.headers().contains_key(header::COOKIE) {
        return next.run(req).await;
    }
    if let Some(site) = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        && matches!(site, "cross-site" | "same-site")
    {
        return AppError::Csrf("Sec-Fetch-Site says another site sent it").into_response();
    }
    if let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        let ours = Settings::get(&ctx)
            .map(|s| origin_of(&s.site.base_url))
            .unwrap_or_default();
        if origin != ours {
            return AppError::Csrf("Origin is another site").into_response();
        }
    }
    let Some(CurrentSession(session)) = req.extensions().get::<CurrentSession>().cloned() else {
        if anonymous_ok(req.uri().path()) {
            return next.run(req).await;
        }
        return AppError::Csrf("no session to bind a token to").into_response();
    };
    if let Some(sent) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        if tokens::same_secret(sent, &session.csrf_token) {
            return next.run(req).await;
        }
        return AppError::Csrf("wrong token header").into_response();
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return AppError::Csrf("no token").into_response();
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
        return AppError::Csrf("unreadable form").into_response();
    };
    let sent = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.into_owned());
    match sent {
        Some(sent) if tokens::same_secret(&sent, &session.csrf_token) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => AppError::Csrf("missing or wrong form token").into_response(),
    }
}
