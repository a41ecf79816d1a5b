//! Uploading an image: the bytes are checked (kind from the magic number, size, pixels, a
//! text alternative), stored under a random key, and recorded with its audit entry in one
//! transaction. A store that fails leaves no row; a row that cannot be written takes its
//! stored file with it.
use bytes::Bytes;
use loco_rs::storage::{Storage, StorageError};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DbErr, TransactionSession, TransactionTrait};
use validator::{ValidationError, ValidationErrors};

use super::{
    ActiveModel, Model, audit_view, files,
    sniff::{self, ImageKind},
};
use crate::{
    actor::{Actor, RequestMeta},
    auth::Capability,
    models::{WriteError, audit},
    settings::Media as Limits,
};

/// What the upload form sends.
#[derive(Debug, Clone, Default)]
pub struct UploadForm {
    /// The name the browser gave the file: shown in the library, never used as a path.
    pub file_name: String,
    pub bytes: Bytes,
    pub alt_text: String,
}

/// Why an upload was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// A refusal with messages by field (`file`, `alt_text`), or another write error.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The storage would not take (or give back) the bytes.
    #[error("the file could not be stored: {0}")]
    Storage(#[from] StorageError),
}

impl From<DbErr> for UploadError {
    fn from(e: DbErr) -> Self {
        Self::Write(WriteError::Db(e))
    }
}

/// An upload that passed its checks.
#[derive(Debug, Clone, Copy)]
pub struct Checked {
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
}

fn refuse(errors: &mut ValidationErrors, field: &'static str, message: impl Into<String>) {
    errors.add(
        field,
        ValidationError::new("upload").with_message(message.into().into()),
    );
}

/// Mebibytes, for messages.
fn mb(bytes: usize) -> String {
    format!("{:.0} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Every rule an upload must meet, each failure as a message next to its field.
///
/// # Errors
/// The messages, by field.
pub fn check_upload(limits: &Limits, form: &UploadForm) -> Result<Checked, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let alt = form.alt_text.trim();
    if alt.is_empty() {
        refuse(
            &mut errors,
            "alt_text",
            "Describe the image for people who cannot see it (alt text is required).",
        );
    } else if alt.chars().count() > 500 {
        refuse(
            &mut errors,
            "alt_text",
            "Keep the alt text under 500 characters.",
        );
    }
    let checked = if form.bytes.is_empty() {
        refuse(&mut errors, "file", "Choose an image file to upload.");
        None
    } else if form.bytes.len() > limits.max_upload_bytes {
        refuse(
            &mut errors,
            "file",
            format!(
                "This file is larger than {}: make it smaller and upload it again.",
                mb(limits.max_upload_bytes)
            ),
        );
        None
    } else if let Some(kind) = ImageKind::sniff(&form.bytes) {
        match kind.dimensions(&form.bytes) {
            Ok((w, h)) if u64::from(w) * u64::from(h) > limits.max_pixels => {
                refuse(
                    &mut errors,
                    "file",
                    format!(
                        "This image is {w} × {h} pixels; the largest accepted has {} million pixels.",
                        limits.max_pixels / 1_000_000
                    ),
                );
                None
            }
            Ok((w, h)) if w > 0 && h > 0 => Some(Checked {
                kind,
                width: w,
                height: h,
            }),
            _ => {
                refuse(
                    &mut errors,
                    "file",
                    "This file starts like an image but cannot be read: it may be damaged.",
                );
                None
            }
        }
    } else if sniff::looks_like_svg(&form.bytes) {
        refuse(
            &mut errors,
            "file",
            "SVG files are not accepted (they can carry scripts). Upload a PNG, JPEG, WebP or GIF.",
        );
        None
    } else {
        refuse(
            &mut errors,
            "file",
            "This file is not a JPEG, PNG, WebP or GIF image (whatever its name says).",
        );
        None
    };
    match checked {
        Some(c) if errors.is_empty() => Ok(c),
        _ => Err(errors),
    }
}

/// Stores an uploaded image for `by` (`media.add`) under a random key and records it (its
/// kind, size and dimensions from the bytes). Audited as `media.add`. The caller queues the
/// resize job for the new record.
///
/// # Errors
/// [`WriteError::Auth`], [`WriteError::Invalid`] with messages for `file` and `alt_text`,
/// [`UploadError::Storage`] when the bytes cannot be stored (no row is written), or a
/// database error (the stored bytes are removed again).
pub async fn upload<C: TransactionTrait>(
    db: &C,
    storage: &Storage,
    limits: &Limits,
    by: &Actor,
    meta: &RequestMeta,
    form: &UploadForm,
) -> Result<Model, UploadError> {
    by.require(Capability::MEDIA_ADD)
        .map_err(WriteError::from)?;
    let checked = check_upload(limits, form).map_err(WriteError::from)?;
    let key = files::new_key(checked.kind)
        .map_err(|e| DbErr::Custom(format!("no randomness for a storage key: {e}")))?;
    files::put(storage, &key, &form.bytes).await?;
    match record(db, by, meta, form, checked, &key).await {
        Ok(row) => Ok(row),
        Err(e) => {
            files::remove(storage, std::slice::from_ref(&key)).await;
            Err(e.into())
        }
    }
}

async fn record<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    form: &UploadForm,
    checked: Checked,
    key: &str,
) -> Result<Model, WriteError> {
    let name: String = form.file_name.trim().chars().take(255).collect();
    let txn = crate::db::begin_write(db).await?;
    let row = ActiveModel {
        file_name: Set(if name.is_empty() {
            format!("image.{}", checked.kind.extension())
        } else {
            name
        }),
        content_type: Set(checked.kind.content_type().to_string()),
        size_bytes: Set(i64::try_from(form.bytes.len()).unwrap_or(i64::MAX)),
        width: Set(i32::try_from(checked.width).ok()),
        height: Set(i32::try_from(checked.height).ok()),
        alt_text: Set(form.alt_text.trim().to_string()),
        storage_key: Set(key.to_string()),
        uploader_id: Set(Some(by.user.id)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, meta, audit::media_added(by, row.id, audit_view(&row))).await?;
    txn.commit().await?;
    Ok(row)
}
