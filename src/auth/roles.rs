//! The roles a person holds and the states an account can be in. They live here, beside the
//! capability table that reads them, so `auth` needs nothing from `models`; `models::users`
//! re-exports both.
use serde::{Deserialize, Serialize};

/// What a person may do; [`super::permissions`] maps each role to its capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Editor,
    Author,
    Reviewer,
    Moderator,
    Support,
    Member,
}

impl Role {
    pub const ALL: &'static [Self] = &[
        Self::Admin,
        Self::Editor,
        Self::Author,
        Self::Reviewer,
        Self::Moderator,
        Self::Support,
        Self::Member,
    ];

    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
            Self::Author => "author",
            Self::Reviewer => "reviewer",
            Self::Moderator => "moderator",
            Self::Support => "support",
            Self::Member => "member",
        }
    }

    /// The role stored as `s`, if it is one.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
}

/// Whether an account may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Suspended,
    Banned,
}

impl UserStatus {
    pub const ALL: &'static [Self] = &[Self::Active, Self::Suspended, Self::Banned];

    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Banned => "banned",
        }
    }

    /// The status stored as `s`, if it is one.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
}
