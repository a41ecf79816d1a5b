//! Readers' reports of a post or a comment, from the public pages (signed in or not; staff
//! use the same form). A report is a flag with [`Source::Report`] on the target's case,
//! after the checks that keep reports useful: a reason and at most 2,000 characters, not
//! one's own content, not the same target twice while its case is open, not content
//! moderators already removed or hid, and at most `moderation.reports_per_hour` an hour.
use chrono::Duration;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde::Deserialize;
use validator::{ValidationError, ValidationErrors};

use super::{Case, MAX_TEXT, NewFlag, Reason, Source, Target, case_of, flags};
use crate::{
    models::{
        _entities::{comments, posts},
        WriteError,
        comments::{CommentStatus, RateLimit},
        now, users,
    },
    settings::Moderation,
};

/// The report form: a [`Reason`] and the reader's words (required for `other`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub text: String,
}

impl ReportForm {
    /// The reason, once the form is sound.
    ///
    /// # Errors
    /// Per-field messages (`reason`, `text`).
    pub fn validate(&self) -> Result<Reason, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let reason = Reason::parse(self.reason.trim());
        if reason.is_none() {
            errors.add(
                "reason",
                ValidationError::new("reason")
                    .with_message("Choose why you are reporting this.".into()),
            );
        }
        let text = self.text.trim();
        let n = text.chars().count();
        if let Err(e) = crate::models::input::no_nul(text) {
            errors.add("text", e);
        } else if n > MAX_TEXT {
            errors.add(
                "text",
                ValidationError::new("length")
                    .with_message(format!("Keep it under 2,000 characters (it has {n}).").into()),
            );
        } else if reason == Some(Reason::Other) && n == 0 {
            errors.add(
                "text",
                ValidationError::new("required")
                    .with_message("Say what is wrong: “Something else” needs a few words.".into()),
            );
        }
        match reason {
            Some(r) if errors.is_empty() => Ok(r),
            _ => Err(errors),
        }
    }
}

/// Why a report was not stored.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("invalid input")]
    Invalid(ValidationErrors),
    /// Too many reports from this person or address; try again after `retry_after`.
    #[error("too many reports")]
    RateLimited { max: u64, retry_after: Duration },
    #[error("one's own content")]
    OwnContent,
    #[error("already reported")]
    AlreadyReported,
    #[error("already removed by a moderator")]
    AlreadyRemoved,
    #[error("already hidden pending review")]
    AlreadyHidden,
    #[error("no such content")]
    NotFound,
    /// The flag could not be stored (a database error, mostly).
    #[error(transparent)]
    Write(WriteError),
}

impl From<DbErr> for ReportError {
    fn from(e: DbErr) -> Self {
        Self::Write(WriteError::Db(e))
    }
}

impl ReportError {
    /// A stable code, for logs and JSON.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid",
            Self::RateLimited { .. } => "rate_limited",
            Self::OwnContent => "own_content",
            Self::AlreadyReported => "already_reported",
            Self::AlreadyRemoved => "already_removed",
            Self::AlreadyHidden => "already_hidden",
            Self::NotFound => "not_found",
            Self::Write(e) => e.code(),
        }
    }

    /// What the reader is told, for the refusals that are not per-field.
    #[must_use]
    pub fn message(&self) -> Option<String> {
        Some(match self {
            Self::RateLimited { max, retry_after } => {
                let minutes = ((retry_after.num_seconds() + 59) / 60).max(1);
                format!(
                    "You have sent {max} reports in the last hour. You can report again in {minutes} minute{}; we kept your text below.",
                    if minutes == 1 { "" } else { "s" }
                )
            }
            Self::OwnContent => "You wrote this — you can edit or delete it instead.".into(),
            Self::AlreadyReported => {
                "You have already reported this; moderators will look at it.".into()
            }
            Self::AlreadyRemoved => "Moderators have already removed this.".into(),
            Self::AlreadyHidden => {
                "Moderators have already hidden this while they review it.".into()
            }
            Self::Invalid(_) | Self::NotFound | Self::Write(_) => return None,
        })
    }
}

/// Something a reader can report from the public pages, with the post it is on.
#[derive(Debug, Clone)]
pub struct Reportable {
    pub target: Target,
    pub post: posts::Model,
    /// The comment, when a comment is reported.
    pub comment: Option<comments::Model>,
}

/// A published post, by slug, to report (hidden or removed ones too: [`report`] answers
/// for those).
///
/// # Errors
/// Database errors.
pub async fn find_post<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<Reportable>, DbErr> {
    let post = posts::Entity::find()
        .filter(posts::Column::Slug.eq(slug))
        .filter(crate::models::posts::published_condition())
        .one(db)
        .await?;
    Ok(post.map(|post| Reportable {
        target: Target::Post(post.id),
        post,
        comment: None,
    }))
}

