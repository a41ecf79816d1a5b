//! Fat models: the entities in `_entities/` plus the methods that do the work, each in one
//! transaction where it writes more than one row.
pub mod _entities;
pub mod comments;
pub mod media;
pub mod post_tags;
pub mod posts;
pub mod slug;
pub mod tags;
pub mod users;

use chrono::{DateTime, FixedOffset, SubsecRound, Utc};

/// The current time, in UTC, to whole microseconds: the precision both SQLite text and
/// PostgreSQL `timestamptz` keep, so a value read back compares equal to the one written.
#[must_use]
pub fn now() -> DateTime<FixedOffset> {
    Utc::now().trunc_subsecs(6).fixed_offset()
}

/// A page of results and the numbers the pager needs.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u64,
    pub per_page: u64,
    pub total_items: u64,
}

impl<T> Page<T> {
    #[must_use]
    pub fn total_pages(&self) -> u64 {
        self.total_items.div_ceil(self.per_page).max(1)
    }
}
