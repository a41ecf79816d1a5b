//! Resized copies of an uploaded image: [`ResizeImage`] is queued after each upload, about
//! the record `media:{id}`, so it shows on the file's admin page and on the Jobs screen. It
//! is idempotent: widths already made are skipped ([`crate::models::media::variants::make`]).
use copydesk_workers::{Client, Job, JobContext, JobError, Retry};
use loco_rs::app::AppContext;

use super::records::media_record;
use crate::{models::media::variants, settings::Settings};

/// Makes the configured widths of one image.
pub struct ResizeImage {
    pub ctx: AppContext,
}

impl Job for ResizeImage {
    /// The media record's id.
    type Args = (i32,);
    const CLASS: &'static str = "Copydesk::ResizeImage";
    const RETRY: Retry = Retry::Count(3);

    async fn perform(&self, _ctx: JobContext, (id,): Self::Args) -> Result<(), JobError> {
        let settings = Settings::get(&self.ctx)
            .map_err(|e| JobError::new("Copydesk::ConfigError", e.to_string()))?;
        let media = &settings.media;
        variants::make(
            &self.ctx.db,
            &self.ctx.storage,
            &media.variant_widths,
            media.max_pixels,
            id,
        )
        .await
        .map(|_| ())
        .map_err(|e| JobError::new("Copydesk::ResizeError", e.to_string()))
    }
}

/// Queues the resize of image `id`.
///
/// # Errors
/// The job store fails.
pub async fn queue_resize(client: &Client, id: i32) -> copydesk_workers::Result<()> {
    client
        .enqueue_for::<ResizeImage>(&media_record(id), &(id,))
        .await
        .map(|_| ())
}
