//! The records jobs point at (`Client::enqueue_for`, e.g. `posts:12`): one table of their
//! kinds — prefix, label, admin page, owner — used wherever a job's record reference becomes
//! a link, a label or an owner check; and a record's jobs as its admin page shows them.
use copydesk_workers::{JobState, api::Inspector};
use loco_rs::app::AppContext;
use sea_orm::EntityTrait;
use serde::Serialize;

use super::Jobs;
use crate::{
    auth::{Actor, Capability, permissions::Grant},
    errors::AppResult,
    models::posts,
};

/// Who owns a record of a kind, if anyone does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The post's `author_id`.
    PostAuthor,
    /// The file's `uploader_id`.
    MediaUploader,
}

/// One kind of record a job can concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordKind {
    /// The reference's prefix: `posts` in `posts:12`.
    pub prefix: &'static str,
    /// The kind in words: `post 12`.
    pub label: &'static str,
    /// The admin page, with `{id}` for the record's id.
    pub admin_url: &'static str,
    /// Whose record it is, for "jobs of one's own records".
    pub owner: Option<Owner>,
}

/// Every kind of record that jobs point at.
pub const RECORD_KINDS: [RecordKind; 3] = [
    RecordKind {
        prefix: "posts",
        label: "post",
        admin_url: "/admin/content/posts/{id}",
        owner: Some(Owner::PostAuthor),
    },
    RecordKind {
        prefix: "mail_outbox",
        label: "mail",
        admin_url: "/admin/outbox/{id}",
        owner: None,
    },
    RecordKind {
        prefix: "media",
        label: "image",
        admin_url: "/admin/content/media/{id}",
        owner: Some(Owner::MediaUploader),
    },
];

/// The record of post `id`'s jobs (`posts:12`).
#[must_use]
pub fn post_record(id: i32) -> String {
    format!("{}:{id}", RECORD_KINDS[0].prefix)
}

/// The record of outbox message `id`'s jobs (`mail_outbox:4`).
#[must_use]
pub fn mail_record(id: i32) -> String {
    format!("{}:{id}", RECORD_KINDS[1].prefix)
}

/// The record of media file `id`'s jobs (`media:7`).
#[must_use]
pub fn media_record(id: i32) -> String {
    format!("{}:{id}", RECORD_KINDS[2].prefix)
}

/// Where the retry buttons of a record's jobs post to (with `jid`, and `back`: the page to
/// return to).
pub const RETRY_URL: &str = "/admin/jobs/mine/retry";

/// `posts:12` as the `posts` kind and 12; `None` for an unknown kind or a bad id.
#[must_use]
pub fn parse(record: &str) -> Option<(&'static RecordKind, i32)> {
    let (prefix, id) = record.split_once(':')?;
    let kind = RECORD_KINDS.iter().find(|k| k.prefix == prefix)?;
    Some((kind, id.parse().ok()?))
}

/// The reference of a record: `posts:12`.
#[must_use]
pub fn reference(kind: &RecordKind, id: i32) -> String {
    format!("{}:{id}", kind.prefix)
}

/// Where a job's record has its admin page, if it has one.
#[must_use]
pub fn record_url(record: &str) -> Option<String> {
    let (kind, id) = parse(record)?;
    Some(kind.admin_url.replace("{id}", &id.to_string()))
}

/// A record in words: `post 12`, `mail 42`; an unknown one as it is.
#[must_use]
pub fn record_label(record: &str) -> String {
    parse(record).map_or_else(
        || record.to_string(),
        |(kind, id)| format!("{} {id}", kind.label),
    )
}

/// Whether `actor` owns `record`.
///
/// # Errors
/// The database fails.
pub async fn owns(ctx: &AppContext, actor: &Actor, record: &str) -> AppResult<bool> {
    let Some((kind, id)) = parse(record) else {
        return Ok(false);
    };
    Ok(match kind.owner {
        Some(Owner::PostAuthor) => posts::Entity::find_by_id(id)
            .one(&ctx.db)
            .await?
            .is_some_and(|p| p.author_id == actor.user.id),
        Some(Owner::MediaUploader) => crate::models::media::Entity::find_by_id(id)
            .one(&ctx.db)
            .await?
            .is_some_and(|m| m.uploader_id == Some(actor.user.id)),
        None => false,
    })
}

