//! What the review queue (`admin/reviews.html`) is given.
use serde::Serialize;

use super::AdminChrome;

/// One post waiting in review.
#[derive(Debug, Serialize)]
pub struct QueueRow {
    pub id: i32,
    pub title: String,
    pub author: String,
    pub stage: String,
    /// "2 of 3".
    pub position: String,
    pub approvers: String,
    pub holder: Option<String>,
    pub due: Option<String>,
    pub overdue: bool,
    pub waiting_since: String,
}

/// One part of the queue.
#[derive(Debug, Serialize)]
pub struct Group {
    pub id: &'static str,
    pub heading: &'static str,
    pub caption: &'static str,
    /// What it says when empty.
    pub empty: &'static str,
    pub rows: Vec<QueueRow>,
}

/// `admin/reviews.html`: what waits on the viewer (a stage they approve that nobody else
/// holds), then the rest.
#[derive(Debug, Serialize)]
pub struct QueuePage {
    pub title: String,
    pub admin: AdminChrome,
    pub groups: [Group; 2],
    /// The list stops at its limit.
    pub limited: bool,
}
