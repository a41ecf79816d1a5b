//! People: staff who write and moderate, and readers who comment.
use sea_orm::{
    ActiveModelBehavior,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Func},
};
use serde::Deserialize;
use validator::Validate;

pub use super::_entities::users::{ActiveModel, Column, Entity, Model};
use super::slug;

pub use crate::auth::roles::{Role, UserStatus};

/// What a person fills in to create or change an account.
#[derive(Debug, Clone, Default, Deserialize, Validate)]
pub struct UserForm {
    #[validate(email(message = "Enter an email address like name@example.com."))]
    #[validate(length(max = 254, message = "An email address has at most 254 characters."))]
    pub email: String,
    #[validate(length(min = 1, max = 80, message = "Enter a name of 1 to 80 characters."))]
    pub display_name: String,
    #[validate(length(max = 2000, message = "Keep the bio under 2,000 characters."))]
    pub bio: String,
    /// One of [`Role`]'s names; checked in [`Model::create_user`].
    pub role: String,
}

/// Why a user could not be saved, per field.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("invalid input")]
    Invalid(#[from] validator::ValidationErrors),
    #[error("an account with this email address exists already")]
    EmailTaken,
    #[error("unknown role `{0}`")]
    UnknownRole(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl Model {
    /// Creates an account with a unique slug made from the display name.
    ///
    /// # Errors
    /// [`UserError::Invalid`] for bad fields, [`UserError::EmailTaken`] when the address is in
    /// use in any letter case, [`UserError::UnknownRole`], or a database error.
    pub async fn create_user<C: ConnectionTrait>(
        db: &C,
        form: &UserForm,
    ) -> Result<Self, UserError> {
        form.validate()?;
        let role =
            Role::parse(&form.role).ok_or_else(|| UserError::UnknownRole(form.role.clone()))?;
        let email = form.email.trim();
        if Self::find_by_email(db, email).await?.is_some() {
            return Err(UserError::EmailTaken);
        }
        let base = slug::slugify(&form.display_name, "user");
        let slug =
            slug::unique_slug::<Entity, _>(db, Column::Slug, Column::Id, &base, None).await?;
        let user = ActiveModel {
            email: Set(email.to_string()),
            display_name: Set(form.display_name.trim().to_string()),
            slug: Set(slug),
            bio: Set(form.bio.trim().to_string()),
            role: Set(role.as_str().to_string()),
            status: Set(UserStatus::Active.as_str().to_string()),
            // Set, not left to the column's default: SQLite can return NULL for a
            // default added by ALTER TABLE in an INSERT … RETURNING.
            time_zone: Set(String::new()),
            ..Default::default()
        };
        Ok(sea_orm::ActiveModelTrait::insert(user, db).await?)
    }

    /// Finds an account by email address, in any letter case.
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn find_by_email<C: ConnectionTrait>(
        db: &C,
        email: &str,
    ) -> Result<Option<Self>, DbErr> {
        Entity::find()
            .filter(
                Expr::expr(Func::lower(Expr::col(Column::Email))).eq(email.trim().to_lowercase()),
            )
            .one(db)
            .await
    }

    /// Finds an account by its public slug.
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn find_by_slug<C: ConnectionTrait>(
        db: &C,
        slug: &str,
    ) -> Result<Option<Self>, DbErr> {
        Entity::find().filter(Column::Slug.eq(slug)).one(db).await
    }

    #[must_use]
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Member)
    }
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        super::stamp(insert, &mut self.created_at, &mut self.updated_at);
        Ok(self)
    }
}

