//! The token of a multipart form (an upload): the body is read whole, within the media
//! library's upload limit, and its `_csrf` field compared before the handler sees it. The
//! field must come within the body's first 64 KiB: browsers send fields in the form's order,
//! and the upload forms put the token first.
use axum::{
    body::{Body, to_bytes},
    extract::{FromRequest, Multipart, Request},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use loco_rs::app::AppContext;

use crate::{auth::tokens, errors::AppError, settings::Settings};

/// How much of the body is searched for the token.
const HEAD: usize = 64 * 1024;

/// Checks the `_csrf` field of a multipart body against `expected`, then runs the handler
/// on the same bytes. A body over the limit is refused with 413 before anything is parsed.
pub(super) async fn check(ctx: &AppContext, expected: &str, req: Request, next: Next) -> Response {
    let limit = match Settings::get(ctx) {
        Ok(s) => s.media.body_limit(),
        Err(e) => return AppError::Loco(e).into_response(),
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, limit).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "The upload is larger than this site accepts.",
        )
            .into_response();
    };
    // Only the head is parsed for the token, which also keeps the probe under the body limit
    // axum applies to a multipart extractor.
    let head = bytes.slice(..bytes.len().min(HEAD));
    let probe = Request::from_parts(parts.clone(), Body::from(head));
    let Ok(mut form) = Multipart::from_request(probe, &()).await else {
        return AppError::Csrf("unreadable multipart form").into_response();
    };
    let mut sent = None;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("_csrf") {
            sent = field.text().await.ok();
            break;
        }
    }
    match sent {
        Some(sent) if tokens::same_secret(&sent, expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => AppError::Csrf("missing or wrong form token").into_response(),
    }
}
