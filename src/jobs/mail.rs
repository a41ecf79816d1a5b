//! Mail and the job runtime: the [`Courier`] that queues each stored message as a
//! `Copydesk::SendEmail` job (linked to its outbox row), and the delivery state of a message
//! as its jobs tell it.
use std::sync::Arc;

use copydesk_workers::{JobState, api::Inspector};
use loco_rs::app::AppContext;

use super::{Jobs, records::mail_record, send_email::SendEmail};
use crate::models::mail::{self, Courier};

/// Queues stored messages on the job runtime.
pub struct JobCourier(pub Arc<Jobs>);

#[async_trait::async_trait]
impl Courier for JobCourier {
    async fn hand_over(&self, row: &mail::Model) -> loco_rs::Result<()> {
        // The job is linked to its outbox row, so its status can be shown there.
        self.0
            .client
            .enqueue_for::<SendEmail>(&mail_record(row.id), &(row.id,))
            .await
            .map_err(|e| loco_rs::Error::string(&format!("enqueueing mail {}: {e}", row.id)))?;
        Ok(())
    }
}

/// The courier to keep in the app context, so models' mail reaches the job runtime.
#[must_use]
pub fn courier(jobs: Arc<Jobs>) -> Arc<dyn Courier> {
    Arc::new(JobCourier(jobs))
}

/// How the newest job of outbox message `id` stands, in plain words, and its error if it
/// failed; `None` when no job points at it.
///
/// # Errors
/// The job client is not set up, or the job store fails.
pub async fn delivery_state(
    ctx: &AppContext,
    id: i32,
) -> Result<Option<(&'static str, Option<String>)>, crate::errors::AppError> {
    let inspector = Inspector::new(Jobs::get(ctx)?.client.clone());
    let statuses = inspector.statuses(&mail_record(id), 20).await?;
    Ok(statuses.first().map(|st| {
        let word = match st.state {
            JobState::Pending => "waiting to run",
            JobState::Processing => "running",
            JobState::Done => "done",
            JobState::Failed => "failed; it will be retried",
            JobState::Dead => "failed for good",
        };
        (word, st.error.clone())
    }))
}
