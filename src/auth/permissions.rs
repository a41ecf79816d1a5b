//! The capability table, read from `docs/permissions.md` (compiled in), and the named checks
//! every handler and model method uses.
use std::{collections::HashMap, sync::LazyLock};

use super::roles::Role;

/// A capability: `resource.action` (`posts.change`) or a special one (`publish`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capability(pub &'static str);

impl Capability {
    pub const ADMIN_ACCESS: Self = Self("admin.access");
    pub const POSTS_VIEW: Self = Self("posts.view");
    pub const POSTS_ADD: Self = Self("posts.add");
    pub const POSTS_CHANGE: Self = Self("posts.change");
    pub const POSTS_DELETE: Self = Self("posts.delete");
    pub const TAGS_ADD: Self = Self("tags.add");
    pub const TAGS_CHANGE: Self = Self("tags.change");
    pub const TAGS_DELETE: Self = Self("tags.delete");
    pub const MEDIA_ADD: Self = Self("media.add");
    pub const MEDIA_CHANGE: Self = Self("media.change");
    pub const MEDIA_DELETE: Self = Self("media.delete");
    pub const COMMENTS_ADD: Self = Self("comments.add");
    pub const COMMENTS_CHANGE: Self = Self("comments.change");
    pub const COMMENTS_DELETE: Self = Self("comments.delete");
    pub const USERS_VIEW: Self = Self("users.view");
    pub const USERS_ADD: Self = Self("users.add");
    pub const USERS_CHANGE: Self = Self("users.change");
    pub const USERS_DELETE: Self = Self("users.delete");
    pub const API_TOKENS_VIEW: Self = Self("api_tokens.view");
    pub const API_TOKENS_ADD: Self = Self("api_tokens.add");
    pub const API_TOKENS_DELETE: Self = Self("api_tokens.delete");
    pub const AUDIT_VIEW: Self = Self("audit.view");
    pub const PUBLISH: Self = Self("publish");
    pub const REVIEW: Self = Self("review");
    pub const MODERATE: Self = Self("moderate");
    pub const MANAGE_USERS: Self = Self("manage_users");
    pub const RETRY_JOBS: Self = Self("retry_jobs");
    pub const VIEW_AUDIT: Self = Self("view_audit");
    pub const MANAGE_SETTINGS: Self = Self("manage_settings");
    pub const OUTBOX_VIEW: Self = Self("outbox.view");
    pub const JOBS_VIEW: Self = Self("jobs.view");
}

/// How far a grant reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    All,
    /// Only records the person owns.
    Own,
}

/// Why a request or an action was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("sign in first")]
    Unauthenticated,
    #[error("you may not do this ({0})")]
    Forbidden(&'static str),
    #[error("you may not act on someone of higher rank")]
    HigherRank,
    #[error("Copydesk needs at least one active admin")]
    LastAdmin,
    /// The role asked for can do something the person giving it cannot (`{0}`).
    #[error("you may not give a role that can do what you cannot ({0})")]
    RoleBeyondOwn(&'static str),
}

impl AuthError {
    /// A stable code for JSON responses.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::HigherRank => "higher_rank",
            Self::LastAdmin => "last_admin",
            Self::RoleBeyondOwn(_) => "role_beyond_own",
        }
    }
}

const PERMISSIONS_MD: &str = include_str!("../../docs/permissions.md");

/// The table: (capability, role) → grant.
pub struct Table {
    grants: HashMap<(String, Role), Grant>,
    pub capabilities: Vec<String>,
}

