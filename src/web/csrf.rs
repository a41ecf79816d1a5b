//! Cross-site request forgery protection for every state-changing request:
//!
//! 1. A request another site started is refused: `Sec-Fetch-Site: cross-site|same-site`, or
//!    an `Origin` that is not this site's. This site is its base URL; in development and
//!    tests also the address the browser opened when that is a loopback one (`localhost`,
//!    `127.0.0.0/8`, `[::1]`) and `Origin` names the same, so another port or `localhost`
//!    for `127.0.0.1` works. Production accepts only the configured base URL, and the
//!    refusal page says which address that is.
//! 2. A request that carries a session must carry that session's synchronizer token, as the
//!    `_csrf` form field or the `X-CSRF-Token` header (htmx sends the header).
//! 3. A request without a session is accepted only on the anonymous comment and report
//!    forms, which act for nobody; sign-in and sign-up pages start a session first, so their forms carry a token.
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
use loco_rs::{app::AppContext, environment::Environment};

use super::session::CurrentSession;
use crate::auth::tokens;
use crate::{errors::AppError, settings::Settings};

mod multipart;

/// The largest form body read for its token.
const MAX_FORM: usize = 6 * 1024 * 1024;

fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// A form refused because its `Origin` is not one this site accepts; the error page names
/// both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRefused {
    /// The origin this site accepts forms from (its base URL).
    pub accepted: String,
    /// The origin the browser sent.
    pub sent: String,
}

/// The address the browser asked for: `Host`, or the URI's authority (HTTP/2).
fn request_authority(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
}

/// Whether `host` (a `Host` header) is a loopback address and `origin` is that same address.
#[must_use]
pub fn is_loopback_origin(origin: &str, host: &str) -> bool {
    let Ok(url) = url::Url::parse(&format!("http://{host}")) else {
        return false;
    };
    // Only a bare host and port: no user, path or query smuggled into the header.
    let bare = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !host.contains(['/', '@', '?', '#']);
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    bare && loopback
        && ["http", "https"]
            .iter()
            .any(|scheme| origin_of(&format!("{scheme}://{host}")) == origin)
}

/// Paths that accept a request without a session: the comment form and the report forms.
fn anonymous_ok(path: &str) -> bool {
    (path.starts_with("/posts/") && (path.ends_with("/comments") || path.ends_with("/report")))
        || (path.starts_with("/comments/") && path.ends_with("/report"))
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
        let ours = match Settings::get(&ctx) {
            Ok(s) => origin_of(s.site.base()),
            Err(e) => return AppError::Loco(e).into_response(),
        };
        let own_loopback = matches!(
            ctx.environment,
            Environment::Development | Environment::Test
        ) && request_authority(&req)
            .is_some_and(|host| is_loopback_origin(origin, host));
        if origin != ours && !own_loopback {
            let mut res = AppError::Csrf("Origin is another site").into_response();
            res.extensions_mut().insert(OriginRefused {
                accepted: ours,
                sent: origin.chars().take(200).collect(),
            });
            return res;
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
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("multipart/form-data") {
        return multipart::check(&ctx, &session.csrf_token, req, next).await;
    }
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
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