/// Whether one holding `retry` (of `retry_jobs`) and `view` (of `jobs.view`) may retry a job
/// about a record that is (`owns`) or is not theirs: both grants must reach the record.
#[must_use]
pub fn may_retry(retry: Option<Grant>, view: Option<Grant>, owns: bool) -> bool {
    let reaches = |g: Option<Grant>| match g {
        Some(Grant::All) => true,
        Some(Grant::Own) => owns,
        None => false,
    };
    reaches(retry) && reaches(view)
}

/// One job about a record, in plain words, for that record's page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordJob {
    pub jid: String,
    pub class: String,
    /// "waiting to run", "running", "done", "failed; it will be retried", "failed for good".
    pub state: &'static str,
    pub failed: bool,
    pub error: Option<String>,
    pub percent: Option<u8>,
    pub message: Option<String>,
    pub updated: String,
    /// Whether the viewer may retry it (only a failed job).
    pub can_retry: bool,
    /// Where its retry button posts.
    pub retry_url: &'static str,
    /// The page the retry returns to.
    pub back: Option<String>,
}

/// The jobs about `record`, newest first, at most 20, as anyone may see them (`can_retry`
/// false).
///
/// # Errors
/// The job store fails.
pub async fn record_statuses(ctx: &AppContext, record: &str) -> AppResult<Vec<RecordJob>> {
    let api = Inspector::new(Jobs::get(ctx)?.client.clone());
    let back = record_url(record);
    Ok(api
        .statuses(record, 20)
        .await?
        .into_iter()
        .map(|st| {
            let (state, failed) = match st.state {
                JobState::Pending => ("waiting to run", false),
                JobState::Processing => ("running", false),
                JobState::Done => ("done", false),
                JobState::Failed => ("failed; it will be retried", true),
                JobState::Dead => ("failed for good", true),
            };
            RecordJob {
                jid: st.jid,
                class: st.class,
                state,
                failed,
                error: st.error,
                percent: st.percent,
                message: st.message,
                updated: when(st.updated_at),
                can_retry: false,
                retry_url: RETRY_URL,
                back: back.clone(),
            }
        })
        .collect())
}

/// The jobs about `record` as `actor` may see them on the record's admin page: none unless
/// their `jobs.view` reaches the record; each failed one says whether they may retry it.
///
/// # Errors
/// The database or the job store fails (never an empty list in its place).
pub async fn jobs_for_record(
    ctx: &AppContext,
    actor: &Actor,
    record: &str,
) -> AppResult<Vec<RecordJob>> {
    let owner = owns(ctx, actor, record).await?;
    let view = actor.grant(Capability::JOBS_VIEW);
    let visible = match view {
        Some(Grant::All) => true,
        Some(Grant::Own) => owner,
        None => false,
    };
    if !visible {
        return Ok(Vec::new());
    }
    let may = may_retry(actor.grant(Capability::RETRY_JOBS), view, owner);
    let mut jobs = record_statuses(ctx, record).await?;
    for job in &mut jobs {
        job.can_retry = job.failed && may;
    }
    Ok(jobs)
}

fn when(epoch: f64) -> String {
    chrono::DateTime::from_timestamp(epoch as i64, 0).map_or_else(String::new, |d| {
        d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retrying_needs_both_grants_over_the_record() {
        use Grant::{All, Own};
        // Support and admins.
        assert!(may_retry(Some(All), Some(All), false));
        // Jobs of one's own records only, with retry_jobs: only one's own.
        assert!(may_retry(Some(All), Some(Own), true));
        assert!(!may_retry(Some(All), Some(Own), false));
        assert!(may_retry(Some(Own), Some(All), true));
        assert!(!may_retry(Some(Own), Some(All), false));
        // Without retry_jobs, or without jobs.view: never.
        assert!(!may_retry(None, Some(All), true));
        assert!(!may_retry(None, Some(Own), true));
        assert!(!may_retry(Some(All), None, true));
    }

    #[test]
    fn records_link_to_their_admin_pages() {
        assert_eq!(
            record_url("posts:12").as_deref(),
            Some("/admin/content/posts/12")
        );
        assert_eq!(
            record_url("mail_outbox:4").as_deref(),
            Some("/admin/outbox/4")
        );
        assert_eq!(record_url("posts:x"), None);
        assert_eq!(record_url("import:3"), None);
        assert_eq!(record_label("posts:12"), "post 12");
        assert_eq!(record_label("mail_outbox:4"), "mail 4");
        assert_eq!(record_label("import:3"), "import:3");
        assert_eq!(reference(&RECORD_KINDS[0], 12), "posts:12");
    }
}
