//! Reader comments. A reader's comment passes the moderation rules
//! ([`super::moderation::rules`]): one that hits a `hold` rule (a guest's, a newcomer's, a
//! blocked word, repeated text) starts `pending` for a moderator; any other is `approved` at
//! once, its `flag` hits still on its case. Moderators approve, reject or mark spam.
use chrono::Duration;
use chrono::{DateTime, FixedOffset};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use validator::Validate;

pub use super::_entities::comments::{ActiveModel, Column, Entity, Model};
use super::now;
use crate::markdown;

mod staff;
pub(crate) use staff::set_status_in;
pub use staff::{CommentEdit, create, delete, moderate, update};

string_enum! {
    pub enum CommentStatus {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        Spam => "spam",
    }
}

/// The public comment form. `website` is a honeypot: people never see it, bots fill it in.
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate)]
pub struct CommentForm {
    #[serde(default)]
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    #[serde(default)]
    #[validate(custom(function = "validate_body"))]
    pub body: String,
    #[serde(default)]
    pub website: String,
}

pub(crate) fn validate_name(name: &str) -> Result<(), validator::ValidationError> {
    super::input::no_nul(name)?;
    let n = name.trim().chars().count();
    if n == 0 {
        return Err(
            validator::ValidationError::new("required").with_message("Enter your name.".into())
        );
    }
    if n > 80 {
        return Err(validator::ValidationError::new("length")
            .with_message("Keep your name under 80 characters.".into()));
    }
    Ok(())
}

pub(crate) fn validate_body(body: &str) -> Result<(), validator::ValidationError> {
    super::input::no_nul(body)?;
    let n = body.trim().chars().count();
    if n == 0 {
        return Err(
            validator::ValidationError::new("required").with_message("Write a comment.".into())
        );
    }
    if n < 2 {
        return Err(validator::ValidationError::new("length")
            .with_message("A comment needs at least 2 characters.".into()));
    }
    if n > 5000 {
        return Err(validator::ValidationError::new("length").with_message(
            format!("Keep your comment under 5,000 characters (it has {n}).").into(),
        ));
    }
    Ok(())
}

impl CommentForm {
    /// Whether the honeypot was filled in, which only bots do.
    #[must_use]
    pub fn is_bot(&self) -> bool {
        !self.website.trim().is_empty()
    }
}

/// Limits on how fast one address may comment (or one reader report).
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub max: u64,
    pub window: Duration,
}

impl RateLimit {
    /// How long until the oldest of the writes counted in the window (made at `oldest`)
    /// leaves it: at least a second.
    #[must_use]
    pub fn retry_after(&self, oldest: DateTime<FixedOffset>) -> Duration {
        (oldest + self.window - now()).max(Duration::seconds(1))
    }
}

/// What became of a submitted comment.
#[derive(Debug)]
pub enum Submitted {
    /// Stored: `pending` when a rule holds it, else `approved`.
    Stored(Model),
    /// The honeypot was filled: nothing stored, and the sender is told the same as a person.
    Discarded,
}

#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    #[error("invalid input")]
    Invalid(#[from] validator::ValidationErrors),
    /// Too many comments from one address; try again after `retry_after`.
    #[error("too many comments from this address")]
    RateLimited { retry_after: Duration },
    /// The member is silenced (or suspended, or banned) until then (`None`: until a
    /// moderator lifts it); nothing was stored.
    #[error("silenced")]
    Silenced {
        until: Option<DateTime<FixedOffset>>,
    },
    /// A rule's flag was refused (nothing was stored).
    #[error(transparent)]
    Flag(super::WriteError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<super::WriteError> for CommentError {
    fn from(e: super::WriteError) -> Self {
        match e {
            super::WriteError::Db(e) => Self::Db(e),
            other => Self::Flag(other),
        }
    }
}

/// Hashes an IP address with a secret salt, so abuse can be traced and rate-limited without
/// storing the address itself.
#[must_use]
pub fn hash_ip(salt: &str, ip: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0u8]);
    h.update(ip.as_bytes());
    hex::encode(h.finalize())
}

