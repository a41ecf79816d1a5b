//! What staff do to people: add someone (who then gets an invitation), change their name,
//! address, bio, role or status, and delete them. Each takes the actor, runs the named
//! checks — rank, who may give which role, the last active admin, one account per address —
//! and writes its audit entry in the change's transaction.
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionSession,
    TransactionTrait,
};
use serde::Deserialize;
use serde_json::{Value, json};
use validator::Validate;

use super::{
    WriteError, api_tokens, audit, mail, sessions, slug,
    users::{ActiveModel, Column, Entity, Model, Role, UserStatus, active_admins},
    write::only_changed,
};
use crate::{
    actor::{Actor, RequestMeta},
    auth::{AuthError, Capability, permissions},
};

fn validate_role(role: &str) -> Result<(), validator::ValidationError> {
    Role::parse(role).map(|_| ()).ok_or_else(|| {
        validator::ValidationError::new("role")
            .with_message("Choose one of the listed roles.".into())
    })
}

fn validate_status(status: &str) -> Result<(), validator::ValidationError> {
    UserStatus::parse(status).map(|_| ()).ok_or_else(|| {
        validator::ValidationError::new("status")
            .with_message("Choose one of the listed statuses.".into())
    })
}

fn validate_display_name(name: &str) -> Result<(), validator::ValidationError> {
    let n = name.trim().chars().count();
    if n == 0 || n > 80 {
        return Err(validator::ValidationError::new("length")
            .with_message("Enter a name of 1 to 80 characters.".into()));
    }
    super::input::no_nul(name)
}

/// What staff fill in to add or change a person: the same rules as the account forms.
#[derive(Debug, Clone, Default, Deserialize, Validate)]
pub struct PersonForm {
    #[validate(custom(function = "validate_display_name"))]
    pub display_name: String,
    #[validate(
        email(message = "Enter an email address such as name@example.com."),
        length(max = 254, message = "An email address has at most 254 characters.")
    )]
    pub email: String,
    #[validate(
        length(max = 2000, message = "Keep the bio under 2,000 characters."),
        custom(function = "super::input::no_nul")
    )]
    #[serde(default)]
    pub bio: String,
    #[validate(custom(function = "validate_role"))]
    pub role: String,
    #[validate(custom(function = "validate_status"))]
    pub status: String,
}

impl PersonForm {
    /// The fields this form changes on `current`.
    #[must_use]
    pub fn changed(&self, current: &Model) -> Vec<&'static str> {
        [
            (
                "display_name",
                self.display_name.trim() != current.display_name,
            ),
            ("email", self.email.trim() != current.email),
            ("bio", self.bio.trim() != current.bio.trim()),
            ("role", self.role != current.role),
            ("status", self.status != current.status),
        ]
        .into_iter()
        .filter_map(|(f, differs)| differs.then_some(f))
        .collect()
    }

    /// The form's own rules — on every field when adding, on the fields it changes when
    /// changing `current` (a rule tightened since must not block an unrelated change). The
    /// rules that need the database (one account per address, the last admin) run when
    /// saving.
    ///
    /// # Errors
    /// The messages by field.
    pub fn check(&self, current: Option<&Model>) -> Result<(), validator::ValidationErrors> {
        match (self.validate(), current) {
            (Ok(()), _) => Ok(()),
            (Err(e), None) => Err(e),
            (Err(e), Some(c)) => only_changed(e, &self.changed(c)).map_or(Ok(()), Err),
        }
    }
}

/// A person as the audit log shows them (no secrets).
fn audit_view(u: &Model) -> Value {
    json!({
        "email": u.email, "display_name": u.display_name, "bio": u.bio,
        "role": u.role, "status": u.status,
    })
}

/// A refusal of a role, in words for the person giving it.
fn role_refusal(e: AuthError) -> WriteError {
    match e {
        AuthError::RoleBeyondOwn(cap) => WriteError::field(
            "role",
            format!("You may not give a role that can do what you cannot ({cap})."),
        ),
        _ => WriteError::field(
            "role",
            "You may not act on someone of higher rank, nor give a role above your own.",
        ),
    }
}

/// Nobody else's account may use the address, in any letter case.
async fn check_address<C: ConnectionTrait>(
    db: &C,
    email: &str,
    except: Option<i32>,
) -> Result<(), WriteError> {
    match Model::find_by_email(db, email).await? {
        Some(other) if Some(other.id) != except => Err(WriteError::field(
            "email",
            "Another account uses this address.",
        )),
        _ => Ok(()),
    }
}

/// A person just added, and the invitation that went into the outbox with them.
#[derive(Debug)]
pub struct Added {
    pub person: Model,
    /// Queued in the same transaction; hand it to [`mail::dispatch`] (the outbox sweep does
    /// if that fails).
    pub invitation: mail::Model,
}