/// Why a change to someone's account was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
    #[error("{0}")]
    WeakPassword(String),
    #[error("the current password is not right")]
    WrongPassword,
    #[error("unknown role or status `{0}`")]
    Unknown(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A password change: the current password (`None` for resets by mailed token and admin
/// tasks), the new one, the session to keep (the one making the change), and the audit
/// action to record.
#[derive(Debug, Clone, Copy)]
pub struct PasswordChange<'a> {
    pub current: Option<&'a str>,
    pub new_password: &'a str,
    pub keep_session: Option<i32>,
    /// What the log calls this change: a reset, an invitation accepted, a sign-up, …
    pub action: super::audit::Action,
}

/// A person as the audit log shows them (no secrets).
fn audit_view(u: &Model) -> serde_json::Value {
    serde_json::json!({
        "email": u.email, "display_name": u.display_name, "bio": u.bio,
        "role": u.role, "status": u.status, "time_zone": u.time_zone,
    })
}

/// The display names of the people `ids`, in one query (none for an empty list): how a list
/// of posts, comments, revisions or tokens names whose each one is.
///
/// # Errors
/// Database errors.
pub async fn display_names<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = i32>,
) -> Result<std::collections::HashMap<i32, String>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    let mut ids: Vec<i32> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(i32, String)> = Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::DisplayName)
        .filter(Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn active_admins<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    Entity::find()
        .filter(Column::Role.eq(Role::Admin.as_str()))
        .filter(Column::Status.eq(UserStatus::Active.as_str()))
        .count(db)
        .await
}

impl Model {
    /// Sets a new password (hashed with argon2id) and ends every other session of the user.
    /// `current` must match unless `None` (resets by mailed token, admin tasks).
    ///
    /// # Errors
    /// [`AccountError::WeakPassword`], [`AccountError::WrongPassword`], database errors.
    pub async fn change_password<C: sea_orm::TransactionTrait>(
        &self,
        db: &C,
        cfg: &crate::settings::Security,
        meta: &crate::auth::RequestMeta,
        change: PasswordChange<'_>,
    ) -> Result<Self, AccountError> {
        let PasswordChange {
            current,
            new_password,
            keep_session,
            action,
        } = change;
        use sea_orm::{ActiveModelTrait, TransactionSession};
        if let Some(current) = current
            && !crate::auth::passwords::verify_password(cfg, self.password_hash.as_deref(), current)
        {
            return Err(AccountError::WrongPassword);
        }
        if let Some(why) = crate::auth::passwords::weakness(new_password, &self.email) {
            return Err(AccountError::WeakPassword(why));
        }
        let hash = crate::auth::passwords::hash_password(cfg, new_password)
            .map_err(|e| DbErr::Custom(format!("password hashing failed: {e}")))?;
        let txn = crate::db::begin_write(db).await?;
        let mut active: ActiveModel = self.clone().into();
        active.password_hash = Set(Some(hash));
        active.password_changed_at = Set(Some(super::now()));
        let saved = active.update(&txn).await?;
        super::sessions::end_all_for_user(&txn, self.id, keep_session).await?;
        super::audit::record(
            &txn,
            meta,
            super::audit::of(
                action,
                super::audit::Who::user(self),
                self.id,
                Some(serde_json::json!({"password": "old"})),
                Some(serde_json::json!({"password": "new"})),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(saved)
    }

    /// Changes one's own display name and bio.
    ///
    /// # Errors
    /// Validation and database errors.
    pub async fn update_profile<C: sea_orm::TransactionTrait>(
        &self,
        db: &C,
        meta: &crate::auth::RequestMeta,
        form: &ProfileForm,
    ) -> Result<Self, ProfileError> {
        use sea_orm::{ActiveModelTrait, TransactionSession};
        form.validate()?;
        let txn = crate::db::begin_write(db).await?;
        let mut active: ActiveModel = self.clone().into();
        active.display_name = Set(form.display_name.trim().to_string());
        active.bio = Set(form.bio.trim().to_string());
        if let Some(zone) = &form.time_zone {
            active.time_zone = Set(zone.trim().to_string());
        }
        let saved = active.update(&txn).await?;
        super::audit::record(
            &txn,
            meta,
            super::audit::profile_changed(
                super::audit::Who::user(&saved),
                self.id,
                audit_view(self),
                audit_view(&saved),
            ),
        )
        .await?;
        txn.commit().await?;
        Ok(saved)
    }
}

/// What a person may change about themselves.
#[derive(Debug, Clone, Default, Deserialize, Validate)]
pub struct ProfileForm {
    #[validate(
        length(min = 1, max = 80, message = "Enter a name of 1 to 80 characters."),
        custom(function = "super::input::no_nul")
    )]
    #[serde(default)]
    pub display_name: String,
    #[validate(
        length(max = 2000, message = "Keep the bio under 2,000 characters."),
        custom(function = "super::input::no_nul")
    )]
    #[serde(default)]
    pub bio: String,
    /// An IANA zone name, or empty for the site's; absent (`None`): unchanged.
    #[validate(custom(function = "time_zone_name"))]
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// Empty (the site's zone) or a zone name Copydesk knows.
fn time_zone_name(name: &str) -> Result<(), validator::ValidationError> {
    if name.is_empty() || name.parse::<chrono_tz::Tz>().is_ok() {
        return Ok(());
    }
    let mut e = validator::ValidationError::new("time_zone");
    e.message = Some("Choose a time zone from the list, or the site's.".into());
    Err(e)
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("invalid input")]
    Invalid(#[from] validator::ValidationErrors),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl Model {
    /// Records a verified address (audited).
    ///
    /// # Errors
    /// Database errors.
    pub async fn mark_verified(
        db: &sea_orm::DatabaseConnection,
        user: &Self,
        meta: &crate::auth::RequestMeta,
    ) -> Result<(), sea_orm::DbErr> {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let txn = crate::db::begin_write(db).await?;
        let mut active: ActiveModel = user.clone().into();
        active.email_verified_at = Set(Some(super::now()));
        active.update(&txn).await?;
        super::audit::record(
            &txn,
            meta,
            super::audit::email_verified(
                super::audit::Who::user(user),
                user.id,
                serde_json::json!({"email_verified": false}),
                serde_json::json!({"email_verified": true}),
            ),
        )
        .await?;
        txn.commit().await
    }
}