/// An approved comment on a public post readers can see (where comments are shown), to
/// report.
///
/// # Errors
/// Database errors.
pub async fn find_comment<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<Reportable>, DbErr> {
    let Some(comment) = comments::Entity::find_by_id(id)
        .filter(comments::Column::Status.eq(CommentStatus::Approved.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    // The post as readers see it: a hidden post's comments are not shown, so not reported.
    let post = posts::Entity::find_by_id(comment.post_id)
        .filter(crate::models::posts::visible_condition())
        .filter(posts::Column::Visibility.eq(crate::models::posts::Visibility::Public.as_str()))
        .one(db)
        .await?;
    Ok(post.map(|post| Reportable {
        target: Target::Comment(comment.id),
        post,
        comment: Some(comment),
    }))
}

/// Who reports: a signed-in person, or an address's keyed hash.
#[derive(Debug, Clone, Copy)]
pub struct Reporter<'a> {
    pub user: Option<&'a users::Model>,
    /// [`crate::models::comments::hash_ip`] of the address.
    pub ip_key: &'a str,
}

impl Reporter<'_> {
    /// The flags this reporter sent: by the person when signed in, else by the address.
    fn owns(&self) -> sea_orm::Condition {
        match self.user {
            Some(u) => sea_orm::Condition::all().add(flags::Column::ReporterId.eq(u.id)),
            None => sea_orm::Condition::all()
                .add(flags::Column::ReporterId.is_null())
                .add(flags::Column::ReporterKey.eq(self.ip_key)),
        }
    }
}

/// Whether `reporter` may report `target` at all (the checks that do not depend on the
/// form or the rate): the refusal, if any. The report page asks first, so that it shows
/// the sentence instead of a form that cannot succeed.
///
/// # Errors
/// Database errors.
pub async fn refusal<C: ConnectionTrait>(
    db: &C,
    target: Target,
    reporter: Reporter<'_>,
) -> Result<Option<ReportError>, DbErr> {
    let case = case_of(db, target).await?;
    if let Some(case) = &case {
        if case.removed {
            return Ok(Some(ReportError::AlreadyRemoved));
        }
        if case.hidden {
            return Ok(Some(ReportError::AlreadyHidden));
        }
    }
    if let Some(user) = reporter.user
        && target.author(db).await? == Some(user.id)
    {
        return Ok(Some(ReportError::OwnContent));
    }
    if let Some(case) = case.filter(|c| c.status == "open") {
        let earlier = flags::Entity::find()
            .filter(flags::Column::CaseId.eq(case.id))
            .filter(flags::Column::Source.eq(Source::Report.as_str()))
            .filter(flags::Column::CreatedAt.gte(case.opened_at))
            .filter(reporter.owns())
            .count(db)
            .await?;
        if earlier > 0 {
            return Ok(Some(ReportError::AlreadyReported));
        }
    }
    Ok(None)
}

/// Stores `form` as a report of `target` by `reporter`, as a flag on the target's case
/// (scored, and perhaps hiding the target, as any flag), within `limit`.
///
/// # Errors
/// [`ReportError`]: the form's field errors, a refusal from [`refusal`], the rate limit
/// (with when to try again), [`ReportError::NotFound`] when the target is gone, or a
/// database error. Nothing is stored then.
pub async fn report<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    settings: &Moderation,
    target: Target,
    form: &ReportForm,
    reporter: Reporter<'_>,
    limit: RateLimit,
) -> Result<Case, ReportError> {
    let reason = form.validate().map_err(ReportError::Invalid)?;
    if let Some(refused) = refusal(db, target, reporter).await? {
        return Err(refused);
    }
    let recent = flags::Entity::find()
        .filter(flags::Column::Source.eq(Source::Report.as_str()))
        .filter(flags::Column::CreatedAt.gt(now() - limit.window))
        .filter(reporter.owns())
        .order_by_asc(flags::Column::CreatedAt)
        .all(db)
        .await?;
    if recent.len() as u64 >= limit.max {
        let oldest = recent.first().map_or_else(now, |f| f.created_at);
        return Err(ReportError::RateLimited {
            max: limit.max,
            retry_after: limit.retry_after(oldest),
        });
    }
    let new = NewFlag {
        target,
        source: Source::Report,
        reason: reason.as_str().to_string(),
        text: form.text.trim().to_string(),
        reporter_id: reporter.user.map(|u| u.id),
        reporter_key: if reporter.user.is_some() {
            String::new()
        } else {
            reporter.ip_key.to_string()
        },
    };
    super::flag(db, settings, &new).await.map_err(|e| match e {
        WriteError::NotFound => ReportError::NotFound,
        other => ReportError::Write(other),
    })
}

/// The hour-long limit `settings` gives readers' reports.
#[must_use]
pub fn hourly_limit(settings: &Moderation) -> RateLimit {
    RateLimit {
        max: settings.reports_per_hour,
        window: Duration::hours(1),
    }
}
