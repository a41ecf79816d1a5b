//! Who is asking: a signed-in person (session) or an API token's owner, and the request
//! details the audit log keeps. Plain data, no HTTP types: models take these, and the
//! extractors that build them from a request live in [`crate::web::extract`].
use crate::{
    auth::permissions::{self, AuthError, Capability, Grant},
    models::{_entities::sessions, users},
};

/// How the actor proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Session(sessions::Model),
    Token {
        token_id: i32,
        write: bool,
    },
    /// A suspended or banned person's mailed appeal link: it lets them appeal and nothing
    /// else (docs/moderation.md).
    AppealLink,
}

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: users::Model,
    pub via: Via,
}

impl Actor {
    #[must_use]
    pub fn role(&self) -> users::Role {
        self.user.role()
    }

    /// "Name <email>", as the audit log shows it.
    #[must_use]
    pub fn label(&self) -> String {
        crate::models::audit::Who::user(&self.user).label
    }

    #[must_use]
    pub fn grant(&self, cap: Capability) -> Option<Grant> {
        permissions::grant(self.role(), cap)
    }

    /// # Errors
    /// [`AuthError::Forbidden`] when the role lacks `cap`.
    pub fn require(&self, cap: Capability) -> Result<Grant, AuthError> {
        self.grant(cap).ok_or(AuthError::Forbidden(cap.0))
    }

    /// Requires `cap` over a record owned by `owner_id`.
    ///
    /// # Errors
    /// [`AuthError::Forbidden`] when the role lacks `cap`, or holds it only for its own
    /// records and this one is someone else's.
    pub fn require_for(&self, cap: Capability, owner_id: i32) -> Result<(), AuthError> {
        match self.require(cap)? {
            Grant::All => Ok(()),
            Grant::Own if owner_id == self.user.id => Ok(()),
            Grant::Own => Err(AuthError::Forbidden(cap.0)),
        }
    }

    /// The CSRF token of the actor's session, for forms.
    #[must_use]
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session(s) => &s.csrf_token,
            Via::Token { .. } | Via::AppealLink => "",
        }
    }
}

/// Request details for the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
    pub request_id: String,
}

impl RequestMeta {
    /// For work started outside a request (CLI tasks, the demo seed).
    #[must_use]
    pub fn system(what: &str) -> Self {
        Self {
            ip: String::new(),
            user_agent: what.to_string(),
            request_id: String::new(),
        }
    }
}
