//! Once a day (`jobs.autosave_prune_cron`), autosaves nobody touched for
//! `editorial.autosave_keep_days` are deleted. Saved revisions are never pruned.
use copydesk_workers::{Job, JobContext, JobError, Retry};
use loco_rs::app::AppContext;

use crate::{models::posts::autosaves, settings::Settings};

pub struct PruneAutosaves {
    pub ctx: AppContext,
}

impl Job for PruneAutosaves {
    type Args = ();
    const CLASS: &'static str = "Copydesk::PruneAutosaves";
    const RETRY: Retry = Retry::Count(3);

    async fn perform(&self, _ctx: JobContext, (): Self::Args) -> Result<(), JobError> {
        let settings = Settings::get(&self.ctx)
            .map_err(|e| JobError::new("Copydesk::ConfigError", e.to_string()))?;
        autosaves::prune(&self.ctx.db, settings.editorial.autosave_keep_days)
            .await
            .map(|_| ())
            .map_err(|e| JobError::new("Copydesk::DatabaseError", e.to_string()))
    }
}
