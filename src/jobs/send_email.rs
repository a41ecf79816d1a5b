//! Delivers one message of the mail outbox. Idempotent: a message already sent is skipped.
use copydesk_workers::{Job, JobContext, JobError, Retry};
use loco_rs::app::AppContext;
use sea_orm::EntityTrait;

use crate::models::mail;

pub struct SendEmail {
    pub ctx: AppContext,
}

impl Job for SendEmail {
    /// The `mail_outbox` row id.
    type Args = (i32,);
    const CLASS: &'static str = "Copydesk::SendEmail";
    const QUEUE: &'static str = "mail";
    const RETRY: Retry = Retry::Count(12);

    async fn perform(&self, _ctx: JobContext, (id,): Self::Args) -> Result<(), JobError> {
        let row = mail::Entity::find_by_id(id)
            .one(&self.ctx.db)
            .await
            .map_err(|e| JobError::new("Copydesk::DatabaseError", e.to_string()))?;
        // A message deleted from the outbox has nothing left to send.
        let Some(row) = row else { return Ok(()) };
        mail::send(&self.ctx, row)
            .await
            .map_err(|e| JobError::new("Copydesk::MailError", e))
    }
}
