//! The admin dashboard's view-model.
use serde::Serialize;

use super::{AdminChrome, audit::AuditRow};

/// One figure in the stat grid.
#[derive(Debug, Serialize)]
pub struct Count {
    pub label: &'static str,
    pub value: u64,
}

/// One registered model the reader may manage, with how many rows it has.
#[derive(Debug, Serialize)]
pub struct ModelLink {
    pub label: String,
    pub href: String,
    /// The row count, or "many" when the engine would not count it.
    pub count: String,
    /// Whether the reader may add one.
    pub add: bool,
}

/// A scheduled publish or unpublish that is overdue or went late.
#[derive(Debug, Serialize)]
pub struct Publishing {
    pub post_id: i32,
    pub title: String,
    /// What happened, in words.
    pub what: String,
}

/// `admin/dashboard.html`.
#[derive(Debug, Serialize)]
pub struct DashboardView {
    pub title: &'static str,
    pub admin: AdminChrome,
    pub counts: Vec<Count>,
    pub recent: Vec<AuditRow>,
    pub can_audit: bool,
    pub models: Vec<ModelLink>,
    /// Publishing that is overdue or went late (for those who may see posts).
    pub publishing: Vec<Publishing>,
}
