//! Uploaded files: images and documents that posts refer to. Images arrive through
//! [`upload::upload`] (bytes checked, stored through Loco's storage), get resized copies from
//! the resize job ([`variants::make`]), and are served by key; a record described by hand
//! (`create`) has no bytes.
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

pub mod files;
pub mod sniff;
pub mod upload;
pub mod variants;
pub use upload::{UploadError, UploadForm, check_upload, upload};

impl Model {
    /// Whether the record is an image whose bytes this library stored (its key is one
    /// [`files::new_key`] made), so it can be shown and served.
    #[must_use]
    pub fn is_stored_image(&self) -> bool {
        sniff::ImageKind::from_content_type(&self.content_type).is_some()
            && files::is_our_key(&self.storage_key)
    }

    /// Where the file is served.
    #[must_use]
    pub fn url(&self) -> String {
        format!("/media/{}", self.storage_key)
    }
}

/// A post's featured image is a stored image with its text alternative (or none).
///
/// # Errors
/// [`WriteError::Field`] on `featured_media_id`, or a database error.
pub async fn check_featured<C: ConnectionTrait>(db: &C, id: Option<i32>) -> Result<(), WriteError> {
    use sea_orm::EntityTrait;
    let Some(id) = id else { return Ok(()) };
    match Entity::find_by_id(id).one(db).await? {
        Some(m) if m.is_stored_image() && !m.alt_text.trim().is_empty() => Ok(()),
        Some(m) if m.is_stored_image() => Err(WriteError::field(
            "featured_media_id",
            "This image has no alt text yet: describe it on its media page first.",
        )),
        Some(_) => Err(WriteError::field(
            "featured_media_id",
            "Choose an uploaded image (JPEG, PNG, WebP or GIF).",
        )),
        None => Err(WriteError::field(
            "featured_media_id",
            "That image no longer exists: choose another.",
        )),
    }
}

/// The newest stored images, for the body's image chooser.
///
/// # Errors
/// The database fails.
pub async fn recent_images<C: ConnectionTrait>(db: &C, limit: u64) -> Result<Vec<Model>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    Ok(Entity::find()
        .filter(Column::StorageKey.starts_with("images/"))
        .filter(Column::ContentType.starts_with("image/"))
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .filter(Model::is_stored_image)
        .collect())
}

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

/// An uploaded image keeps the kind its bytes say and a text alternative.
fn check_stored_image(current: &Model, edit: &MediaEdit) -> Result<(), WriteError> {
    if !current.is_stored_image() {
        return Ok(());
    }
    if edit.content_type != current.content_type {
        return Err(WriteError::field(
            "content_type",
            "An uploaded image's type comes from its bytes and cannot be changed.",
        ));
    }
    if edit.alt_text.trim().is_empty() {
        return Err(WriteError::field(
            "alt_text",
            "Describe the image for people who cannot see it (alt text is required).",
        ));
    }
    Ok(())
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
    check_stored_image(&current, edit)?;
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

/// Deletes file `id` as [`delete`] does, then its stored bytes and resized copies.
///
/// # Errors
/// As [`delete`]; the files' removal is logged, never an error.
pub async fn delete_with_files<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    storage: &loco_rs::storage::Storage,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
) -> Result<(), WriteError> {
    use sea_orm::EntityTrait;
    let mut keys: Vec<String> = variants::of(db, id)
        .await?
        .into_iter()
        .map(|v| v.storage_key)
        .collect();
    if let Some(m) = Entity::find_by_id(id).one(db).await? {
        keys.push(m.storage_key);
    }
    delete(db, by, meta, id).await?;
    // Only keys this library made point at stored files.
    keys.retain(|k| files::is_our_key(k));
    files::remove(storage, &keys).await;
    Ok(())
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
