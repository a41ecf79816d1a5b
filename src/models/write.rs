//! What every staff write shares: why it was refused, and what a bulk change did.
//!
//! Each domain operation (add, change or delete a post, moderate a comment, change a
//! person, …) is one function in its model's module. It takes the plain [`crate::actor::Actor`]
//! and a typed form, runs the named permission checks, does its work in one transaction and
//! writes its named audit entry in that transaction. Screens, the API, tasks and jobs call it;
//! nothing else writes those rows.
use sea_orm::DbErr;

use crate::auth::AuthError;

/// Why a write was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Per-field messages from the form's `validator` rules.
    #[error("invalid input")]
    Invalid(#[from] validator::ValidationErrors),
    /// A named rule refused one field (`__all__`: the whole form), with a sentence for the
    /// person saying what they may do instead.
    #[error("{message}")]
    Field {
        field: &'static str,
        message: String,
    },
    /// The actor may not do this at all.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Somebody else saved the record since this form was loaded.
    #[error("the record was changed by someone else (now at version {current})")]
    Stale { current: i32 },
    #[error("no such record")]
    NotFound,
    /// A message the change sends could not be prepared (its template failed to render).
    #[error("the message could not be prepared: {0}")]
    Mail(loco_rs::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<super::users::InviteError> for WriteError {
    fn from(e: super::users::InviteError) -> Self {
        use super::users::InviteError;
        match e {
            InviteError::Auth(e) => Self::Auth(e),
            InviteError::AlreadyActive(name) => Self::field(
                "__all__",
                format!("{name} has set a password already: they sign in as usual."),
            ),
            InviteError::Mail(e) => Self::Mail(e),
            InviteError::Db(e) => Self::Db(e),
        }
    }
}

impl WriteError {
    /// A refusal of one field.
    #[must_use]
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::Field {
            field,
            message: message.into(),
        }
    }

    /// A stable code for JSON responses.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) | Self::Field { .. } => "invalid",
            Self::Auth(e) => e.code(),
            Self::Stale { .. } => "conflict",
            Self::NotFound => "not_found",
            Self::Mail(_) | Self::Db(_) => "internal",
        }
    }
}

/// What a change over several records did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub done: u64,
    /// Records the actor may not act on, or that a rule kept as they were; left alone.
    pub skipped: u64,
}

/// Keeps only the messages about fields the write changes: a rule tightened since a record
/// was stored must not block a change to its other fields by someone who cannot edit those.
#[must_use]
pub fn only_changed(
    mut errors: validator::ValidationErrors,
    changed: &[&str],
) -> Option<validator::ValidationErrors> {
    errors
        .errors_mut()
        .retain(|field, _| changed.contains(&field.as_ref()));
    (!errors.is_empty()).then_some(errors)
}

/// Row `id` of `E`, read on `db` (the write's transaction), or [`WriteError::NotFound`].
///
/// # Errors
/// [`WriteError::NotFound`], or a database error.
pub async fn found<E, C>(db: &C, id: i32) -> Result<E::Model, WriteError>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i32>,
{
    E::find_by_id(id).one(db).await?.ok_or(WriteError::NotFound)
}

/// Deletes row `id` of `E` once `allowed` passes on it, with the audit entry `entry` makes
/// of it, in one transaction.
///
/// # Errors
/// What `allowed` refuses with, [`WriteError::NotFound`], or a database error.
pub async fn delete_audited<E, C>(
    db: &C,
    meta: &crate::actor::RequestMeta,
    id: i32,
    allowed: impl FnOnce(&E::Model) -> Result<(), WriteError> + Send,
    entry: impl FnOnce(&E::Model) -> super::audit::Entry<'static> + Send,
) -> Result<(), WriteError>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::TransactionTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i32>,
{
    use sea_orm::TransactionSession;
    let txn = crate::db::begin_write(db).await?;
    let current = found::<E, _>(&txn, id).await?;
    allowed(&current)?;
    E::delete_by_id(id).exec(&txn).await?;
    super::audit::record(&txn, meta, entry(&current)).await?;
    txn.commit().await?;
    Ok(())
}
