//! Every model Copydesk has, registered with the admin engine. Each registration says how
//! its model looks in the admin (the options) and hands every write to the model's own
//! functions (`save_model`, `delete_model`, `bulk_action`), so the admin writes exactly as
//! the API and the tasks do: one write path per operation.
use copydesk_admin::{
    AdminSite, AdminUser, FieldErrors, Grant, ModelAdmin, Options, Registered, SaveError,
};
use sea_orm::{ActiveValue, DbErr};

use super::{Staff, staff};
use crate::{models::WriteError, views::forms::field_errors};

mod audit;
mod comments;
mod media;
mod media_panels;
mod people;
mod post_panels;
mod posts;
mod reasons;
mod tags;

pub fn register(site: &mut AdminSite) {
    site.register(Registered::new(posts::PostsAdmin(posts::options())));
    site.register(Registered::new(tags::TagsAdmin(tags::options())));
    site.register(Registered::new(media::MediaAdmin(media::options())));
    site.register(Registered::new(
        comments::CommentsAdmin(comments::options()),
    ));
    site.register(Registered::new(reasons::ReasonsAdmin(reasons::options())));
    site.register(Registered::new(people::UsersAdmin(people::options())));
    site.register(Registered::new(Plain(audit::options())));
}

/// A registration with no hooks beyond its options (the read-only audit log).
struct Plain<E: copydesk_admin::AdminEntity>(Options<E>);

impl<E: copydesk_admin::AdminEntity> ModelAdmin<E> for Plain<E>
where
    E::Model: 'static,
{
    fn options(&self) -> &Options<E> {
        &self.0
    }
}

/// The staff member behind a write. Every engine call comes from the admin's one handler,
/// which always passes one; anything else is refused rather than written anonymously.
fn writer(user: &dyn AdminUser) -> Result<&Staff, SaveError> {
    staff(user).ok_or_else(|| {
        SaveError::Db(DbErr::Custom(
            "admin write without a signed-in person".into(),
        ))
    })
}

/// A model function's refusal, as the engine shows it: messages next to the fields, the
/// conflict page for a stale save, a database error as itself.
fn refusal(e: WriteError) -> SaveError {
    let one = |field: &str, message: String| {
        SaveError::Fields(FieldErrors::from([(field.to_string(), message)]))
    };
    match e {
        WriteError::Invalid(errors) => SaveError::Fields(field_errors(&errors)),
        WriteError::Field { field, message } => one(field, message),
        WriteError::Auth(e) => one("__all__", format!("Nothing was saved: {e}.")),
        WriteError::Stale { .. } => SaveError::Conflict,
        WriteError::NotFound => one(
            "__all__",
            "Nothing was saved: somebody deleted it meanwhile.".to_string(),
        ),
        WriteError::Mail(e) => one("__all__", format!("Nothing was saved: {e}.")),
        WriteError::Db(e) => SaveError::Db(e),
    }
}

/// The value a form field carries: what was typed, else what was stored.
fn value<T: Clone + Into<sea_orm::Value>>(v: &ActiveValue<T>) -> Option<T> {
    v.try_as_ref().cloned()
}

/// The selected ids as the models number them (an id beyond their range names no row).
fn ids32(ids: &[i64]) -> Vec<i32> {
    ids.iter().filter_map(|i| i32::try_from(*i).ok()).collect()
}

/// Whether `user` holds `permission` only over their own records.
fn only_own(user: &dyn AdminUser, permission: &str) -> bool {
    user.grant(permission) == Some(Grant::Own)
}

/// Runs a model function as the staff member behind the engine's call, with its refusal as
/// the engine shows it.
async fn as_staff<'a, T, Fut>(
    user: &'a dyn AdminUser,
    write: impl FnOnce(&'a Staff) -> Fut,
) -> Result<T, SaveError>
where
    Fut: std::future::Future<Output = Result<T, WriteError>>,
{
    let s = writer(user)?;
    write(s).await.map_err(refusal)
}

/// What a model's change over several records did, in the engine's terms.
const fn outcome(t: crate::models::Tally) -> copydesk_admin::BulkOutcome {
    copydesk_admin::BulkOutcome {
        done: t.done,
        skipped: t.skipped,
    }
}