/// Why an invitation was not sent.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
    #[error("{0} has set a password already: they sign in as usual")]
    AlreadyActive(String),
    #[error("the invitation could not be sent: {0}")]
    Mail(#[from] loco_rs::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl Model {
    /// Whether this person still has to accept an invitation (no password was ever set).
    #[must_use]
    pub fn invitation_pending(&self) -> bool {
        self.password_hash.is_none()
    }

    /// Mails `self` an invitation on behalf of `actor` (`users.add`, within rank): a
    /// single-use, expiring link that sets their first password. Sending it again voids the
    /// link of the one before. The message and its audit entry are written in one
    /// transaction; the delivery job is queued after it.
    ///
    /// # Errors
    /// [`InviteError::Auth`] for refusals, [`InviteError::AlreadyActive`] for someone who has a
    /// password, mail and database errors.
    pub async fn send_invitation(
        &self,
        ctx: &loco_rs::app::AppContext,
        actor: &crate::auth::Actor,
        meta: &crate::auth::RequestMeta,
    ) -> Result<super::mail::Model, InviteError> {
        actor.require(crate::auth::Capability::USERS_ADD)?;
        crate::auth::permissions::check_rank(actor.role(), self.role(), None)?;
        if !self.invitation_pending() {
            return Err(InviteError::AlreadyActive(self.display_name.clone()));
        }
        let settings = crate::settings::Settings::get(ctx)?;
        let txn = crate::db::begin_write(&ctx.db).await?;
        let row = self.store_invitation(&txn, &settings, actor, meta).await?;
        txn.commit().await?;
        Ok(super::mail::dispatch(ctx, row).await?)
    }

    /// Keeps `self`'s invitation in the outbox (`queued`) with its `user.invite` audit entry,
    /// on `db` — the caller's transaction, so the message exists exactly when the change that
    /// caused it does. Hand the row to [`super::mail::dispatch`] after the commit; should that
    /// fail, the outbox sweep hands it over later.
    ///
    /// # Errors
    /// The template fails to render, or a database error.
    pub async fn store_invitation<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        settings: &crate::settings::Settings,
        actor: &crate::auth::Actor,
        meta: &crate::auth::RequestMeta,
    ) -> Result<super::mail::Model, InviteError> {
        let locals = serde_json::json!({
            "name": self.display_name,
            "inviter": actor.user.display_name,
            "role": self.role,
            "days": (settings.accounts.invitation_ttl_hours + 23) / 24,
            "site_title": settings.site.title,
        });
        let link = super::mail::Link {
            kind: super::mail::LinkKind::Invitation,
            user_id: self.id,
        };
        let row = super::mail::store(db, &self.email, "invitation", &locals, Some(link)).await?;
        super::audit::record(
            db,
            meta,
            super::audit::person_invited(actor, self.id, serde_json::json!({"invitation": row.id})),
        )
        .await?;
        Ok(row)
    }
}