/// Adds a person for `by` (`users.add`), with no password: they choose one through the
/// invitation kept in the outbox in the same transaction. `by` may give only a role they
/// could hold themself ([`permissions::check_role_change`]). Audited as `user.add` and
/// `user.invite`.
///
/// # Errors
/// [`WriteError::Invalid`], [`WriteError::Field`], [`WriteError::Auth`],
/// [`WriteError::Mail`], or a database error.
pub async fn add<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    settings: &crate::settings::Settings,
    form: &PersonForm,
) -> Result<Added, WriteError> {
    by.require(Capability::USERS_ADD)?;
    form.check(None)?;
    let role = Role::parse(&form.role).unwrap_or(Role::Member);
    permissions::check_role_change(by.role(), Role::Member, Some(role)).map_err(role_refusal)?;
    let email = form.email.trim();
    let txn = crate::db::begin_write(db).await?;
    check_address(&txn, email, None).await?;
    let base = slug::slugify(&form.display_name, "person");
    let slug = slug::unique_slug::<Entity, _>(&txn, Column::Slug, Column::Id, &base, None).await?;
    let person = ActiveModel {
        email: Set(email.to_string()),
        display_name: Set(form.display_name.trim().to_string()),
        slug: Set(slug),
        bio: Set(form.bio.trim().to_string()),
        role: Set(role.as_str().to_string()),
        status: Set(form.status.clone()),
        password_hash: Set(None),
        time_zone: Set(String::new()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        audit::person_added(by, person.id, audit_view(&person)),
    )
    .await?;
    let invitation = person.store_invitation(&txn, settings, by, meta).await?;
    txn.commit().await?;
    Ok(Added { person, invitation })
}

/// Changes person `id` for `by`. Name, address and bio need `users.change`; role and status
/// need `manage_users` (moderators suspend spammers, nothing else); nobody acts on someone of
/// higher rank, gives a role beyond their own, or leaves Copydesk without an active admin.
/// A new address is unconfirmed and takes over mail that has not gone out; a new role or
/// status signs the person out everywhere and revokes their API tokens. Audited as
/// `user.change`.
///
/// # Errors
/// [`WriteError::Invalid`], [`WriteError::Field`], [`WriteError::Auth`],
/// [`WriteError::NotFound`], or a database error.
pub async fn update<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
    form: &PersonForm,
) -> Result<Model, WriteError> {
    let txn = crate::db::begin_write(db).await?;
    let current = crate::models::write::found::<Entity, _>(&txn, id).await?;
    if permissions::check_rank(by.role(), current.role(), None).is_err() {
        return Err(WriteError::field(
            "__all__",
            "You may not change someone of higher rank.",
        ));
    }
    let email = form.email.trim();
    let changed = form.changed(&current);
    let details = changed
        .iter()
        .any(|f| matches!(*f, "display_name" | "email" | "bio"));
    let access = changed.contains(&"role") || changed.contains(&"status");
    if details {
        by.require(Capability::USERS_CHANGE)?;
    }
    if access {
        by.require(Capability::MANAGE_USERS)?;
    }
    if !details && !access && by.grant(Capability::USERS_CHANGE).is_none() {
        by.require(Capability::MANAGE_USERS)?;
    }
    form.check(Some(&current))?;
    let role = Role::parse(&form.role).unwrap_or(current.role());
    permissions::check_role_change(by.role(), current.role(), Some(role)).map_err(role_refusal)?;
    let was = current.role() == Role::Admin && current.status == UserStatus::Active.as_str();
    let stays = role == Role::Admin && form.status == UserStatus::Active.as_str();
    if was && !stays && active_admins(&txn).await? <= 1 {
        return Err(WriteError::field(
            "role",
            "Copydesk needs at least one active admin.",
        ));
    }
    if email != current.email {
        check_address(&txn, email, Some(id)).await?;
    }
    let mut row: ActiveModel = current.clone().into();
    row.display_name = Set(form.display_name.trim().to_string());
    row.email = Set(email.to_string());
    row.bio = Set(form.bio.trim().to_string());
    row.role = Set(role.as_str().to_string());
    row.status = Set(form.status.clone());
    if email != current.email {
        row.email_verified_at = Set(None);
    }
    let saved = row.update(&txn).await?;
    if saved.email != current.email {
        mail::readdress(&txn, &current.email, &saved.email).await?;
    }
    if saved.role != current.role || saved.status != current.status {
        sessions::end_all_for_user(&txn, id, None).await?;
        api_tokens::revoke_all_for_user(&txn, id).await?;
    }
    audit::record(
        &txn,
        meta,
        audit::person_changed(by, id, audit_view(&current), audit_view(&saved)),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes person `id` for `by` (`users.delete`), within rank and never the last active
/// admin. Their sessions and tokens go with them; posts they wrote block it (the schema
/// refuses). Audited as `user.delete`.
///
/// # Errors
/// [`WriteError::Field`], [`WriteError::Auth`], [`WriteError::NotFound`], or a database
/// error.
pub async fn delete<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
) -> Result<(), WriteError> {
    by.require(Capability::USERS_DELETE)?;
    let txn = crate::db::begin_write(db).await?;
    let current = crate::models::write::found::<Entity, _>(&txn, id).await?;
    if permissions::check_rank(by.role(), current.role(), None).is_err() {
        return Err(WriteError::field(
            "__all__",
            "You may not delete someone of higher rank.",
        ));
    }
    if current.role() == Role::Admin
        && current.status == UserStatus::Active.as_str()
        && active_admins(&txn).await? <= 1
    {
        return Err(WriteError::field(
            "__all__",
            "Copydesk needs at least one active admin.",
        ));
    }
    Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        meta,
        audit::person_deleted(by, id, audit_view(&current)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
