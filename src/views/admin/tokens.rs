//! What the API tokens page (`admin/tokens.html`) is given.
use serde::Serialize;

use super::AdminChrome;
use crate::{
    models::api_tokens::{self, TokenForm},
    views::forms::FieldErrors,
};

fn stamp(d: Option<chrono::DateTime<chrono::FixedOffset>>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// One token in the list (never its secret: only its hash is stored).
#[derive(Debug, Serialize)]
pub struct TokenRow {
    pub id: i32,
    pub name: String,
    pub scope: String,
    /// Whose token it is, for those who see everyone's.
    pub owner: Option<String>,
    pub created: String,
    pub expires: Option<String>,
    pub last_used: Option<String>,
    pub revoked: bool,
    /// Whether the viewer may revoke it.
    pub can_revoke: bool,
}

impl TokenRow {
    #[must_use]
    pub fn new(t: &api_tokens::Model, owner: Option<String>, can_revoke: bool) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            scope: t.scope.clone(),
            owner,
            created: t.created_at.format("%Y-%m-%d").to_string(),
            expires: stamp(t.expires_at),
            last_used: stamp(t.last_used_at),
            revoked: t.revoked_at.is_some(),
            can_revoke: can_revoke && t.revoked_at.is_none(),
        }
    }
}

/// What the "New token" form shows again after a refusal.
#[derive(Debug, Serialize)]
pub struct TokenFormView {
    pub name: String,
    pub scope: String,
    pub expires_in_days: String,
}

impl From<&TokenForm> for TokenFormView {
    fn from(f: &TokenForm) -> Self {
        Self {
            name: f.name.clone(),
            scope: f.scope.clone(),
            expires_in_days: f.expires_in_days.clone(),
        }
    }
}

/// `admin/tokens.html`.
#[derive(Debug, Serialize)]
pub struct TokensPage {
    pub title: &'static str,
    pub admin: AdminChrome,
    pub rows: Vec<TokenRow>,
    /// Whether the list holds other people's tokens (an owner column is shown).
    pub everyone: bool,
    pub form: TokenFormView,
    pub errors: FieldErrors,
    /// A token just created, shown on this response only.
    pub created: Option<String>,
    pub can_add: bool,
    pub flash: Option<String>,
}
