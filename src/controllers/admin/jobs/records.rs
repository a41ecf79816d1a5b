//! Jobs that concern a record (`Client::enqueue_for`, e.g. `posts:12`): where the record's
//! admin page is, who may see and retry its jobs, and the list of its jobs for that page.
use copydesk_workers::{JobState, Payload, store::SortedSet};
use loco_rs::app::AppContext;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use super::{audited::audited_found, entry, inspector, when};
use crate::{
    auth::{Actor, AuthError, Capability, RequestMeta, permissions::Grant},
    errors::{AppError, AppResult},
    models::posts,
};

/// Where the retry buttons of a record's jobs post to (with `jid`, and `back`: the page to
/// return to).
pub const RETRY_URL: &str = "/admin/jobs/mine/retry";

/// `posts:12` as `("posts", 12)`.
pub(super) fn parse(record: &str) -> Option<(&str, i32)> {
    let (kind, id) = record.split_once(':')?;
    Some((kind, id.parse().ok()?))
}

/// The post a job concerns, if it declares one.
pub(super) fn post_of(p: &Payload) -> Option<i32> {
    match parse(p.get("record")?.as_str()?)? {
        ("posts", id) => Some(id),
        _ => None,
    }
}

/// Where a job's record has its admin page, if it has one.
#[must_use]
pub fn record_url(record: &str) -> Option<String> {
    match parse(record)? {
        ("mail_outbox", id) => Some(format!("/admin/outbox/{id}")),
        ("posts", id) => Some(format!("/admin/content/posts/{id}")),
        _ => None,
    }
}

/// A record in words: `post 12`, `mail 42`.
pub(super) fn record_label(record: &str) -> String {
    match parse(record) {
        Some(("posts", id)) => format!("post {id}"),
        Some(("mail_outbox", id)) => format!("mail {id}"),
        _ => record.to_string(),
    }
}

/// What a job does, in words: "the scheduled publish of post 12".
pub(super) fn describe(p: &Payload) -> String {
    let record = p.get("record").and_then(Value::as_str);
    match (p.display_class(), record.and_then(parse)) {
        ("Copydesk::PublishPost", Some(("posts", id))) => {
            format!("the scheduled publish of post {id}")
        }
        ("Copydesk::SendEmail", Some(("mail_outbox", id))) => format!("the delivery of mail {id}"),
        (class, _) => match record {
            Some(r) => format!("{class} for {}", record_label(r)),
            None => class.to_string(),
        },
    }
}

pub(super) fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// Whether `actor` owns `record`: today, a post they are the author of.
async fn owns(ctx: &AppContext, actor: &Actor, record: &str) -> AppResult<bool> {
    Ok(match parse(record) {
        Some(("posts", id)) => posts::Entity::find_by_id(id)
            .one(&ctx.db)
            .await?
            .is_some_and(|p| p.author_id == actor.user.id),
        _ => false,
    })
}

/// Whether one holding `retry` (of `retry_jobs`) and `view` (of `jobs.view`) may retry a job
/// about a record that is (`owns`) or is not theirs: both grants must reach the record.
fn may_retry(retry: Option<Grant>, view: Option<Grant>, owns: bool) -> bool {
    let reaches = |g: Option<Grant>| match g {
        Some(Grant::All) => true,
        Some(Grant::Own) => owns,
        None => false,
    };
    reaches(retry) && reaches(view)
}

/// `actor` may retry a job about `record` (a job about no record needs both grants for all).
async fn require_retry(ctx: &AppContext, actor: &Actor, record: Option<&str>) -> AppResult<()> {
    let (retry, view) = (
        actor.grant(Capability::RETRY_JOBS),
        actor.grant(Capability::JOBS_VIEW),
    );
    let needs_owner = retry == Some(Grant::Own) || view == Some(Grant::Own);
    let owner = match record {
        Some(r) if needs_owner => owns(ctx, actor, r).await?,
        _ => false,
    };
    if may_retry(retry, view, owner) {
        Ok(())
    } else {
        let refused = if retry.is_none() {
            Capability::RETRY_JOBS
        } else {
            Capability::JOBS_VIEW
        };
        Err(AuthError::Forbidden(refused.0).into())
    }
}

