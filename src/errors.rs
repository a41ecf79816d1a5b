//! One error type for the web layer, turned into a response in one place. The response
//! carries an [`ErrorPage`] marker; the error-page layer (which sees the request) turns it
//! into the site's HTML page, a sign-in redirect, or JSON with a stable code for `/api`.
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::auth::AuthError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// A request that can never be right (a NUL byte in the address).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A state-changing request without a valid CSRF token, or from another site.
    #[error("cross-site request refused: {0}")]
    Csrf(&'static str),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Loco(#[from] loco_rs::Error),
    /// The admin engine failed (its database, or a registration's configuration).
    #[error(transparent)]
    Admin(#[from] copydesk_admin::Error),
    /// The job store failed.
    #[error(transparent)]
    Workers(#[from] copydesk_workers::Error),
    /// A person or account rule refused in a way the screen did not expect.
    #[error(transparent)]
    Account(#[from] crate::models::users::AccountError),
    #[error("{0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

/// What went wrong, for the error-page layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    BadRequest,
    Unauthenticated,
    Forbidden(&'static str),
    Csrf,
    Internal,
    /// A framework rejection known only by its status (405, 415, …).
    Status,
}

impl ErrorKind {
    /// The stable code JSON clients see.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::BadRequest => "bad_request",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(code) => code,
            Self::Csrf => "csrf_rejected",
            Self::Internal | Self::Status => "internal_error",
        }
    }

    /// The code JSON clients see for a response of `status`: a framework rejection is named
    /// after its status.
    #[must_use]
    pub fn api_code(self, status: StatusCode) -> &'static str {
        if self != Self::Status {
            return self.code();
        }
        match status {
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_field",
            StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
            s if s.is_server_error() => "internal_error",
            _ => "bad_request",
        }
    }
}

/// Marks a response whose body the error-page layer replaces.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage(pub StatusCode, pub ErrorKind);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, kind) = match &self {
            Self::NotFound => (StatusCode::NOT_FOUND, ErrorKind::NotFound),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorKind::BadRequest),
            Self::Auth(AuthError::Unauthenticated) => {
                (StatusCode::UNAUTHORIZED, ErrorKind::Unauthenticated)
            }
            Self::Auth(e) => (StatusCode::FORBIDDEN, ErrorKind::Forbidden(e.code())),
            Self::Csrf(reason) => {
                tracing::warn!(reason, "CSRF check refused a request");
                (StatusCode::FORBIDDEN, ErrorKind::Csrf)
            }
            Self::Db(_)
            | Self::Loco(_)
            | Self::Admin(_)
            | Self::Workers(_)
            | Self::Account(_)
            | Self::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::Internal)
            }
        };
        let mut res = (status, status.canonical_reason().unwrap_or("error")).into_response();
        res.extensions_mut().insert(ErrorPage(status, kind));
        res
    }
}