/// Parses the `## Capabilities` table of `docs/permissions.md`.
///
/// # Errors
/// A message naming the line that does not fit.
pub fn parse(md: &str) -> Result<Table, String> {
    let mut roles: Vec<Role> = Vec::new();
    let mut grants = HashMap::new();
    let mut capabilities = Vec::new();
    let mut in_section = false;
    for (n, line) in md.lines().enumerate() {
        if line.starts_with("## ") {
            in_section = line.trim() == "## Capabilities";
            continue;
        }
        if !in_section || !line.starts_with('|') || line.starts_with("|---") {
            continue;
        }
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if roles.is_empty() {
            for cell in &cells[1..] {
                roles.push(
                    Role::parse(cell)
                        .ok_or_else(|| format!("line {}: unknown role `{cell}`", n + 1))?,
                );
            }
            continue;
        }
        let cap = cells[0].trim_matches('`').to_string();
        if cells.len() != roles.len() + 1 {
            return Err(format!(
                "line {}: expected {} cells",
                n + 1,
                roles.len() + 1
            ));
        }
        for (role, cell) in roles.iter().zip(&cells[1..]) {
            let grant = match *cell {
                "yes" => Grant::All,
                "own" => Grant::Own,
                "" => continue,
                other => {
                    return Err(format!(
                        "line {}: `{other}` is not yes, own or blank",
                        n + 1
                    ));
                }
            };
            grants.insert((cap.clone(), *role), grant);
        }
        capabilities.push(cap);
    }
    if roles.is_empty() || capabilities.is_empty() {
        return Err("no `## Capabilities` table".into());
    }
    Ok(Table {
        grants,
        capabilities,
    })
}

/// The table the application enforces.
pub static TABLE: LazyLock<Table> =
    LazyLock::new(|| {
        parse(PERMISSIONS_MD).unwrap_or_else(|err| {
        // The test suite parses the same text, so this cannot ship; refuse everything if it does.
        tracing::error!(%err, "docs/permissions.md does not parse; every capability is refused");
        Table { grants: HashMap::new(), capabilities: Vec::new() }
    })
    });

/// What `role` holds of `cap`, if anything.
#[must_use]
pub fn grant(role: Role, cap: Capability) -> Option<Grant> {
    TABLE.grants.get(&(cap.0.to_string(), role)).copied()
}

/// What `role` holds of a capability named at run time (`posts.change`), if anything.
#[must_use]
pub fn grant_named(role: Role, name: &str) -> Option<Grant> {
    TABLE.grants.get(&(name.to_string(), role)).copied()
}

/// The capability's name as the table holds it, for refusals that must name it.
#[must_use]
pub fn static_name(name: &str) -> Option<&'static str> {
    TABLE
        .capabilities
        .iter()
        .find(|c| c.as_str() == name)
        .map(String::as_str)
}

/// Rank for "may not act on someone of higher rank".
#[must_use]
pub const fn rank(role: Role) -> u8 {
    match role {
        Role::Admin => 5,
        Role::Editor => 4,
        Role::Moderator | Role::Support | Role::Reviewer => 3,
        Role::Author => 2,
        Role::Member => 1,
    }
}

/// Refuses when `actor` outranks neither `target`'s current role nor (if given) the role
/// being granted.
///
/// # Errors
/// [`AuthError::HigherRank`].
pub fn check_rank(actor: Role, target: Role, new_role: Option<Role>) -> Result<(), AuthError> {
    if rank(target) > rank(actor) || new_role.is_some_and(|r| rank(r) > rank(actor)) {
        return Err(AuthError::HigherRank);
    }
    Ok(())
}

/// The first capability `role` holds that `actor` does not, or holds more widely (`yes`
/// where the actor has only `own`), in the table's order.
#[must_use]
pub fn capability_beyond(actor: Role, role: Role) -> Option<&'static str> {
    TABLE.capabilities.iter().map(String::as_str).find(|cap| {
        match (grant_named(role, cap), grant_named(actor, cap)) {
            (None, _) | (Some(Grant::Own), Some(_)) | (Some(Grant::All), Some(Grant::All)) => false,
            (Some(_), None) | (Some(Grant::All), Some(Grant::Own)) => true,
        }
    })
}

/// Whether `actor` may give `role` to someone: not above their rank, and nothing it can do
/// that they cannot do themself.
#[must_use]
pub fn may_grant(actor: Role, role: Role) -> bool {
    rank(role) <= rank(actor) && capability_beyond(actor, role).is_none()
}

