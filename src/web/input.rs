//! Addresses holding a NUL byte (`%00`) are refused before any handler runs, the same way on
//! both databases (PostgreSQL cannot compare text with a NUL, SQLite would): in the path it
//! is a 404 (no page has such an address), in the query string a 400. Form fields and JSON
//! bodies are checked by the validation rule [`crate::models::input::no_nul`] instead, so the
//! message stands next to the field.
use axum::{extract::Request, middleware::Next, response::Response};

use crate::errors::AppError;

/// Whether `raw` (still percent-encoded) encodes a NUL byte.
fn encodes_nul(raw: &str) -> bool {
    raw.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// The NUL-refusing layer.
pub async fn refuse_nul(req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    let uri = req.uri();
    if encodes_nul(uri.path()) {
        return AppError::NotFound.into_response();
    }
    if uri.query().is_some_and(encodes_nul) {
        return AppError::BadRequest("a NUL character in the address").into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::encodes_nul;

    #[test]
    fn finds_encoded_nul_only() {
        assert!(encodes_nul("/posts/%00"));
        assert!(encodes_nul("q=a%00b"));
        assert!(!encodes_nul("/posts/%2500"));
        assert!(!encodes_nul("page=100"));
    }
}
