//! `copydesk-cli task seed_bench posts:100000`: fills the posts table with generated posts for
//! the admin list benchmark (`benches/admin_changelist.py`). Rows go in as multi-row inserts,
//! [`ROWS_PER_STATEMENT`] per statement and [`ROWS_PER_TRANSACTION`] per transaction, so
//! 100,000 posts take seconds on SQLite and PostgreSQL alike.
//!
//! Titles combine word lists: "<adjective> <noun> <template> <place>". Every title names one
//! of [`PLACES`], chosen uniformly, so a search for a word only one place holds ("harbour")
//! matches about 1% of the rows. Slugs end in a sequence number, so they are unique.
//!
//! `cases:N reports:M` add N open moderation cases (on N generated comments) and M flags over
//! them for the moderation benchmark (`benches/moderation.py`); see [`cases`].
use chrono::{DateTime, Duration, FixedOffset};
use loco_rs::{
    app::AppContext,
    task::{Task, TaskInfo, Vars},
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::{
    markdown,
    models::{
        now,
        posts::{self, PostState, Visibility},
        slug,
        users::{self, Role, UserForm},
    },
};

/// Rows in one `INSERT`: 1,000 rows of 15 columns stay under both databases' bind limits.
const ROWS_PER_STATEMENT: usize = 1_000;
/// Rows written per transaction.
const ROWS_PER_TRANSACTION: usize = 5_000;
const DEFAULT_POSTS: u64 = 100_000;
/// The account that writes the posts when no author or editor exists.
const BENCH_AUTHOR_EMAIL: &str = "bench-author@example.com";

mod cases;

pub struct SeedBench;

#[async_trait::async_trait]
impl Task for SeedBench {
    fn task(&self) -> TaskInfo {
        TaskInfo {
            name: "seed_bench".to_string(),
            detail: "Insert generated posts for benchmarks until there are posts:N (default \
                     100000); cases:N reports:M add open moderation cases and their flags"
                .to_string(),
        }
    }

    async fn run(&self, ctx: &AppContext, vars: &Vars) -> loco_rs::Result<()> {
        let target = number(vars, "posts")?.unwrap_or(DEFAULT_POSTS);
        let cases = number(vars, "cases")?.unwrap_or(0);
        // Five reports a case unless told otherwise.
        let reports = number(vars, "reports")?.unwrap_or(cases.saturating_mul(5));
        let written = seed(&ctx.db, target).await?;
        println!("seed_bench: {written} posts written");
        if cases > 0 {
            let settings = crate::settings::Settings::get(ctx)?;
            let (cases, flags) = cases::seed(&ctx.db, &settings.security, cases, reports).await?;
            println!("seed_bench: {cases} cases and {flags} flags written");
        }
        Ok(())
    }
}

/// The argument `name:N` as a number (underscores allowed), if given.
fn number(vars: &Vars, name: &str) -> loco_rs::Result<Option<u64>> {
    match vars.cli_arg(name) {
        Ok(n) => n
            .trim()
            .replace('_', "")
            .parse::<u64>()
            .map(Some)
            .map_err(|_| loco_rs::Error::string(&format!("{name}:{n} is not a number"))),
        Err(_) => Ok(None),
    }
}

/// Inserts generated posts until the table holds at least `target`; returns how many it wrote.
///
/// # Errors
/// When the database cannot be read or written.
pub async fn seed(db: &DatabaseConnection, target: u64) -> loco_rs::Result<u64> {
    let existing = posts::Entity::find().count(db).await?;
    if existing >= target {
        println!("seed_bench: {existing} posts already, nothing to do");
        return Ok(0);
    }
    let missing = target - existing;
    let authors = authors(db).await?;
    // Slugs end in a number above every id so far, so a second run never collides with the
    // first (nor with the demo's slugs, which end in words).
    let max_id: Option<i32> = posts::Entity::find()
        .select_only()
        .column(posts::Column::Id)
        .order_by_desc(posts::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    let first = u64::try_from(max_id.unwrap_or(0)).unwrap_or(0) + 1;
    let started = std::time::Instant::now();
    let at = now();
    let mut written = 0u64;
    while written < missing {
        let txn = crate::db::begin_write(db).await?;
        let in_txn = (missing - written).min(ROWS_PER_TRANSACTION as u64);
        let mut done = 0u64;
        while done < in_txn {
            let rows = (in_txn - done).min(ROWS_PER_STATEMENT as u64);
            let batch: Vec<posts::ActiveModel> = (0..rows)
                .map(|k| generate(first + written + done + k, &authors, at))
                .collect();
            posts::Entity::insert_many(batch)
                .exec_without_returning(&txn)
                .await?;
            done += rows;
        }
        txn.commit().await?;
        written += in_txn;
        if written.is_multiple_of(20_000) || written == missing {
            println!(
                "seed_bench: {written}/{missing} posts ({:.1}s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(written)
}

/// Ids of the staff who write: authors and editors, or one account made for the purpose.
async fn authors(db: &DatabaseConnection) -> loco_rs::Result<Vec<i32>> {
    let ids: Vec<i32> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Role.is_in([Role::Author.as_str(), Role::Editor.as_str()]))
        .order_by_asc(users::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    if !ids.is_empty() {
        return Ok(ids);
    }
    let form = UserForm {
        email: BENCH_AUTHOR_EMAIL.into(),
        display_name: "Bench Author".into(),
        bio: "Writes the generated posts of the benchmarks.".into(),
        role: Role::Author.as_str().into(),
    };
    let user = users::Model::create_user(db, &form)
        .await
        .map_err(loco_rs::Error::wrap)?;
    println!("seed_bench: created the author {BENCH_AUTHOR_EMAIL}");
    Ok(vec![user.id])
}

/// SplitMix64: a fixed, dependency-free sequence, so the same `n` always makes the same post.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        &items[i]
    }

    /// A duration of up to `secs` seconds, to the microsecond.
    fn secs(&mut self, secs: i64) -> Duration {
        let micros = secs.unsigned_abs().saturating_mul(1_000_000);
        Duration::microseconds(i64::try_from(self.below(micros)).unwrap_or(0))
    }
}

const DAY: i64 = 24 * 60 * 60;
/// Posts were created over the last five years.
const SPAN: i64 = 5 * 365 * DAY;

/// Post number `n`: title, slug, texts, state, author and dates.
fn generate(n: u64, authors: &[i32], at: DateTime<FixedOffset>) -> posts::ActiveModel {
    let mut rng = Rng(n.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let adjective = rng.pick(ADJECTIVES);
    let noun = rng.pick(NOUNS);
    let place = rng.pick(PLACES);
    let title = match rng.below(6) {
        0 => format!("The {adjective} {noun} of {place}"),
        1 => format!(
            "{} {}: notes from {place}",
            capitalize(adjective),
            plural(noun)
        ),
        2 => format!("How {place} learned to love the {adjective} {noun}"),
        3 => format!("A {adjective} week in {place}"),
        4 => format!("In {place}, the {noun} is {adjective} again"),
        _ => format!("What the {noun} taught us in {place}"),
    };
    let slug = format!("{}-{n}", slug::slugify(&title, "post"));
    // Another noun than the title's, for the summary and body.
    let other = loop {
        let other = rng.pick(NOUNS);
        if other != noun {
            break other;
        }
    };
    let summary = format!(
        "{} reporting on {} and {} in {place}, with the people who keep them going.",
        capitalize(rng.pick::<&str>(ADJECTIVES)),
        plural(noun),
        plural(other)
    );
    let body = format!(
        "## {title}\n\n\
         Our correspondent spent a {adjective} week in {place} looking at the {noun} and \
         everything around it. *Nobody* expected the {other} to matter as much as it did.\n\n\
         - what the {noun} costs\n- who looks after the {other}\n- what changes next year\n\n\
         More in the next issue. See [the archive](/posts) for earlier reports.\n"
    );
    let state = state(rng.below(100));
    let visibility = match rng.below(100) {
        0..80 => Visibility::Public,
        80..95 => Visibility::Members,
        _ => Visibility::Paid,
    };
    let created = at - rng.secs(SPAN);
    let published_at = match state {
        PostState::Published | PostState::Archived => Some((created + rng.secs(7 * DAY)).min(at)),
        _ => None,
    };
    let scheduled_at = (state == PostState::Scheduled).then(|| at + rng.secs(60 * DAY));
    let updated = (published_at.unwrap_or(created) + rng.secs(30 * DAY)).min(at);
    posts::ActiveModel {
        title: Set(title),
        slug: Set(slug),
        summary: Set(summary),
        body_html: Set(markdown::render_post(&body)),
        reading_minutes: Set(i32::try_from(markdown::reading_minutes(&body)).unwrap_or(i32::MAX)),
        body_markdown: Set(body),
        state: Set(state.as_str().to_string()),
        visibility: Set(visibility.as_str().to_string()),
        author_id: Set(*rng.pick(authors)),
        published_at: Set(published_at),
        scheduled_at: Set(scheduled_at),
        created_at: Set(created),
        updated_at: Set(updated),
        lock_version: Set(0),
        ..Default::default()
    }
}

/// Most posts are published; some in every other state.
const fn state(percentile: u64) -> PostState {
    match percentile {
        0..60 => PostState::Published,
        60..75 => PostState::Draft,
        75..83 => PostState::InReview,
        83..88 => PostState::Approved,
        88..92 => PostState::Scheduled,
        _ => PostState::Archived,
    }
}

/// "bakery" → "bakeries", "clock" → "clocks": enough English for [`NOUNS`].
fn plural(noun: &str) -> String {
    match noun.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'o', 'u']) => format!("{stem}ies"),
        _ => format!("{noun}s"),
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

const ADJECTIVES: &[&str] = &[
    "quiet",
    "late",
    "early",
    "forgotten",
    "busy",
    "patient",
    "small",
    "long",
    "narrow",
    "crowded",
    "honest",
    "careful",
    "hidden",
    "stubborn",
    "gentle",
    "restless",
    "bright",
    "cold",
    "warm",
    "slow",
    "old",
    "new",
    "last",
    "first",
    "strange",
    "ordinary",
    "public",
    "private",
    "open",
    "closed",
    "broken",
    "mended",
    "unlikely",
    "second",
    "golden",
    "grey",
    "wet",
    "dry",
    "loud",
    "modest",
];

const NOUNS: &[&str] = &[
    "baker",
    "bridge",
    "market",
    "ferry",
    "library",
    "garden",
    "kitchen",
    "printer",
    "tram",
    "bicycle",
    "bakery",
    "school",
    "choir",
    "clock",
    "lighthouse",
    "orchard",
    "theatre",
    "newspaper",
    "map",
    "recipe",
    "experiment",
    "telescope",
    "archive",
    "workshop",
    "canal",
    "river",
    "station",
    "café",
    "laboratory",
    "museum",
    "editor",
    "reporter",
    "typesetter",
    "dictionary",
    "budget",
    "council",
    "festival",
    "harvest",
    "winter",
    "summer",
    "night shift",
    "queue",
    "neighbour",
    "tenant",
    "landlord",
    "courier",
    "engine",
    "signal",
    "lantern",
    "umbrella",
];

/// One hundred places; only "Harbour Street" holds "harbour", so it is the 1% search word.
const PLACES: &[&str] = &[
    "Harbour Street",
    "Mill Lane",
    "the Old Market",
    "Kettle Yard",
    "Station Road",
    "the North Quay",
    "Church Row",
    "Baker's Hill",
    "Ropewalk",
    "the Tannery",
    "Orchard Close",
    "Fishmarket Square",
    "the Long Walk",
    "Canal Side",
    "Foundry Lane",
    "the Brickworks",
    "Chapel Street",
    "Weavers' Row",
    "the Common",
    "Saltmarsh",
    "Lighthouse Point",
    "the Viaduct",
    "Cornmarket",
    "Rope Street",
    "the Mews",
    "Tanners' Lane",
    "Castle Green",
    "Abbey Road",
    "the High Street",
    "Pump Lane",
    "Glasshouse Street",
    "the Arcade",
    "Bell Yard",
    "Ferry Lane",
    "Windmill Hill",
    "the Allotments",
    "Tram Depot",
    "Printers' Alley",
    "Dockside",
    "the Old Mill",
    "Queen's Parade",
    "King Street",
    "Market Place",
    "Hop Gardens",
    "Brewery Lane",
    "the Wharf",
    "Cinder Path",
    "Ironbridge",
    "Watermeadow",
    "Clock Tower Square",
    "Goose Green",
    "the Moor",
    "Hollow Way",
    "Sand Lane",
    "the Steps",
    "Gasworks Road",
    "Cherry Orchard",
    "Lime Kilns",
    "Potters' Field",
    "the Embankment",
    "Cable Street",
    "Ship Lane",
    "Anchor Yard",
    "Tollgate",
    "the Crescent",
    "Riverside",
    "Upper Town",
    "Lower Town",
    "the Terraces",
    "Signal Box Lane",
    "Observatory Hill",
    "College Green",
    "Library Walk",
    "the Promenade",
    "Pier Road",
    "Coal Yard",
    "Bakehouse Lane",
    "Netmakers' Row",
    "the Marshes",
    "Oyster Bay",
    "Wool Exchange",
    "Lamplighters' Lane",
    "the Meadows",
    "Bridge End",
    "Quarry Road",
    "Furnace Lane",
    "Old Customs House",
    "Sailmakers' Court",
    "Mulberry Walk",
    "the Junction",
    "Whitecross",
    "Blackfriars",
    "Greyfriars",
    "Seven Dials",
    "Nine Elms",
    "Two Mills",
    "Threadneedle Lane",
    "Cooper's Row",
    "Salt Street",
    "Gallows Hill",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harbour_is_one_place_in_a_hundred() {
        assert_eq!(PLACES.len(), 100);
        let with = |word: &str| {
            ADJECTIVES
                .iter()
                .chain(NOUNS)
                .chain(PLACES)
                .filter(|w| w.to_lowercase().contains(word))
                .count()
        };
        assert_eq!(with("harbour"), 1);
    }

    #[test]
    fn plurals() {
        assert_eq!(plural("bakery"), "bakeries");
        assert_eq!(plural("clock"), "clocks");
        assert_eq!(plural("night shift"), "night shifts");
    }

    #[test]
    fn generated_posts_are_varied_and_unique() {
        let at = now();
        let mut slugs = std::collections::HashSet::new();
        let mut harbour = 0;
        let mut states = std::collections::HashSet::new();
        for n in 1..=10_000 {
            let post = generate(n, &[1, 2], at);
            let (Set(slug), Set(title), Set(state)) = (post.slug, post.title, post.state) else {
                panic!("unset fields");
            };
            assert!(slugs.insert(slug));
            harbour += usize::from(title.to_lowercase().contains("harbour"));
            states.insert(state);
        }
        assert!((50..150).contains(&harbour), "{harbour} harbour titles");
        assert_eq!(states.len(), PostState::ALL.len());
    }
}