/// The rule for every role change, whatever the screen: `actor` may act on someone of
/// `target`'s rank ([`check_rank`]) and, when the role changes to `new_role`, may give it
/// ([`may_grant`]): nobody hands out a capability they lack, so a moderator cannot make
/// anyone (themself included) support, who reads the mail outbox.
///
/// # Errors
/// [`AuthError::HigherRank`] or [`AuthError::RoleBeyondOwn`].
pub fn check_role_change(
    actor: Role,
    target: Role,
    new_role: Option<Role>,
) -> Result<(), AuthError> {
    check_rank(actor, target, new_role)?;
    if let Some(r) = new_role.filter(|r| *r != target)
        && let Some(cap) = capability_beyond(actor, r)
    {
        return Err(AuthError::RoleBeyondOwn(
            static_name(cap).unwrap_or("a capability"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_table_parses_and_names_every_capability_the_code_uses() {
        let table = parse(PERMISSIONS_MD).unwrap();
        for cap in [
            Capability::ADMIN_ACCESS,
            Capability::POSTS_VIEW,
            Capability::USERS_VIEW,
            Capability::USERS_ADD,
            Capability::USERS_CHANGE,
            Capability::API_TOKENS_VIEW,
            Capability::API_TOKENS_ADD,
            Capability::API_TOKENS_DELETE,
            Capability::AUDIT_VIEW,
            Capability::PUBLISH,
            Capability::REVIEW,
            Capability::MODERATE,
            Capability::MANAGE_USERS,
            Capability::RETRY_JOBS,
            Capability::VIEW_AUDIT,
            Capability::MANAGE_SETTINGS,
            Capability::OUTBOX_VIEW,
            Capability::JOBS_VIEW,
            Capability::POSTS_ADD,
            Capability::POSTS_CHANGE,
            Capability::POSTS_DELETE,
            Capability::TAGS_ADD,
            Capability::TAGS_CHANGE,
            Capability::TAGS_DELETE,
            Capability::MEDIA_ADD,
            Capability::MEDIA_CHANGE,
            Capability::MEDIA_DELETE,
            Capability::COMMENTS_ADD,
            Capability::COMMENTS_CHANGE,
            Capability::COMMENTS_DELETE,
            Capability::USERS_DELETE,
        ] {
            assert!(
                table.capabilities.iter().any(|c| c == cap.0),
                "{} missing from docs/permissions.md",
                cap.0
            );
        }
        assert_eq!(
            grant(Role::Admin, Capability::MANAGE_SETTINGS),
            Some(Grant::All)
        );
        assert_eq!(grant(Role::Member, Capability::ADMIN_ACCESS), None);
        assert_eq!(
            grant(Role::Author, Capability::POSTS_VIEW),
            Some(Grant::Own)
        );
    }

    #[test]
    fn bad_tables_are_refused() {
        assert!(parse("nothing").is_err());
        assert!(parse("## Capabilities\n| c | admin | pope |\n").is_err());
        assert!(parse("## Capabilities\n| c | admin |\n|---|---|\n| `x` | maybe |\n").is_err());
    }

    #[test]
    fn nobody_acts_above_their_rank() {
        assert_eq!(
            check_rank(Role::Editor, Role::Admin, None),
            Err(AuthError::HigherRank)
        );
        assert_eq!(
            check_rank(Role::Editor, Role::Member, Some(Role::Admin)),
            Err(AuthError::HigherRank)
        );
        assert_eq!(
            check_rank(Role::Editor, Role::Moderator, Some(Role::Member)),
            Ok(())
        );
        assert_eq!(check_rank(Role::Moderator, Role::Support, None), Ok(()));
    }

    #[test]
    fn nobody_gives_a_role_that_can_do_more_than_they_can() {
        // Same rank, different powers: support reads the outbox, moderators do not.
        assert_eq!(
            check_role_change(Role::Moderator, Role::Member, Some(Role::Support)),
            Err(AuthError::RoleBeyondOwn("users.change"))
        );
        assert_eq!(
            check_role_change(Role::Moderator, Role::Moderator, Some(Role::Support)),
            Err(AuthError::RoleBeyondOwn("users.change"))
        );
        assert!(may_grant(Role::Admin, Role::Support));
        assert!(may_grant(Role::Editor, Role::Author));
        // Editors may not delete comments; moderators may.
        assert!(!may_grant(Role::Editor, Role::Moderator));
        // Leaving a role as it is is no grant.
        assert_eq!(
            check_role_change(Role::Moderator, Role::Support, Some(Role::Support)),
            Ok(())
        );
        for role in Role::ALL {
            assert!(may_grant(Role::Admin, *role), "admins may give {role:?}");
            assert!(may_grant(*role, *role), "{role:?} may give their own role");
        }
    }
}