impl Model {
    /// Stores a comment on `post_id` by a signed-in `author` or a guest, after validation,
    /// the honeypot, the author's sanctions and the per-address rate limit. The moderation
    /// rules run on it: each hit is a rule flag on its case, in the same transaction as the
    /// comment; a `hold` hit stores it `pending`, otherwise it is `approved` at once.
    ///
    /// # Errors
    /// [`CommentError::Invalid`] with per-field messages, [`CommentError::Silenced`],
    /// [`CommentError::RateLimited`], or a database error; nothing is stored then.
    pub async fn submit_comment<C: TransactionTrait>(
        db: &C,
        settings: &crate::settings::Moderation,
        post_id: i32,
        form: &CommentForm,
        author: Option<&super::users::Model>,
        ip_hash: &str,
        limit: RateLimit,
    ) -> Result<Submitted, CommentError> {
        use super::moderation::{self, NewFlag, Source, Target, rules, sanctions};
        if form.is_bot() {
            return Ok(Submitted::Discarded);
        }
        form.validate()?;
        let txn = crate::db::begin_write(db).await?;
        if let Some(a) = author
            && let Some(until) = sanctions::silenced_until(&txn, a.id).await?
        {
            return Err(CommentError::Silenced { until });
        }
        let since = now() - limit.window;
        let recent = Entity::find()
            .filter(Column::IpHash.eq(ip_hash))
            .filter(Column::CreatedAt.gt(since))
            .order_by_asc(Column::CreatedAt)
            .all(&txn)
            .await?;
        if recent.len() as u64 >= limit.max {
            let oldest = recent.first().map_or_else(now, |c| c.created_at);
            let retry_after = limit.retry_after(oldest);
            return Err(CommentError::RateLimited { retry_after });
        }
        let sender = rules::Sender {
            author,
            ip_key: ip_hash,
        };
        let hits = rules::check(&txn, &settings.rules, &form.body, sender).await?;
        let status = if rules::holds(&hits) {
            CommentStatus::Pending
        } else {
            CommentStatus::Approved
        };
        let comment = ActiveModel {
            post_id: Set(post_id),
            author_id: Set(author.map(|a| a.id)),
            guest_name: Set(author.is_none().then(|| form.name.trim().to_string())),
            body: Set(form.body.trim().to_string()),
            status: Set(status.as_str().to_string()),
            ip_hash: Set(ip_hash.to_string()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for hit in hits {
            let flag = NewFlag {
                target: Target::Comment(comment.id),
                source: Source::Rule,
                reason: hit.rule.to_string(),
                text: hit.text,
                reporter_id: None,
                reporter_key: String::new(),
            };
            moderation::flag(&txn, settings, &flag).await?;
        }
        txn.commit().await?;
        Ok(Submitted::Stored(comment))
    }

    /// Approved comments under a post that moderation does not hide, oldest first.
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn approved_for_post<C: ConnectionTrait>(
        db: &C,
        post_id: i32,
    ) -> Result<Vec<Self>, DbErr> {
        Entity::find()
            .filter(Column::PostId.eq(post_id))
            .filter(Column::Status.eq(CommentStatus::Approved.as_str()))
            .filter(super::moderation::visible::comment_shown())
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .all(db)
            .await
    }

    /// # Errors
    /// When the database cannot be queried.
    pub async fn count_with_status<C: ConnectionTrait>(
        db: &C,
        status: CommentStatus,
    ) -> Result<u64, DbErr> {
        Entity::find()
            .filter(Column::Status.eq(status.as_str()))
            .count(db)
            .await
    }
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// Keeps the stored HTML in step with the text, and checks the status.
    async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        super::stamp(insert, &mut self.created_at, &mut self.updated_at);
        if let sea_orm::ActiveValue::Set(body) = &self.body {
            self.body_html = Set(markdown::render_comment(body));
        }
        if let sea_orm::ActiveValue::Set(status) = &self.status
            && CommentStatus::parse(status).is_none()
        {
            return Err(DbErr::Custom(format!("unknown comment status `{status}`")));
        }
        Ok(self)
    }
}