/// The jobs about `record`, in plain words, newest first, for that record's own page.
///
/// # Errors
/// The job store fails.
pub async fn record_jobs(ctx: &AppContext, record: &str) -> AppResult<Vec<Value>> {
    let statuses = inspector(ctx)?.statuses(record, 20).await?;
    Ok(statuses
        .iter()
        .map(|st| {
            let (word, failed) = match st.state {
                JobState::Pending => ("waiting to run", false),
                JobState::Processing => ("running", false),
                JobState::Done => ("done", false),
                JobState::Failed => ("failed; it will be retried", true),
                JobState::Dead => ("failed for good", true),
            };
            json!({"jid": st.jid, "class": st.class, "state": word, "failed": failed, "error": st.error,
                   "percent": st.percent, "message": st.message, "updated": when(st.updated_at)})
        })
        .collect())
}

/// [`record_jobs`] for a record's admin page, as `actor` may see them: nothing unless their
/// `jobs.view` covers the record; each failed job says whether they may retry it
/// (`can_retry`), and where its retry button posts (`retry_url`, with `jid` and `back`).
/// The template `admin/jobs/_record_jobs.html` shows them.
///
/// # Errors
/// The database or the job store fails.
pub async fn record_jobs_panel(
    ctx: &AppContext,
    actor: &Actor,
    record: &str,
) -> AppResult<Vec<Value>> {
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
    let may_retry = may_retry(actor.grant(Capability::RETRY_JOBS), view, owner);
    let back = record_url(record);
    let mut rows = record_jobs(ctx, record).await?;
    for row in &mut rows {
        let failed = row["failed"].as_bool().unwrap_or(false);
        row["can_retry"] = json!(failed && may_retry);
        row["retry_url"] = json!(RETRY_URL);
        row["back"] = json!(back);
    }
    Ok(rows)
}

/// Retries the failed job `jid` (from Retries or Dead) on behalf of a record's page. It needs
/// `retry_jobs`, and `jobs.view` over the job's record: with `jobs.view` for one's own
/// records only, only a job about a record of one's own.
///
/// # Errors
/// [`AppError::NotFound`] when it is in neither set; [`AuthError::Forbidden`] when `actor`
/// may not retry it; store errors.
pub async fn retry_by_jid(
    ctx: &AppContext,
    actor: &Actor,
    meta: &RequestMeta,
    jid: &str,
) -> AppResult<()> {
    let api = inspector(ctx)?;
    for set in [SortedSet::Retry, SortedSet::Dead] {
        let found = api
            .scan(set)
            .await?
            .into_iter()
            .find(|j| j.payload.jid() == jid);
        let Some(j) = found else { continue };
        let about = j.payload.get("record").and_then(Value::as_str);
        require_retry(ctx, actor, about).await?;
        let entries = vec![entry(
            actor,
            "jobs.retry",
            "job",
            jid,
            json!({"from": "record page", "record": about}),
        )];
        if audited_found(ctx, meta, entries, api.retry_now(set, j.score, jid)).await? {
            return Ok(());
        }
    }
    Err(AppError::NotFound)
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
    }

    #[test]
    fn jobs_say_what_they_do() {
        let mut p = Payload::new(
            "Copydesk::PublishPost",
            "default",
            vec![json!(12)],
            true.into(),
            0.0,
        );
        p.set("record", "posts:12".into());
        assert_eq!(
            capitalize(&describe(&p)),
            "The scheduled publish of post 12"
        );
        assert_eq!(post_of(&p), Some(12));
        p.set("record", "import:3".into());
        assert_eq!(describe(&p), "Copydesk::PublishPost for import:3");
        assert_eq!(post_of(&p), None);
    }
}
