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
    /// A moderator added a reason preset.
    mod_reason_added => ModReasonAdd;
}

changes! {
    /// A post's fields or tags were edited.
    post_changed => PostChange;
    /// A post was given an earlier revision's content again.
    post_revision_restored => PostRevisionRestore;
    /// A scheduled post came due and was published.
    post_published_on_schedule => PostPublishScheduled;
    /// A tag was edited.
    tag_changed => TagChange;
    /// A file's description was edited.
    media_changed => MediaChange;
    /// The resize job made an image's resized copies.
    media_variants_made => MediaVariants;
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
    /// A moderator changed a reason preset (its wording, place, or whether it is offered).
    mod_reason_changed => ModReasonChange;
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
    /// A moderator deleted a reason preset.
    mod_reason_deleted => ModReasonDelete;
}

events! {
    /// A staff member lifted a sign-in lock.
    person_unlocked => UserUnlock;
    /// A staff member read a message in the outbox.
    mail_viewed => MailView;
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

// ---------------------------------------------------------------------------------------
// Sign-in, account and Jobs-screen entries, written by the HTTP layer (`web/signin.rs`,
// the account pages, the Jobs screen). Kept together at the end of the file.

/// Which sign-in page a person used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInDoor {
    /// `/admin/login`.
    Admin,
    /// `/login`.
    Site,
}

impl SignInDoor {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Site => "site",
        }
    }
}

/// A person signed in at `door`.
#[must_use]
pub fn signed_in(who: impl Into<Who>, id: impl ToString, door: SignInDoor) -> Entry<'static> {
    of(
        Action::SignIn,
        who,
        id,
        None,
        Some(serde_json::json!({"door": door.as_str()})),
    )
}

/// Somebody, known only by the address they typed, failed to sign in.
#[must_use]
pub fn sign_in_failed(tried: &str) -> Entry<'static> {
    of(Action::SignInFailed, tried_by(tried), "", None, None)
}

/// A sign-in was refused unchecked: too many failures for the address or the IP.
#[must_use]
pub fn sign_in_locked(tried: &str) -> Entry<'static> {
    of(Action::SignInLocked, tried_by(tried), "", None, None)
}

fn tried_by(tried: &str) -> Who {
    Who::anonymous(format!("anonymous (tried {tried})"))
}

/// A person signed out; the entry is about them.
#[must_use]
pub fn signed_out(who: Who) -> Entry<'static> {
    let id = who.id.map(|i| i.to_string()).unwrap_or_default();
    of(Action::SignOut, who, id, None, None)
}

events! {
    /// A wrong guess of the current password when changing it.
    password_change_failed => PasswordChangeFailed;
    /// A password change refused unchecked: too many wrong guesses.
    password_change_locked => PasswordChangeLocked;
}

/// What the Jobs screen did to one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobAction {
    Retry,
    Enqueue,
    Delete,
    Kill,
}

impl JobAction {
    #[must_use]
    pub const fn action(self) -> Action {
        match self {
            Self::Retry => Action::JobsRetry,
            Self::Enqueue => Action::JobsEnqueue,
            Self::Delete => Action::JobsDelete,
            Self::Kill => Action::JobsKill,
        }
    }
}

/// One job (`jid`) was retried, enqueued, deleted or killed; `after` says from where.
#[must_use]
pub fn job_acted(
    who: impl Into<Who>,
    what: JobAction,
    jid: impl ToString,
    after: Value,
) -> Entry<'static> {
    of(what.action(), who, jid, None, Some(after))
}

/// What the Jobs screen did to a whole set (retry, dead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobSetAction {
    RetryAll,
    DeleteAll,
}

impl JobSetAction {
    #[must_use]
    pub const fn action(self) -> Action {
        match self {
            Self::RetryAll => Action::JobsRetryAll,
            Self::DeleteAll => Action::JobsDeleteAll,
        }
    }
}

/// Every job of a set was retried or deleted; `after` holds the count.
#[must_use]
pub fn job_set_acted(
    who: impl Into<Who>,
    what: JobSetAction,
    set: impl ToString,
    after: Value,
) -> Entry<'static> {
    of(what.action(), who, set, None, Some(after))
}

/// A signal the Jobs screen sent to a worker process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessSignal {
    Quiet,
    Stop,
}

impl ProcessSignal {
    #[must_use]
    pub const fn action(self) -> Action {
        match self {
            Self::Quiet => Action::JobsProcessQuiet,
            Self::Stop => Action::JobsProcessStop,
        }
    }
}

/// A worker process (`identity`) was told to go quiet or to stop.
#[must_use]
pub fn process_signalled(
    who: impl Into<Who>,
    signal: ProcessSignal,
    identity: impl ToString,
) -> Entry<'static> {
    of(
        signal.action(),
        who,
        identity,
        None,
        Some(serde_json::json!({})),
    )
}

additions! {
    /// Every job of a set failed with one error was retried (`after`: the error and count).
    job_group_retried => JobsRetryGroup;
    /// A copy of a job with edited arguments was queued (`after`: its origin and arguments).
    job_enqueued_edited => JobsEnqueueEdited;
    /// Every waiting job of a queue was cleared (`after`: the count).
    queue_cleared => JobsClearQueue;
}

changes! {
    /// A job was retried with edited arguments (`before`/`after`: the arguments).
    job_retried_edited => JobsRetryEdited;
}
