//! Who may do what: the roles, the capability table (docs/permissions.md), passwords and
//! tokens. Nothing here reads the database or knows HTTP; the request layer (sessions, CSRF,
//! security headers, extractors, sign-in) is [`crate::web`].
pub mod passwords;
pub mod permissions;
pub mod roles;
pub mod tokens;

pub use permissions::{AuthError, Capability};
pub use roles::{Role, UserStatus};

// Kept so code written against the older paths still compiles; new code names
// `crate::actor` and `crate::web::extract` directly.
pub use crate::actor::{self, Actor, RequestMeta, Via};
pub use crate::web::extract::MaybeActor;
