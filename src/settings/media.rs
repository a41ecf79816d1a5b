//! The media library's settings (`settings.media`): where files are kept, how large an
//! upload may be, and which widths the resize job makes.
use std::sync::Arc;

use loco_rs::storage::{Storage, drivers};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Media {
    /// `local` (files under `folder`, the embedded default) or `memory` (gone when the
    /// process ends: tests). S3-compatible storage is a Loco storage driver away (docs/media.md).
    pub store: String,
    /// Where `local` keeps files, relative to the working directory or absolute.
    pub folder: String,
    /// The largest file accepted, in bytes. The upload route's body limit follows it.
    pub max_upload_bytes: usize,
    /// Images larger than this many pixels (width × height) are refused before decoding.
    pub max_pixels: u64,
    /// The widths the resize job makes, in pixels; an image is never made larger.
    pub variant_widths: Vec<u32>,
}

impl Default for Media {
    fn default() -> Self {
        Self {
            store: "local".into(),
            folder: "data/media".into(),
            max_upload_bytes: 10 * 1024 * 1024,
            max_pixels: 40_000_000,
            variant_widths: vec![320, 640, 1280],
        }
    }
}

impl Media {
    /// Refuses a configuration that cannot work, naming what is wrong.
    ///
    /// # Errors
    /// A message for the operator.
    pub fn check(&self) -> Result<(), String> {
        if !matches!(self.store.as_str(), "local" | "memory") {
            return Err(format!(
                "media.store must be local or memory, not `{}`",
                self.store
            ));
        }
        if self.max_upload_bytes < 1024 {
            return Err("media.max_upload_bytes must be at least 1024".into());
        }
        if self.variant_widths.iter().any(|w| *w < 16 || *w > 8192) {
            return Err("media.variant_widths: each width is 16 to 8192 pixels".into());
        }
        Ok(())
    }

    /// The request body the upload route accepts: the file plus room for the other fields
    /// and the multipart framing.
    #[must_use]
    pub const fn body_limit(&self) -> usize {
        self.max_upload_bytes + 64 * 1024
    }

    /// Loco's storage as configured: the local folder (created if missing), or memory.
    ///
    /// # Errors
    /// The folder cannot be created or opened.
    pub fn storage(&self) -> loco_rs::Result<Arc<Storage>> {
        let driver = if self.store == "memory" {
            drivers::mem::new()
        } else {
            std::fs::create_dir_all(&self.folder)?;
            let root = std::fs::canonicalize(&self.folder)?;
            drivers::local::new_with_prefix(root)
                .map_err(|e| loco_rs::Error::string(&format!("media.folder: {e}")))?
        };
        Ok(Arc::new(Storage::single(driver)))
    }
}
