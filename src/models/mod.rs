//! Fat models: the entities in `_entities/` plus the methods that do the work, each in one
//! transaction where it writes more than one row.
/// Declares a closed set of values stored as text, with `ALL`, `as_str` and `parse`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        $vis enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

pub mod _entities;
pub mod api_tokens;
pub mod audit;
pub mod comments;
pub mod input;
pub mod login_attempts;
pub mod mail;
pub mod media;
pub mod moderation;
pub mod notifications;
pub mod people;
pub mod post_tags;
pub mod posts;
pub mod sessions;
pub mod slug;
pub mod tags;
pub mod user_tokens;
pub mod users;
pub mod write;

pub use write::{Tally, WriteError};

use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use sea_orm::ActiveValue::{self, Set};

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

/// The deepest page any list offers. Nobody pages that far, and it keeps every offset far
/// below what the database drivers accept (a larger one panics inside the driver).
pub const MAX_PAGE: u64 = 1_000_000;

/// A `?page=N` value as every list reads it: anything unparsable or below 1 is page 1, and
/// anything above [`MAX_PAGE`] is [`MAX_PAGE`], which each list answers as it answers any
/// page past its last.
#[must_use]
pub fn page_number(raw: Option<&str>) -> u64 {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return 1;
    };
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return 1;
    }
    raw.parse::<u64>().unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE)
}

/// The row offset of page `page` (from 1, bounded by [`MAX_PAGE`]).
#[must_use]
pub fn page_offset(page: u64, per_page: u64) -> u64 {
    (page.clamp(1, MAX_PAGE) - 1).saturating_mul(per_page)
}

/// Runs `query` (already filtered and ordered) for page `page` (from 1, bounded by
/// [`MAX_PAGE`]), with its total.
///
/// # Errors
/// When the database cannot be queried.
pub async fn page_of<E, C>(
    db: &C,
    query: sea_orm::Select<E>,
    page: u64,
    per_page: u64,
) -> Result<Page<E::Model>, sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::{PaginatorTrait, QuerySelect};
    let page = page.clamp(1, MAX_PAGE);
    let per_page = per_page.max(1);
    let total_items = query.clone().count(db).await?;
    let items = query
        .limit(per_page)
        .offset(page_offset(page, per_page))
        .all(db)
        .await?;
    Ok(Page {
        items,
        page,
        per_page,
        total_items,
    })
}

impl<T> Page<T> {
    #[must_use]
    pub fn total_pages(&self) -> u64 {
        self.total_items.div_ceil(self.per_page).max(1)
    }
}

/// Sets `created_at` on insert and `updated_at` on every save; values an insert brings (an
/// import, the demo seed) are kept.
pub fn stamp(
    insert: bool,
    created_at: &mut ActiveValue<DateTime<FixedOffset>>,
    updated_at: &mut ActiveValue<DateTime<FixedOffset>>,
) {
    let ts = now();
    if insert && created_at.is_not_set() {
        *created_at = Set(ts);
    }
    if !(insert && updated_at.is_set()) {
        *updated_at = Set(ts);
    }
}
