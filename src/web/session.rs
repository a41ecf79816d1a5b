//! The session layer: reads the session cookie, loads the session and its user, and makes
//! them available to handlers as [`CurrentSession`] and [`Actor`]. Requests without the
//! cookie (most reader traffic) cost nothing.
use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use loco_rs::app::AppContext;

use crate::actor::{Actor, Via};
use crate::{models::sessions, settings::Settings};

/// The session loaded for this request, signed in or not.
#[derive(Debug, Clone)]
pub struct CurrentSession(pub sessions::Model);

/// The cookie's name: `__Host-` prefixed when cookies are `Secure` (the browser then refuses
/// it from any other host or path).
#[must_use]
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-copydesk"
    } else {
        "copydesk_session"
    }
}

/// The session token from the request's cookies.
#[must_use]
pub fn token_from(headers: &axum::http::HeaderMap, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// `Set-Cookie` for a new session token: HttpOnly, SameSite=Lax, Secure in production.
#[must_use]
pub fn set_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure_attr = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax{secure_attr}",
        cookie_name(secure)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` that removes the session cookie.
#[must_use]
pub fn clear_cookie(secure: bool) -> HeaderValue {
    let secure_attr = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure_attr}",
        cookie_name(secure)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session layer.
pub async fn load_session(State(ctx): State<AppContext>, mut req: Request, next: Next) -> Response {
    let Ok(settings) = Settings::get(&ctx) else {
        return next.run(req).await;
    };
    let secure = settings.security.secure_cookies;
    let Some(token) = token_from(req.headers(), secure) else {
        return next.run(req).await;
    };
    match sessions::find_live(&ctx.db, &token, &settings.security).await {
        Ok(Some((session, user))) => {
            let actor = user.map(|user| Actor {
                user,
                via: Via::Session(session.clone()),
            });
            if let Some(a) = &actor {
                req.extensions_mut().insert(a.clone());
            }
            req.extensions_mut().insert(CurrentSession(session));
            let mut res = next.run(req).await;
            // The error-page layer, outside this one, shows staff their errors inside the
            // admin layout: it needs to know who asked.
            if let Some(a) = actor
                && res.extensions().get::<crate::errors::ErrorPage>().is_some()
            {
                res.extensions_mut().insert(a);
            }
            res
        }
        Ok(None) => {
            // A stale cookie: drop it so the browser stops sending it.
            let mut res = next.run(req).await;
            if !res.headers().contains_key(header::SET_COOKIE) {
                res.headers_mut()
                    .append(header::SET_COOKIE, clear_cookie(secure));
            }
            res
        }
        Err(err) => {
            tracing::error!(error = %err, "session lookup failed");
            axum::response::IntoResponse::into_response(crate::errors::AppError::Db(err))
        }
    }
}
