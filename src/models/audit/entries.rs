//! Named constructors, one per audited action (Lemmy's mod log): callers say what happened
//! and the constructor picks the name and target kind from [`Action`], so one change has
//! one name whatever the screen.
use serde_json::Value;

use super::{Action, Entry, Who};

/// An entry of `action` about the record `target_id`.
#[must_use]
pub fn of(
    action: Action,
    who: impl Into<Who>,
    target_id: impl ToString,
    before: Option<Value>,
    after: Option<Value>,
) -> Entry<'static> {
    Entry {
        who: who.into(),
        action: action.as_str(),
        target_type: action.target_type(),
        target_id: target_id.to_string(),
        before,
        after,
    }
}

/// Declares constructors that take the record's state before and after.
macro_rules! changes {
    ($($(#[$doc:meta])* $fn:ident => $action:ident;)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $fn(who: impl Into<Who>, id: impl ToString, before: Value, after: Value) -> Entry<'static> {
            of(Action::$action, who, id, Some(before), Some(after))
        }
    )*};
}

/// Declares constructors for a record that now exists (only an "after").
macro_rules! additions {
    ($($(#[$doc:meta])* $fn:ident => $action:ident;)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $fn(who: impl Into<Who>, id: impl ToString, after: Value) -> Entry<'static> {
            of(Action::$action, who, id, None, Some(after))
        }
    )*};
}

/// Declares constructors for a record that is gone (only a "before").
macro_rules! removals {
    ($($(#[$doc:meta])* $fn:ident => $action:ident;)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $fn(who: impl Into<Who>, id: impl ToString, before: Value) -> Entry<'static> {
            of(Action::$action, who, id, Some(before), None)
        }
    )*};
}

/// Declares constructors for an event with nothing to compare.
macro_rules! events {
    ($($(#[$doc:meta])* $fn:ident => $action:ident;)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $fn(who: impl Into<Who>, id: impl ToString) -> Entry<'static> {
            of(Action::$action, who, id, None, None)
        }
    )*};
}

additions! {
    /// A post was written.
    post_added => PostAdd;
    /// A tag was made.
    tag_added => TagAdd;
    /// A file was uploaded.
    media_added => MediaAdd;
    /// A staff member wrote a comment from the admin.
    comment_added => CommentAdd;
    /// A staff member added a person (an invitation is pending).
    person_added => UserAdd;
    /// The `create_admin` task made an admin.
    person_created => UserCreate;
    /// An invitation was sent.
    person_invited => UserInvite;
    /// An API token was issued.
    api_token_created => ApiTokenCreate;
    /// The demo content task filled an empty site.
    demo_seeded => DemoSeed;
}

changes! {
    /// A post's fields or tags were edited.
    post_changed => PostChange;
    /// A scheduled post came due and was published.
    post_published_on_schedule => PostPublishScheduled;
    /// A tag was edited.
    tag_changed => TagChange;
    /// A file's description was edited.
    media_changed => MediaChange;
    /// A comment's text or name was edited (a status change is a moderation decision).
    comment_changed => CommentChange;
    /// A staff member changed a person (name, address, bio, role or status).
    person_changed => UserChange;
    /// A person changed their own name or bio.
    profile_changed => UserProfile;
    /// A person changed their own address.
    email_changed => UserEmail;
    /// A person confirmed their address.
    email_verified => UserVerifyEmail;
    /// An API token was revoked.
    api_token_revoked => ApiTokenRevoke;
}

removals! {
    /// A post was deleted.
    post_deleted => PostDelete;
    /// A tag was deleted.
    tag_deleted => TagDelete;
    /// A file was deleted.
    media_deleted => MediaDelete;
    /// A comment was deleted.
    comment_deleted => CommentDelete;
    /// A person was deleted.
    person_deleted => UserDelete;
}

events! {
    /// A staff member lifted a sign-in lock.
    person_unlocked => UserUnlock;
    /// A staff member read a message in the outbox.
    mail_viewed => MailView;
}

/// The bulk state changes of posts, each its own action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostStateChange {
    Publish,
    Archive,
    ToReview,
}

impl PostStateChange {
    #[must_use]
    pub const fn action(self) -> Action {
        match self {
            Self::Publish => Action::PostPublish,
            Self::Archive => Action::PostArchive,
            Self::ToReview => Action::PostToReview,
        }
    }
}

/// A post's state was set by a bulk action (publish, archive, send to review).
#[must_use]
pub fn post_state_set(
    who: impl Into<Who>,
    change: PostStateChange,
    id: impl ToString,
    before: Value,
    after: Value,
) -> Entry<'static> {
    of(change.action(), who, id, Some(before), Some(after))
}

/// A moderation decision on a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Approve,
    Reject,
    Spam,
}

impl Moderation {
    #[must_use]
    pub const fn action(self) -> Action {
        match self {
            Self::Approve => Action::CommentApprove,
            Self::Reject => Action::CommentReject,
            Self::Spam => Action::CommentSpam,
        }
    }
}

/// A comment was approved, rejected or marked as spam.
#[must_use]
pub fn comment_moderated(
    who: impl Into<Who>,
    decision: Moderation,
    id: impl ToString,
    before: Value,
    after: Value,
) -> Entry<'static> {
    of(decision.action(), who, id, Some(before), Some(after))
}

/// A password was set or changed, by one of the account flows (sign-up, change, reset,
/// invitation, the `create_admin` task).
#[must_use]
pub fn password_set(who: impl Into<Who>, how: Action, id: impl ToString) -> Entry<'static> {
    of(
        how,
        who,
        id,
        Some(serde_json::json!({"password": "old"})),
        Some(serde_json::json!({"password": "new"})),
    )
}
