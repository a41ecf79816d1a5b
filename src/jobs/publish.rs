//! Scheduled publishing and unpublishing. Scheduling a post puts one [`PublishPost`] in the
//! job runtime's scheduled set for its time (and one [`UnpublishPost`] for its
//! `unpublish_at`), about the record `posts:{id}`; rescheduling replaces them ([`sync`]).
//! Every minute (`jobs.publish_cron`, once per tick across all processes)
//! [`PublishDuePosts`] sweeps for anything overdue — a worker that was down, a job lost —
//! and enqueues it now, so a post goes up late rather than never. A failure names its post
//! on the Jobs screen and shows on the post's own page. All the jobs are idempotent: the
//! model functions publish only a post still due.
use copydesk_workers::{
    Client, Job, JobContext, JobError, JobState, JobStatus, Retry, api::Inspector, store::SortedSet,
};
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
        let up = posts::due_posts(&self.ctx.db).await.map_err(db_error)?;
        let down = posts::due_unpublish(&self.ctx.db).await.map_err(db_error)?;
        if up.is_empty() && down.is_empty() {
            return Ok(());
        }
        let client = Jobs::get(&self.ctx).map_err(store_error)?.client.clone();
        let api = Inspector::new(client.clone());
        let now = client.clock().now();
        for (post, publish) in up
            .iter()
            .map(|p| (p, true))
            .chain(down.iter().map(|p| (p, false)))
        {
            let record = post_record(post.id);
            let last = api.statuses(&record, 1).await.map_err(store_error)?;
            if in_hand(post.updated_at.timestamp() as f64, last.first(), now) {
                continue;
            }
            if publish {
                client
                    .enqueue_for::<PublishPost>(&record, &(post.id,))
                    .await
            } else {
                client
                    .enqueue_for::<UnpublishPost>(&record, &(post.id,))
                    .await
            }
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
        if let Some(notices) = posts::publish_scheduled(&self.ctx.db, id)
            .await
            .map_err(db_error)?
        {
            crate::models::mail::dispatch_all(&self.ctx, notices).await;
        }
        Ok(())
    }
}

/// Takes one published post down once its `unpublish_at` has come; a post already down
/// (or rescheduled) is left alone.
pub struct UnpublishPost {
    pub ctx: AppContext,
}

impl Job for UnpublishPost {
    /// The post's id.
    type Args = (i32,);
    const CLASS: &'static str = "Copydesk::UnpublishPost";
    const RETRY: Retry = Retry::Count(3);

    async fn perform(&self, _ctx: JobContext, (id,): Self::Args) -> Result<(), JobError> {
        posts::unpublish_scheduled(&self.ctx.db, id)
            .await
            .map(|_| ())
            .map_err(db_error)
    }
}

/// Seconds since the epoch of a post's time, as the scheduled set scores it.
fn score(at: chrono::DateTime<chrono::FixedOffset>) -> f64 {
    at.timestamp() as f64
}

/// Makes the runtime's scheduled set match `post`: one [`PublishPost`] at its scheduled time
/// while it is scheduled, one [`UnpublishPost`] at its `unpublish_at` while it has one, and
/// no other pending publish jobs about it (those are deleted and their status says they were
/// replaced). Called after every transition; a store that is down leaves the minute sweep to
/// catch up.
///
/// # Errors
/// The job store fails.
pub async fn sync(client: &Client, post: &posts::Model) -> copydesk_workers::Result<()> {
    let record = post_record(post.id);
    let api = Inspector::new(client.clone());
    let want_up = (post.state == posts::PostState::Scheduled.as_str())
        .then_some(post.scheduled_at)
        .flatten()
        .map(score);
    let want_down = matches!(post.state.as_str(), "scheduled" | "published")
        .then_some(post.unpublish_at)
        .flatten()
        .map(score);
    let pending: Vec<JobStatus> = api
        .statuses(&record, 50)
        .await?
        .into_iter()
        .filter(|s| {
            s.state == JobState::Pending
                && (s.class == PublishPost::CLASS || s.class == UnpublishPost::CLASS)
        })
        .collect();
    let (mut have_up, mut have_down) = (false, false);
    if !pending.is_empty() {
        for job in api.scan(SortedSet::Schedule).await? {
            let Some(status) = pending.iter().find(|s| s.jid == job.payload.jid()) else {
                continue;
            };
            let wanted = if status.class == PublishPost::CLASS {
                &mut have_up
            } else {
                &mut have_down
            };
            let want = if status.class == PublishPost::CLASS {
                want_up
            } else {
                want_down
            };
            if !*wanted && want.is_some_and(|w| (w - job.score).abs() < 1.0) {
                *wanted = true;
                continue;
            }
            api.delete(SortedSet::Schedule, job.score, &status.jid)
                .await?;
            let mut replaced = status.clone();
            replaced.state = JobState::Done;
            replaced.message = Some("Replaced: the post was rescheduled.".into());
            replaced.updated_at = client.clock().now();
            client.store().put_status(&replaced).await?;
        }
    }
    if let (Some(at), false) = (want_up, have_up) {
        client
            .enqueue_at_for::<PublishPost>(&record, at, &(post.id,))
            .await?;
    }
    if let (Some(at), false) = (want_down, have_down) {
        client
            .enqueue_at_for::<UnpublishPost>(&record, at, &(post.id,))
            .await?;
    }
    Ok(())
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
