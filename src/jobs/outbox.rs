//! The outbox sweep. A change keeps its mail in the outbox in its own transaction and hands
//! it to [`super::send_email::SendEmail`] after the commit; should that hand-over fail (the
//! job store was down, the process stopped in between), [`DrainOutbox`] — every minute,
//! `jobs.outbox_cron` — finds the queued messages no job points at and queues them, so mail
//! is late rather than lost.
use copydesk_workers::{Job, JobContext, JobError, Retry, api::Inspector};
use loco_rs::app::AppContext;

use super::{Jobs, records::mail_record, send_email::SendEmail};
use crate::models::mail;

/// A message younger than this is still its writer's to hand over.
const GRACE_SECS: i64 = 120;
/// At most this many messages a tick; the rest wait for the next one.
const PER_TICK: u64 = 200;

pub struct DrainOutbox {
    pub ctx: AppContext,
}

impl Job for DrainOutbox {
    type Args = ();
    const CLASS: &'static str = "Copydesk::DrainOutbox";
    const QUEUE: &'static str = "mail";
    const RETRY: Retry = Retry::Count(3);

    async fn perform(&self, _ctx: JobContext, (): Self::Args) -> Result<(), JobError> {
        let cutoff = crate::models::now() - chrono::Duration::seconds(GRACE_SECS);
        let waiting = mail::queued_before(&self.ctx.db, cutoff, PER_TICK)
            .await
            .map_err(|e| JobError::new("Copydesk::DatabaseError", e.to_string()))?;
        let store =
            |e: copydesk_workers::Error| JobError::new("Copydesk::JobStoreError", e.to_string());
        let client = Jobs::get(&self.ctx)
            .map_err(|e| JobError::new("Copydesk::JobStoreError", e.to_string()))?
            .client
            .clone();
        let api = Inspector::new(client.clone());
        for row in waiting {
            let record = mail_record(row.id);
            if !api.statuses(&record, 1).await.map_err(store)?.is_empty() {
                continue;
            }
            tracing::info!(
                mail = row.id,
                "the outbox sweep queues a message its writer did not hand over"
            );
            client
                .enqueue_for::<SendEmail>(&record, &(row.id,))
                .await
                .map_err(store)?;
        }
        Ok(())
    }
}
