//! Publishes scheduled posts whose time has come. Runs every minute (`jobs.publish_cron`),
//! once per tick across all processes; idempotent.
use copydesk_workers::{Job, JobContext, JobError, Retry};
use loco_rs::app::AppContext;

use crate::models::posts;

pub struct PublishDuePosts {
    pub ctx: AppContext,
}

impl Job for PublishDuePosts {
    type Args = ();
    const CLASS: &'static str = "Copydesk::PublishDuePosts";
    const RETRY: Retry = Retry::Count(3);

    async fn perform(&self, _ctx: JobContext, (): Self::Args) -> Result<(), JobError> {
        posts::publish_due(&self.ctx.db)
            .await
            .map(|_| ())
            .map_err(|e| JobError::new("Copydesk::DatabaseError", e.to_string()))
    }
}
