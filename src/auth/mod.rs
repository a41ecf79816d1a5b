//! Accounts and the security baseline: who is asking (sessions, API tokens), what they may
//! do (the capability table in docs/permissions.md), and the request-level protections
//! (CSRF, security headers).
pub mod actor;
pub mod csrf;
pub mod headers;
pub mod input;
pub mod passwords;
pub mod permissions;
pub mod reading;
pub mod session;
pub mod signin;
pub mod tokens;

pub use actor::{Actor, RequestMeta};
pub use permissions::{AuthError, Capability};
