//! Every minute (`jobs.moderation_cron`), suspensions whose time is up end: the person's
//! earlier account status comes back, logged in the mod log as `expire`
//! ([`crate::models::moderation::sanctions::end_lapsed`]). Idempotent: an ended suspension
//! is marked lifted, so the next tick finds nothing to do.
use copydesk_workers::{Job, JobContext, JobError, Retry};
use loco_rs::app::AppContext;

use crate::models::moderation::sanctions;

pub struct EndLapsedSanctions {
    pub ctx: AppContext,
}

impl Job for EndLapsedSanctions {
    type Args = ();
    const CLASS: &'static str = "Copydesk::EndLapsedSanctions";
    const RETRY: Retry = Retry::Count(3);

    async fn perform(&self, _ctx: JobContext, (): Self::Args) -> Result<(), JobError> {
        let ended = sanctions::end_lapsed(&self.ctx.db)
            .await
            .map_err(|e| JobError::new("Copydesk::DatabaseError", e.to_string()))?;
        if ended > 0 {
            tracing::info!(ended, "suspensions whose time was up ended");
        }
        Ok(())
    }
}
