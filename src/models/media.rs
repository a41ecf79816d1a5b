//! Uploaded files: images and documents that posts refer to. Upload handling comes with the
//! media library; the model and its rules are here so the schema is complete.
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr,
    TransactionSession, TransactionTrait,
};
use validator::Validate;

use super::{WriteError, audit, slug};
use crate::{
    actor::{Actor, RequestMeta},
    auth::{Capability, permissions::Grant},
};

pub use super::_entities::media::{ActiveModel, Column, Entity, Model};

/// The content types Copydesk stores; anything else is refused at upload.
pub const ALLOWED_CONTENT_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/avif",
    "application/pdf",
];

fn validate_content_type(value: &str) -> Result<(), validator::ValidationError> {
    if ALLOWED_CONTENT_TYPES.contains(&value) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("content_type")
            .with_message("Upload a JPEG, PNG, WebP, GIF, AVIF image or a PDF.".into()))
    }
}

#[derive(Debug, Clone, serde::Deserialize, Validate)]
pub struct MediaForm {
    #[validate(length(min = 1, max = 255, message = "A file name has 1 to 255 characters."))]
    pub file_name: String,
    #[validate(custom(function = "validate_content_type"))]
    pub content_type: String,
    #[validate(range(
        min = 1,
        max = 52_428_800,
        message = "Files must be between 1 byte and 50 MB."
    ))]
    pub size_bytes: i64,
    /// Images need a text alternative for screen readers; decorative images say so.
    #[validate(length(max = 500, message = "Keep the alt text under 500 characters."))]
    pub alt_text: String,
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

/// What staff describe of a file: its name, type, text alternative and uploader (`None`:
/// the actor). The bytes come with the media library's upload; a record added here has none
/// yet.
#[derive(Debug, Clone, serde::Deserialize, Validate)]
pub struct MediaEdit {
    #[validate(length(min = 1, max = 255, message = "A file name has 1 to 255 characters."))]
    pub file_name: String,
    #[validate(custom(function = "validate_content_type"))]
    pub content_type: String,
    #[validate(length(max = 500, message = "Keep the alt text under 500 characters."))]
    pub alt_text: String,
    pub uploader_id: Option<i32>,
}

fn audit_view(m: &Model) -> serde_json::Value {
    serde_json::json!({
        "file_name": m.file_name, "content_type": m.content_type, "alt_text": m.alt_text,
        "uploader_id": m.uploader_id, "storage_key": m.storage_key,
    })
}

/// A file is filed under the actor's own name unless they may change everyone's files.
fn check_uploader(by: &Actor, uploader: Option<i32>) -> Result<(), WriteError> {
    if uploader != Some(by.user.id) && by.grant(Capability::MEDIA_CHANGE) != Some(Grant::All) {
        return Err(WriteError::field(
            "uploader_id",
            "You file media under your own name only.",
        ));
    }
    Ok(())
}

/// Records a file for `by` (`media.add`) under a fresh random storage key. Audited as
/// `media.add`.
///
/// # Errors
/// [`WriteError::Invalid`], [`WriteError::Field`], [`WriteError::Auth`], or a database
/// error.
pub async fn create<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    edit: &MediaEdit,
) -> Result<Model, WriteError> {
    by.require(Capability::MEDIA_ADD)?;
    edit.validate()?;
    let uploader = edit.uploader_id.or(Some(by.user.id));
    check_uploader(by, uploader)?;
    let mut bytes = [0_u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| DbErr::Custom(format!("no randomness: {e}")))?;
    let name = slug::slugify(&edit.file_name, "file");
    let txn = crate::db::begin_write(db).await?;
    let row = ActiveModel {
        file_name: Set(edit.file_name.trim().to_string()),
        content_type: Set(edit.content_type.clone()),
        alt_text: Set(edit.alt_text.trim().to_string()),
        uploader_id: Set(uploader),
        size_bytes: Set(0),
        storage_key: Set(format!("uploads/{}-{name}", hex::encode(bytes))),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, meta, audit::media_added(by, row.id, audit_view(&row))).await?;
    txn.commit().await?;
    Ok(row)
}

/// Changes file `id`'s description for `by` (`media.change` over the file). Audited as
/// `media.change`.
///
/// # Errors
/// [`WriteError::Invalid`], [`WriteError::Field`], [`WriteError::Auth`],
/// [`WriteError::NotFound`], or a database error.
pub async fn update<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
    edit: &MediaEdit,
) -> Result<Model, WriteError> {
    edit.validate()?;
    let txn = crate::db::begin_write(db).await?;
    let current = crate::models::write::found::<Entity, _>(&txn, id).await?;
    by.require_for(Capability::MEDIA_CHANGE, current.uploader_id.unwrap_or(0))?;
    let uploader = edit.uploader_id.or(current.uploader_id);
    if uploader != current.uploader_id {
        check_uploader(by, uploader)?;
    }
    let mut row: ActiveModel = current.clone().into();
    row.file_name = Set(edit.file_name.trim().to_string());
    row.content_type = Set(edit.content_type.clone());
    row.alt_text = Set(edit.alt_text.trim().to_string());
    row.uploader_id = Set(uploader);
    let saved = row.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        audit::media_changed(by, id, audit_view(&current), audit_view(&saved)),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes file `id`'s record for `by` (`media.delete` over the file). Audited as
/// `media.delete`.
///
/// # Errors
/// [`WriteError::Auth`], [`WriteError::NotFound`], or a database error.
pub async fn delete<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
) -> Result<(), WriteError> {
    super::write::delete_audited::<Entity, _>(
        db,
        meta,
        id,
        |m| Ok(by.require_for(Capability::MEDIA_DELETE, m.uploader_id.unwrap_or(0))?),
        |m| audit::media_deleted(by, id, audit_view(m)),
    )
    .await
}

/// How a content type is named to people.
#[must_use]
pub fn content_type_label(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "JPEG image",
        "image/png" => "PNG image",
        "image/webp" => "WebP image",
        "image/gif" => "GIF image",
        "image/avif" => "AVIF image",
        "application/pdf" => "PDF document",
        _ => "Other file",
    }
}
