//! What the moderation screens (`admin/moderation/*.html`) are given: the queue, a case,
//! the bulk confirmation and the mod log.
use serde::Serialize;

use super::AdminChrome;
use crate::{models::moderation::queue::Counts, views::forms::FieldErrors};

/// A choice in a filter or form select.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    #[must_use]
    pub fn new(value: &str, label: &str, current: &str) -> Self {
        Self {
            value: value.to_string(),
            label: label.to_string(),
            selected: value == current,
        }
    }
}

/// One filter of the queue, as a labelled select.
#[derive(Debug, Serialize)]
pub struct FilterField {
    pub name: &'static str,
    pub label: &'static str,
    pub choices: Vec<Choice>,
}

/// One case in the queue.
#[derive(Debug, Serialize)]
pub struct CaseRow {
    pub id: i32,
    pub url: String,
    pub kind: String,
    /// The content as it is now, shortened.
    pub excerpt: String,
    pub author: String,
    /// "spam ×2, links".
    pub reasons: String,
    pub sources: String,
    pub score: String,
    pub priority: String,
    pub status: String,
    pub hidden: bool,
    pub removed: bool,
    pub claimed_by: Option<String>,
    pub mine: bool,
    /// "5 h of 24 h" or "overdue by 3 h".
    pub age: String,
    pub overdue: bool,
}

/// `admin/moderation/queue.html`.
#[derive(Debug, Serialize)]
pub struct QueuePage {
    pub title: String,
    pub admin: AdminChrome,
    pub flash: Option<String>,
    pub counts: Counts,
    pub filters: Vec<FilterField>,
    pub min_score: String,
    pub rows: Vec<CaseRow>,
    pub total: u64,
    /// More than `total` match (a filter's count stops at `queue::COUNT_CAP`).
    pub capped: bool,
    pub page: u64,
    pub pages: u64,
    /// The filter as a query string (without `page`), for the pager and the bulk form.
    pub query: String,
    pub filtered: bool,
    /// "highest score first", "oldest first", "newest first".
    pub sort_label: &'static str,
    pub target_hours: i64,
    pub decision_reasons: Vec<Choice>,
    /// The highest case id when the page was made: a bulk action over the filter goes no
    /// further, so cases that arrive meanwhile are not swept in.
    pub max_id: i32,
    pub errors: FieldErrors,
}

/// One flag on a case.
#[derive(Debug, Serialize)]
pub struct FlagRow {
    pub id: i32,
    pub source: String,
    pub reason: String,
    pub text: String,
    pub reporter: String,
    pub points: String,
    pub weight: String,
    pub accuracy: String,
    pub counted: bool,
    pub outcome: String,
    pub at: String,
}

/// One earlier case or sanction of the same author.
#[derive(Debug, Serialize)]
pub struct HistoryRow {
    pub what: String,
    pub url: Option<String>,
    pub at: String,
    pub counts: bool,
}

/// One mod log row.
#[derive(Debug, Serialize)]
pub struct LogRow {
    pub id: i32,
    pub action: String,
    pub moderator: String,
    pub target: String,
    pub target_url: Option<String>,
    pub subject: String,
    pub reason: String,
    pub note: String,
    pub at: String,
}

/// The appeal a case is about.
#[derive(Debug, Serialize)]
pub struct AppealView {
    pub id: i32,
    pub text: String,
    pub snapshot: String,
    pub status: String,
    /// What is appealed, in words, with a link to the original case if any.
    pub against: String,
    pub against_url: Option<String>,
    pub original_moderator: String,
    /// The viewer took the action appealed, so may not decide it.
    pub viewer_acted: bool,
    pub decision_note: String,
}

/// `admin/moderation/case.html`.
#[derive(Debug, Serialize)]
pub struct CasePage {
    pub title: String,
    pub admin: AdminChrome,
    pub flash: Option<String>,
    pub errors: FieldErrors,
    pub id: i32,
    pub kind: String,
    pub target_id: i32,
    pub public_url: Option<String>,
    pub status: String,
    pub priority: String,
    pub score: String,
    pub hidden: bool,
    pub removed: bool,
    pub why: String,
    pub formula: String,
    pub age: String,
    pub overdue: bool,
    pub lock_version: i32,
    pub claimed_by: Option<String>,
    pub claim_until: Option<String>,
    pub mine: bool,
    pub held_by_other: bool,
    pub assigned_to: Option<String>,
    pub current: Option<String>,
    /// The content as the first flag found it, when it differs from now.
    pub snapshot: Option<String>,
    pub snapshot_at: String,
    pub changed: bool,
    pub author: String,
    pub author_id: Option<i32>,
    pub author_role: String,
    pub may_sanction: bool,
    pub flags: Vec<FlagRow>,
    pub history: Vec<HistoryRow>,
    pub log: Vec<LogRow>,
    pub decision_reasons: Vec<Choice>,
    pub sanction_reasons: Vec<Choice>,
    pub moderators: Vec<Choice>,
    pub appeal: Option<AppealView>,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    pub escalated_for_admin: bool,
    /// What was typed, when a form comes back with an error.
    pub typed_note: String,
    pub typed_message: String,
}

/// `admin/moderation/confirm.html`: a bulk decision, before it is made.
#[derive(Debug, Serialize)]
pub struct ConfirmPage {
    pub title: String,
    pub admin: AdminChrome,
    pub decision: String,
    pub decision_label: String,
    pub reason: String,
    pub note: String,
    pub scope: String,
    pub ids: Vec<i32>,
    pub count: usize,
    pub query: String,
    pub max_id: i32,
    /// The first few cases, so the person sees what they confirm.
    pub sample: Vec<CaseRow>,
}

/// `admin/moderation/log.html`.
#[derive(Debug, Serialize)]
pub struct LogPage {
    pub title: String,
    pub admin: AdminChrome,
    pub filters: Vec<FilterField>,
    pub target: String,
    pub from: String,
    pub to: String,
    pub rows: Vec<LogRow>,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    pub query: String,
}

/// One public transparency entry: no moderator names.
#[derive(Debug, Serialize)]
pub struct PublicLogRow {
    pub action: String,
    pub target: String,
    pub reason: String,
    pub at: String,
}

/// `public/moderation.html`.
#[derive(Debug, Serialize)]
pub struct TransparencyPage {
    pub title: String,
    pub rows: Vec<PublicLogRow>,
    pub page: u64,
    pub pages: u64,
    pub totals: Vec<Total>,
}

/// How many of one action the transparency page counts.
#[derive(Debug, Serialize)]
pub struct Total {
    pub label: String,
    pub count: u64,
}
