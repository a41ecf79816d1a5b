//! Scheduled publishing. Every minute (`jobs.publish_cron`, once per tick across all
//! processes) [`PublishDuePosts`] finds the scheduled posts whose time has come and enqueues
//! one [`PublishPost`] for each, about the record `posts:{id}`: a failure then names its post
//! on the Jobs screen and shows on that post's own admin page. Both jobs are idempotent.
use copydesk_workers::{Job, JobContext, JobError, JobState, JobStatus, Retry, api::Inspector};
use loco_rs::app::AppContext;

use super::{Jobs, records::post_record};
use crate::models::posts;

/// A publish job still on its way is not enqueued again; after this long without news it
/// counts as lost (deleted by hand, say) and a new one goes.
const IN_HAND_SECS: f64 = 3600.0;
/// After a publish job died, the next one waits this long, unless the post was changed
/// since: one failure a day to look at, not one a minute.
const AFTER_DEATH_SECS: f64 = 24.0 * 3600.0;

fn db_error(e: impl std::fmt::Display) -> JobError {
    JobError::new("Copydesk::DatabaseError", e.to_string())
}

fn store_error(e: impl std::fmt::Display) -> JobError {
    JobError::new("Copydesk::JobStoreError", e.to_string())
}

/// Whether the latest publish job of a post (its status `last`) still covers it at `now`;
/// `post_changed` is when the post was last saved (epoch seconds).
fn in_hand(post_changed: f64, last: Option<&JobStatus>, now: f64) -> bool {
    let Some(last) = last else { return false };
    let age = now - last.updated_at;
    let changed_since = post_changed > last.updated_at;
    match last.state {
        JobState::Done => false,
        JobState::Pending | JobState::Processing | JobState::Failed => age < IN_HAND_SECS,
        JobState::Dead => !changed_since && age < AFTER_DEATH_SECS,
    }
}

/// The cron job: one [`PublishPost`] per due post.
pub struct PublishDuePosts {
    pub ctx: AppContext,
}

impl Job for PublishDuePosts {
    type Args = ();
    const CLASS: &'static str = "Copydesk::PublishDuePosts";
    const RETRY: Retry = Retry::Count(3);

    async fn perform(&self, _ctx: JobContext, (): Self::Args) -> Result<(), JobError> {
        let due = posts::due_posts(&self.ctx.db).await.map_err(db_error)?;
        if due.is_empty() {
            return Ok(());
        }
        let client = Jobs::get(&self.ctx).map_err(store_error)?.client.clone();
        let api = Inspector::new(client.clone());
        let now = client.clock().now();
        for post in due {
            let record = post_record(post.id);
            let last = api.statuses(&record, 1).await.map_err(store_error)?;
            if in_hand(post.updated_at.timestamp() as f64, last.first(), now) {
                continue;
            }
            client
                .enqueue_for::<PublishPost>(&record, &(post.id,))
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }
}

/// Publishes one scheduled post; a post already published (or no longer due) is left
/// alone.
pub struct PublishPost {
    pub ctx: AppContext,
}

impl Job for PublishPost {
    /// The post's id.
    type Args = (i32,);
    const CLASS: &'static str = "Copydesk::PublishPost";
    const RETRY: Retry = Retry::Count(3);

    async fn perform(&self, _ctx: JobContext, (id,): Self::Args) -> Result<(), JobError> {
        posts::publish_scheduled(&self.ctx.db, id)
            .await
            .map(|_| ())
            .map_err(db_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: JobState, updated_at: f64) -> JobStatus {
        JobStatus {
            jid: "j".into(),
            class: PublishPost::CLASS.into(),
            record: post_record(1),
            state,
            percent: None,
            message: None,
            error: None,
            updated_at,
        }
    }

    #[test]
    fn a_publish_job_on_its_way_is_not_doubled() {
        let post = 1_000.0;
        let now = 10_000.0;
        assert!(!in_hand(post, None, now), "never tried");
        assert!(!in_hand(post, Some(&status(JobState::Done, 9_990.0)), now));
        for s in [JobState::Pending, JobState::Processing, JobState::Failed] {
            assert!(in_hand(post, Some(&status(s, 9_990.0)), now), "{s:?}");
            assert!(
                !in_hand(post, Some(&status(s, now - IN_HAND_SECS - 1.0)), now),
                "{s:?} lost"
            );
        }
        assert!(in_hand(post, Some(&status(JobState::Dead, 9_990.0)), now));
        assert!(
            !in_hand(9_995.0, Some(&status(JobState::Dead, 9_990.0)), now),
            "the post changed after its job died"
        );
        assert!(!in_hand(
            post,
            Some(&status(JobState::Dead, now - AFTER_DEATH_SECS - 1.0)),
            now
        ));
    }
}
