//! What the image upload page (`admin/media_upload.html`) is given.
use serde::Serialize;

use super::AdminChrome;
use crate::views::forms::FieldErrors;

/// The upload form, as typed (the file itself is never sent back), with its messages.
#[derive(Debug, Serialize)]
pub struct UploadPage {
    pub title: &'static str,
    pub admin: AdminChrome,
    pub alt_text: String,
    /// Messages by field: `file`, `alt_text`, `__all__`.
    pub errors: FieldErrors,
    /// The largest file accepted, in words ("10 MB").
    pub max_size: String,
    pub max_bytes: usize,
    /// What the file input accepts.
    pub accept: &'static str,
}
