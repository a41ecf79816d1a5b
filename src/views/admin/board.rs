//! What the board (`admin/board.html`) is given.
use serde::Serialize;

use super::AdminChrome;

/// One post on the board.
#[derive(Debug, Serialize)]
pub struct CardView {
    pub id: i32,
    pub title: String,
    pub author: String,
    /// "changed …" or "goes up …", in the site's zone.
    pub when: String,
    /// Its review stage is past due.
    pub overdue: bool,
}

/// One column.
#[derive(Debug, Serialize)]
pub struct LaneView {
    pub key: String,
    pub label: String,
    pub count: u64,
    pub cards: Vec<CardView>,
    /// How many more stand here than are listed.
    pub more: u64,
}

/// An option of a filter.
#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// `admin/board.html`.
#[derive(Debug, Serialize)]
pub struct BoardPage {
    pub title: String,
    pub admin: AdminChrome,
    pub lanes: Vec<LaneView>,
    /// Empty for someone who sees only their own posts.
    pub authors: Vec<Choice>,
    pub tags: Vec<Choice>,
    pub filtered: bool,
}
