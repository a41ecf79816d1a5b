//! Every action name Copydesk writes to the audit log, in one list: one change has one name
//! whatever the screen (the admin engine, the account pages, a task or a job).

/// Declares [`Action`], its names and the kind of record each one is about.
macro_rules! actions {
    ($($variant:ident => $name:literal on $target:literal,)*) => {
        /// One audited action.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            /// Every action, in the order the log's filter lists them.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The name stored in the log's `action` column.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// The `target_type` an entry of this action is written with.
            #[must_use]
            pub const fn target_type(self) -> &'static str {
                match self {
                    $(Self::$variant => $target,)*
                }
            }
        }

        /// Every action name the code can write.
        pub const ACTIONS: &[&str] = &[$($name,)*];
    };
}

actions! {
    // Posts: the admin screen, the API, scheduled publishing.
    PostAdd => "post.add" on "post",
    PostChange => "post.change" on "post",
    PostRevisionRestore => "post.revision_restore" on "post",
    PostDelete => "post.delete" on "post",
    PostPublish => "post.publish" on "post",
    PostArchive => "post.archive" on "post",
    // Written by the bulk "send to review" before the workflow (now `post.submit`); kept so
    // older entries still render by name.
    PostToReview => "post.to_review" on "post",
    // The workflow's transitions (besides post.publish and post.archive above).
    PostSubmit => "post.submit" on "post",
    PostRequestChanges => "post.request_changes" on "post",
    PostApprove => "post.approve" on "post",
    PostSchedule => "post.schedule" on "post",
    PostUnpublish => "post.unpublish" on "post",
    PostRestore => "post.restore" on "post",
    PostPublishScheduled => "post.publish_scheduled" on "post",
    PostUnpublishScheduled => "post.unpublish_scheduled" on "post",
    // Review stages, review comments, the editing lock, preview links.
    PostReviewTake => "post.review_take" on "post",
    PostReviewReset => "post.review_reset" on "post",
    PostReviewComment => "post.review_comment" on "post",
    PostReviewCommentResolve => "post.review_comment_resolve" on "post",
    PostLockTakeOver => "post.lock_take_over" on "post",
    PostPreviewLink => "post.preview_link" on "post",
    PostAccessibilityOverride => "post.accessibility_override" on "post",
    // Tags and media.
    TagAdd => "tag.add" on "tag",
    TagChange => "tag.change" on "tag",
    TagDelete => "tag.delete" on "tag",
    MediaAdd => "media.add" on "media",
    MediaChange => "media.change" on "media",
    MediaDelete => "media.delete" on "media",
    MediaVariants => "media.variants" on "media",
    // Comments: moderation.
    CommentAdd => "comment.add" on "comment",
    CommentChange => "comment.change" on "comment",
    CommentApprove => "comment.approve" on "comment",
    CommentReject => "comment.reject" on "comment",
    CommentSpam => "comment.spam" on "comment",
    CommentDelete => "comment.delete" on "comment",
    // People: staff changes.
    UserAdd => "user.add" on "user",
    UserChange => "user.change" on "user",
    UserDelete => "user.delete" on "user",
    UserCreate => "user.create" on "user",
    UserInvite => "user.invite" on "user",
    UserUnlock => "user.unlock" on "user",
    // People: their own account.
    UserProfile => "user.profile" on "user",
    UserEmail => "user.email" on "user",
    UserVerifyEmail => "user.verify_email" on "user",
    UserInvitationAccepted => "user.invitation_accepted" on "user",
    UserNotifications => "user.notifications" on "user",
    SignUp => "sign_up" on "user",
    SignIn => "sign_in" on "user",
    SignInFailed => "sign_in.failed" on "user",
    SignInLocked => "sign_in.locked" on "user",
    SignOut => "sign_out" on "user",
    PasswordChange => "password_change" on "user",
    PasswordChangeFailed => "password_change.failed" on "user",
    PasswordChangeLocked => "password_change.locked" on "user",
    PasswordReset => "password_reset" on "user",
    PasswordSet => "password_set" on "user",
    // API tokens.
    ApiTokenCreate => "api_token.create" on "api_token",
    ApiTokenRevoke => "api_token.revoke" on "api_token",
    // Mail: a staff member opened a message in the outbox.
    MailView => "mail.view" on "mail_outbox",
    // The admin's saved list filters.
    SavedFilterAdd => "saved_filter.add" on "saved_filter",
    SavedFilterDelete => "saved_filter.delete" on "saved_filter",
    // The Jobs screen.
    JobsRetry => "jobs.retry" on "job",
    JobsEnqueue => "jobs.enqueue" on "job",
    JobsDelete => "jobs.delete" on "job",
    JobsKill => "jobs.kill" on "job",
    JobsRetryAll => "jobs.retry_all" on "job_set",
    JobsDeleteAll => "jobs.delete_all" on "job_set",
    JobsRetryGroup => "jobs.retry_group" on "job_set",
    JobsRetryEdited => "jobs.retry_edited" on "job",
    JobsEnqueueEdited => "jobs.enqueue_edited" on "job",
    JobsProcessQuiet => "jobs.process.quiet" on "process",
    JobsProcessStop => "jobs.process.stop" on "process",
    // The demo content task.
    DemoSeed => "demo.seed" on "site",
    // The Jobs screen, continued: a whole queue cleared.
    JobsClearQueue => "jobs.clear_queue" on "queue",
    // Moderation: each action also writes its row in the mod log (models::moderation::log).
    ModClaim => "moderation.claim" on "mod_case",
    ModRelease => "moderation.release" on "mod_case",
    ModAssign => "moderation.assign" on "mod_case",
    ModKeep => "moderation.keep" on "mod_case",
    ModRemove => "moderation.remove" on "mod_case",
    ModReviewedFine => "moderation.reviewed_fine" on "mod_case",
    ModEscalate => "moderation.escalate" on "mod_case",
    ModAutoHide => "moderation.auto_hide" on "mod_case",
    ModBanRemoval => "moderation.ban_removal" on "mod_case",
    ModRestore => "moderation.restore" on "mod_case",
    ModWarn => "moderation.warn" on "sanction",
    ModSilence => "moderation.silence" on "sanction",
    ModSuspend => "moderation.suspend" on "sanction",
    ModBan => "moderation.ban" on "sanction",
    ModLift => "moderation.lift" on "sanction",
    ModExpire => "moderation.expire" on "sanction",
    ModAppeal => "moderation.appeal" on "appeal",
    ModAppealUphold => "moderation.appeal_uphold" on "appeal",
    ModAppealDeny => "moderation.appeal_deny" on "appeal",
    ModReasonAdd => "moderation.reason_add" on "mod_reason",
    ModReasonChange => "moderation.reason_change" on "mod_reason",
    ModReasonDelete => "moderation.reason_delete" on "mod_reason",
}

impl Action {
    /// The action of this name, if Copydesk writes it.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.as_str() == name)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
