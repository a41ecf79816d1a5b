//! Uploaded files: images and documents that posts refer to. Upload handling comes with the
//! media library; the model and its rules are here so the schema is complete.
use sea_orm::{ActiveModelBehavior, ConnectionTrait, DbErr};
use validator::Validate;

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
