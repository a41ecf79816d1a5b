//! The HTTP layer around the handlers: extractors that build the plain actor, the session
//! cookie, CSRF, security headers, the admin guard, and sign-in and sign-out.
pub mod client;
pub mod csrf;
pub mod extract;
pub mod guard;
pub mod headers;
pub mod input;
pub mod reading;
pub mod session;
pub mod signin;

pub use extract::MaybeActor;
