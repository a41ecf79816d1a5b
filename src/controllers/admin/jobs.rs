//! The Jobs screen: what Sidekiq's Web UI shows (dashboard, queues, busy, scheduled, retries,
//! dead, job detail) over `copydesk-workers`' inspection API, with the same actions, on
//! either store. The route layer requires `jobs.view` to view and `retry_jobs` to act; the
//! whole screen also needs `jobs.view` for every record (with `jobs.view` for one's own
//! records there is [`mine`]). Every action is audited in the transaction it commits with.
use copydesk_workers::{api::Inspector, store::SortedSet};
use loco_rs::app::AppContext;
use serde_json::Value;

use super::AdminChrome;
use crate::{
    auth::{Actor, AuthError, Capability, permissions::Grant},
    errors::{AppError, AppResult},
    jobs::Jobs,
    views::forms::urlencode,
};

mod actions;
mod audited;
mod busy;
mod dashboard;
mod detail;
mod mine;
mod queues;
mod records;
mod sets;

pub use actions::{act, all, confirm_all, retry_edited, retry_group};
pub use busy::{busy, signal};
pub use dashboard::{dashboard, stats_fragment};
pub use detail::detail;
pub use mine::{mine, retry_mine};
pub use queues::{clear_queue, delete_queued, queue};
pub use records::{record_url, retry_by_jid};
pub use sets::list;

const PER_PAGE: u64 = 25;

fn inspector(ctx: &AppContext) -> AppResult<Inspector> {
    Ok(Inspector::new(Jobs::get(ctx)?.client.clone()))
}

/// The whole screen shows every record's jobs: `jobs.view` for all records. (The route layer
/// lets in those with `jobs.view` for their own records too; they have [`mine`].)
fn require_all(actor: &Actor) -> AppResult<()> {
    match actor.require(Capability::JOBS_VIEW)? {
        Grant::All => Ok(()),
        Grant::Own => Err(AuthError::Forbidden(Capability::JOBS_VIEW.0).into()),
    }
}

/// Whether `actor` may act on jobs (shows the action buttons).
fn can_act(actor: &Actor) -> bool {
    actor.grant(Capability::RETRY_JOBS).is_some()
}

fn set_of(name: &str) -> AppResult<(SortedSet, &'static str, &'static str)> {
    match name {
        "scheduled" => Ok((SortedSet::Schedule, "scheduled", "Scheduled")),
        "retries" => Ok((SortedSet::Retry, "retries", "Retries")),
        "dead" => Ok((SortedSet::Dead, "dead", "Dead")),
        _ => Err(AppError::NotFound),
    }
}

fn when(epoch: f64) -> String {
    chrono::DateTime::from_timestamp(epoch as i64, 0).map_or_else(String::new, |d| {
        d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    })
}

fn args_text(args: &[Value], limit: usize) -> String {
    let s = Value::Array(args.to_vec()).to_string();
    if s.chars().count() > limit {
        format!("{}…", s.chars().take(limit).collect::<String>())
    } else {
        s
    }
}

/// Previous and next links of a paged list; `base` ends in `?` or `&`.
#[derive(Debug, serde::Serialize)]
struct Pager {
    page: u64,
    total_pages: u64,
    prev_url: Option<String>,
    next_url: Option<String>,
}

impl Pager {
    fn new(page: u64, total_pages: u64, base: &str) -> Self {
        Self {
            page,
            total_pages,
            prev_url: (page > 1).then(|| format!("{base}page={}", page - 1)),
            next_url: (page < total_pages).then(|| format!("{base}page={}", page + 1)),
        }
    }
}

fn chrome(actor: &Actor) -> AdminChrome {
    AdminChrome::new(actor, "/admin/jobs")
}
