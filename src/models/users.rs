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

string_enum! {
    /// What a person may do; the capability table arrives with accounts and permissions.
    pub enum Role {
        Admin => "admin",
        Editor => "editor",
        Author => "author",
        Moderator => "moderator",
        Support => "support",
        Member => "member",
    }
}

string_enum! {
    /// Whether an account may be used.
    pub enum UserStatus {
        Active => "active",
        Suspended => "suspended",
        Banned => "banned",
    }
}

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
