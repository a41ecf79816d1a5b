//! Jobs that concern a record (`Client::enqueue_for`, e.g. `posts:12`), for the Jobs screen:
//! what a job does in words and who may retry it. The table of record kinds and a record's
//! typed list of jobs live in [`crate::jobs::records`].
use copydesk_workers::{Payload, store::SortedSet};
use loco_rs::app::AppContext;
use serde_json::{Value, json};

use super::{audited::audited_found, inspector};
pub use crate::jobs::records::{RETRY_URL, record_label, record_url};
use crate::{
    auth::{Actor, AuthError, Capability, RequestMeta, permissions::Grant},
    errors::{AppError, AppResult},
    jobs::records::{self as kinds, may_retry, owns},
    models::audit,
};

/// The post a job concerns, if it declares one.
pub(super) fn post_of(p: &Payload) -> Option<i32> {
    match kinds::parse(p.get("record")?.as_str()?)? {
        (kind, id) if kind.prefix == "posts" => Some(id),
        _ => None,
    }
}

/// What a job does, in words: "the scheduled publish of post 12".
pub(super) fn describe(p: &Payload) -> String {
    let record = p.get("record").and_then(Value::as_str);
    let parsed = record.and_then(kinds::parse).map(|(k, id)| (k.prefix, id));
    match (p.display_class(), parsed) {
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
        let entries = vec![audit::job_acted(
            actor,
            audit::JobAction::Retry,
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
