//! Who may read a published post in full on the public site.
//!
//! - `public`: everyone.
//! - `members`: anyone signed in (a member's account, or staff).
//! - `paid`: paying members once payments exist; there are none yet, so only staff who may
//!   see the post in the admin anyway (`posts.view`, all posts or their own) read it here.
use crate::models::posts::{self, Visibility};
use crate::{
    actor::Actor,
    auth::{
        Capability,
        permissions::{self, Grant},
    },
};

/// Why a reader sees only the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReadRefusal {
    /// A members-only post and nobody signed in.
    #[error("sign in to read this post")]
    SignIn,
    /// A post for paying members; no account pays yet.
    #[error("this post is for paying members")]
    Paid,
}

/// Whether `reader` may read `post` in full.
///
/// # Errors
/// [`ReadRefusal`] saying what would open it.
pub fn check_read(post: &posts::Model, reader: Option<&Actor>) -> Result<(), ReadRefusal> {
    match Visibility::parse(&post.visibility) {
        Some(Visibility::Public) => Ok(()),
        Some(Visibility::Members) if reader.is_some() => Ok(()),
        Some(Visibility::Members) => Err(ReadRefusal::SignIn),
        Some(Visibility::Paid) | None => match reader {
            Some(actor) if may_view_in_admin(actor, post) => Ok(()),
            _ => Err(ReadRefusal::Paid),
        },
    }
}

fn may_view_in_admin(actor: &Actor, post: &posts::Model) -> bool {
    match permissions::grant(actor.role(), Capability::POSTS_VIEW) {
        Some(Grant::All) => true,
        Some(Grant::Own) => post.author_id == actor.user.id,
        None => false,
    }
}
