//! One error type for the web layer, turned into a response in one place. The response
//! carries an [`ErrorPage`] marker; the error-page layer (which sees the request) turns it
//! into the site's HTML page, a sign-in redirect, or — under `/api` — a [`JsonError`], the
//! one JSON error shape the API answers with (see `docs/api.md`).
use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::{auth::AuthError, views::forms::FieldErrors};

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
    /// Making an account failed in a way the screen did not expect (an unknown role).
    #[error(transparent)]
    User(#[from] crate::models::users::UserError),
}

pub type AppResult<T> = Result<T, AppError>;

/// What went wrong, for the error-page layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    BadRequest,
    Unauthenticated,
    Forbidden(AuthError),
    Csrf,
    Internal,
    /// A framework rejection known only by its status (405, 415, …).
    Status,
}

impl ErrorKind {
    /// The stable code JSON clients see for a response of `status`: a framework rejection
    /// is named after its status.
    #[must_use]
    pub fn code(&self, status: StatusCode) -> ErrorCode {
        match self {
            Self::NotFound => ErrorCode::NotFound,
            Self::BadRequest => ErrorCode::BadRequest,
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::Csrf => ErrorCode::CsrfRejected,
            Self::Internal => ErrorCode::Internal,
            Self::Status => ErrorCode::of_status(status),
        }
    }
}

/// Marks a response whose body the error-page layer replaces.
#[derive(Debug, Clone)]
pub struct ErrorPage(pub StatusCode, pub ErrorKind);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, kind) = match self {
            Self::NotFound => (StatusCode::NOT_FOUND, ErrorKind::NotFound),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorKind::BadRequest),
            Self::Auth(AuthError::Unauthenticated) => {
                (StatusCode::UNAUTHORIZED, ErrorKind::Unauthenticated)
            }
            Self::Auth(e) => (StatusCode::FORBIDDEN, ErrorKind::Forbidden(e)),
            Self::Csrf(reason) => {
                tracing::warn!(reason, "CSRF check refused a request");
                (StatusCode::FORBIDDEN, ErrorKind::Csrf)
            }
            Self::Db(_)
            | Self::Loco(_)
            | Self::Admin(_)
            | Self::Workers(_)
            | Self::Account(_)
            | Self::User(_) => {
                tracing::error!(error = %self, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::Internal)
            }
        };
        let mut res = (status, status.canonical_reason().unwrap_or("error")).into_response();
        res.extensions_mut().insert(ErrorPage(status, kind));
        res
    }
}

/// The stable, snake_case codes of [`JsonError`]. Clients branch on these; the message
/// is for people and may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A request that can never be right.
    BadRequest,
    /// The body is not JSON.
    InvalidJson,
    /// The body (or a field of it) breaks a rule: `fields` says which and why.
    Invalid,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    /// The record changed or exists already.
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    CsrfRejected,
    Internal,
}

impl ErrorCode {
    /// The HTTP status a response with this code has.
    #[must_use]
    pub const fn status(self) -> StatusCode {
        match self {
            Self::BadRequest | Self::InvalidJson => StatusCode::BAD_REQUEST,
            Self::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code for a response known only by its status (a framework rejection).
    #[must_use]
    pub fn of_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::UNAUTHORIZED => Self::Unauthenticated,
            StatusCode::FORBIDDEN => Self::Forbidden,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::CONFLICT => Self::Conflict,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType,
            StatusCode::UNPROCESSABLE_ENTITY => Self::Invalid,
            StatusCode::TOO_MANY_REQUESTS => Self::RateLimited,
            s if s.is_server_error() => Self::Internal,
            _ => Self::BadRequest,
        }
    }

    /// What a response of this code says when nothing more specific is known.
    #[must_use]
    pub const fn default_message(self) -> &'static str {
        match self {
            Self::BadRequest => "The request cannot be understood.",
            Self::InvalidJson => "The body is not valid JSON.",
            Self::Invalid => "Some fields are not right.",
            Self::Unauthenticated => "Send a valid token as `Authorization: Bearer cdk_…`.",
            Self::Forbidden => "This token or its owner may not do this.",
            Self::NotFound => "There is nothing at this address.",
            Self::MethodNotAllowed => "This address does not accept this method.",
            Self::Conflict => "The record changed or exists already.",
            Self::PayloadTooLarge => "The body is too large.",
            Self::UnsupportedMediaType => "Send the body as `Content-Type: application/json`.",
            Self::RateLimited => "Too many requests; wait and try again.",
            Self::CsrfRejected => "The request was refused as cross-site.",
            Self::Internal => "Something went wrong on our side.",
        }
    }
}

/// The one JSON error shape: `{"error": {"code", "message", "fields"?}}`, sent with the
/// status of its code and never stored by caches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsonError {
    pub error: JsonErrorBody,
    /// The code's status, unless a framework rejection had a rarer one (408, 431, …).
    #[serde(skip)]
    pub status: StatusCode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsonErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// Field name → what is wrong with it (only with [`ErrorCode::Invalid`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<FieldErrors>,
}

impl JsonError {
    #[must_use]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: JsonErrorBody {
                code,
                message: message.into(),
                fields: None,
            },
            status: code.status(),
        }
    }

    /// An error of `code` with its default message.
    #[must_use]
    pub fn of(code: ErrorCode) -> Self {
        Self::new(code, code.default_message())
    }

    /// Fields that break a rule, each with its message.
    #[must_use]
    pub fn invalid(fields: FieldErrors) -> Self {
        Self {
            error: JsonErrorBody {
                code: ErrorCode::Invalid,
                message: ErrorCode::Invalid.default_message().to_string(),
                fields: Some(fields),
            },
            status: ErrorCode::Invalid.status(),
        }
    }

    /// The API's answer for a response the error-page layer marked.
    #[must_use]
    pub fn of_kind(status: StatusCode, kind: &ErrorKind) -> Self {
        let code = kind.code(status);
        let mut err = match kind {
            ErrorKind::Forbidden(e) => Self::new(code, sentence(&e.to_string())),
            _ => Self::of(code),
        };
        err.status = status;
        err
    }
}

/// `s` with a capital letter and a full stop.
fn sentence(s: &str) -> String {
    let mut chars = s.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

impl From<sea_orm::DbErr> for JsonError {
    fn from(e: sea_orm::DbErr) -> Self {
        tracing::error!(error = %e, "API request failed");
        Self::of(ErrorCode::Internal)
    }
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(self)).into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}
