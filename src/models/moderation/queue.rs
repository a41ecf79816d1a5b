//! The queue: cases filtered (type, reason, score, priority, age, status, claimed by,
//! source) and sorted (score or age), the counts the live header shows, and the ids a bulk
//! decision over a filter covers.
use chrono::Duration;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Func},
};
use serde::{Deserialize, Serialize};

use super::{
    Case, cases, flags,
    tags::{self, Tag},
};
use crate::models::now;

/// The queue's filters, as the page's query string carries them. Empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Filter {
    /// `comment`, `post` or `appeal`.
    pub kind: String,
    /// A report reason or rule name any of the case's flags has.
    pub reason: String,
    /// `report`, `rule`, `ai` or `appeal`: a source any of its flags has.
    pub source: String,
    /// `low`, `medium` or `high`: at least this priority.
    pub priority: String,
    pub min_score: Option<f64>,
    /// `overdue` (past the target time), or a number of hours the case is at least as old as.
    pub age: String,
    /// Empty: open and escalated; or `open`, `escalated`, `closed`, `all`.
    pub status: String,
    /// `unclaimed`, `mine`, or a person's id.
    pub claimed: String,
    /// `score` (highest first, the default), `oldest` or `newest`.
    pub sort: String,
}

const PRIORITIES: &[&str] = &["low", "medium", "high"];

impl Filter {
    /// The filter as a condition on cases, for `me` (for `claimed=mine`), with
    /// `target_hours` as the target time.
    #[must_use]
    pub fn condition(&self, me: i32, target_hours: i64) -> Condition {
        self.condition_walked(me, target_hours, true)
    }

    /// [`Self::condition`] for a count on `backend`, which reads no order. On PostgreSQL the
    /// priority is a plain `IN`, so the planner estimates the matches: it misjudged the
    /// `COALESCE` by a factor of a hundred and scanned the whole table in parallel (10 ms for
    /// a count capped at 1,001, 4 ms without). SQLite counts as fast either way, a little
    /// faster through the `COALESCE`.
    #[must_use]
    pub fn count_condition(
        &self,
        me: i32,
        target_hours: i64,
        backend: sea_orm::DatabaseBackend,
    ) -> Condition {
        self.condition_walked(
            me,
            target_hours,
            backend == sea_orm::DatabaseBackend::Sqlite,
        )
    }

    fn condition_walked(&self, me: i32, target_hours: i64, in_order: bool) -> Condition {
        let at = now();
        let mut c = Condition::all();
        c = match self.status.as_str() {
            "all" => c,
            "open" | "escalated" | "closed" => c.add(cases::Column::Status.eq(self.status.clone())),
            _ => c.add(cases::Column::Status.is_in(["open", "escalated"])),
        };
        if matches!(self.kind.as_str(), "comment" | "post" | "appeal") {
            c = c.add(cases::Column::TargetType.eq(self.kind.clone()));
        }
        if !self.reason.is_empty() {
            c = c.add(tags::condition(Tag::Reason, &self.reason));
        }
        if !self.source.is_empty() {
            c = c.add(tags::condition(Tag::Source, &self.source));
        }
        if let Some(i) = PRIORITIES.iter().position(|p| *p == self.priority)
            && !in_order
        {
            c = c.add(cases::Column::Priority.is_in(PRIORITIES[i..].to_vec()));
        } else if let Some(i) = PRIORITIES.iter().position(|p| *p == self.priority) {
            // Through COALESCE (the column is never null), so no index on the priority is
            // used: the planners then walk the sort order's index and stop at a page, where
            // SQLite would otherwise collect every match by (status, priority) and sort them.
            c = c.add(
                Expr::expr(Func::coalesce([
                    Expr::col((cases::Entity, cases::Column::Priority)),
                    Expr::val(""),
                ]))
                .is_in(PRIORITIES[i..].to_vec()),
            );
        }
        if let Some(s) = self.min_score.filter(|s| s.is_finite()) {
            c = c.add(cases::Column::Score.gte(s));
        }
        let hours = if self.age == "overdue" {
            Some(target_hours)
        } else {
            self.age
                .parse::<i64>()
                .ok()
                .filter(|h| (1..=24 * 3650).contains(h))
        };
        if let Some(h) = hours {
            c = c.add(cases::Column::OpenedAt.lt(at - Duration::hours(h)));
        }
        let held = Condition::all()
            .add(cases::Column::ClaimedById.is_not_null())
            .add(cases::Column::ClaimExpiresAt.gt(at));
        c = match self.claimed.as_str() {
            "" => c,
            "unclaimed" => c.add(held.not()),
            "mine" => c.add(held.add(cases::Column::ClaimedById.eq(me))),
            other => match other.parse::<i32>() {
                Ok(id) => c.add(held.add(cases::Column::ClaimedById.eq(id))),
                Err(_) => c,
            },
        };
        c
    }

    fn ordered(&self, q: sea_orm::Select<cases::Entity>) -> sea_orm::Select<cases::Entity> {
        match self.sort.as_str() {
            "oldest" => q
                .order_by_asc(cases::Column::OpenedAt)
                .order_by_asc(cases::Column::Id),
            "newest" => q
                .order_by_desc(cases::Column::OpenedAt)
                .order_by_desc(cases::Column::Id),
            _ => q
                .order_by_desc(cases::Column::Score)
                .order_by_desc(cases::Column::Id),
        }
    }

    /// Whether any filter is set (beyond the sort).
    #[must_use]
    pub fn is_filtered(&self) -> bool {
        Self {
            sort: String::new(),
            ..self.clone()
        } != Self::default()
    }
}

/// One page of the queue (`page` from 1), and how many cases match in all.
///
/// # Errors
/// Database errors.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    me: i32,
    target_hours: i64,
    page: u64,
    per_page: u64,
) -> Result<(Vec<Case>, u64), DbErr> {
    let total = cases::Entity::find()
        .filter(filter.count_condition(me, target_hours, db.get_database_backend()))
        .count(db)
        .await?;
    let rows = page_rows(db, filter, me, target_hours, page, per_page).await?;
    Ok((rows, total))
}

/// How far [`count_capped`] counts: a filter matching more is shown as "more than" this.
pub const COUNT_CAP: u64 = 1000;

/// How many cases `filter` matches, counting no further than [`COUNT_CAP`] + 1 (an exact
/// count of a filter over 100,000 open cases costs many times the page itself), and whether
/// it stopped there.
///
/// # Errors
/// Database errors.
pub async fn count_capped<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    me: i32,
    target_hours: i64,
) -> Result<(u64, bool), DbErr> {
    // A constant, not the id: with the reason filter on the index's tags, PostgreSQL then
    // answers from the index alone.
    let ones: Vec<i32> = cases::Entity::find()
        .filter(filter.count_condition(me, target_hours, db.get_database_backend()))
        .select_only()
        .expr(Expr::val(1))
        .limit(COUNT_CAP + 1)
        .into_tuple()
        .all(db)
        .await?;
    let n = ones.len() as u64;
    Ok((std::cmp::min(n, COUNT_CAP), n > COUNT_CAP))
}

/// One page of the queue without the total: [`page`]'s rows, for a caller that knows how
/// many cases match (without a filter, [`Counts::open`]), since counting 100,000 open cases
/// costs more than the page itself.
///
/// The page's ids are found first and the rows read after: the skipped cases of a later
/// page are then entries of the order's index (which holds the status), not table rows.
///
/// # Errors
/// Database errors.
pub async fn page_rows<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    me: i32,
    target_hours: i64,
    page: u64,
    per_page: u64,
) -> Result<Vec<Case>, DbErr> {
    let ids = filter
        .ordered(
            cases::Entity::find()
                .select_only()
                .column(cases::Column::Id)
                .filter(filter.condition(me, target_hours)),
        )
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .into_query();
    filter
        .ordered(cases::Entity::find().filter(cases::Column::Id.in_subquery(ids)))
        .all(db)
        .await
}

/// The ids of the cases `filter` matches with an id of at most `max_id` (so cases that
/// arrive after a confirmation are not swept in), at most `limit`.
///
/// # Errors
/// Database errors.
pub async fn ids<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    me: i32,
    target_hours: i64,
    max_id: i32,
    limit: u64,
) -> Result<Vec<i32>, DbErr> {
    filter
        .ordered(
            cases::Entity::find()
                .filter(filter.condition(me, target_hours))
                .filter(cases::Column::Id.lte(max_id)),
        )
        .select_only()
        .column(cases::Column::Id)
        .limit(limit)
        .into_tuple::<i32>()
        .all(db)
        .await
}

/// The case after (or before) `case` in `filter`'s order, for "next" and "previous".
///
/// # Errors
/// Database errors.
pub async fn neighbour<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    me: i32,
    target_hours: i64,
    case: &Case,
    forward: bool,
) -> Result<Option<i32>, DbErr> {
    let cond = filter.condition(me, target_hours);
    // In score order (the default): next is lower score, or same score and lower id. As a
    // row-value comparison, which both databases read as one range of the `(score, id)`
    // index; the equivalent OR of two conditions made SQLite sort every lower case.
    let key = Expr::tuple([
        Expr::col((cases::Entity, cases::Column::Score)),
        Expr::col((cases::Entity, cases::Column::Id)),
    ]);
    let this = Expr::tuple([Expr::val(case.score), Expr::val(case.id)]);
    let q = cases::Entity::find().filter(cond).filter(if forward {
        key.lt(this)
    } else {
        key.gt(this)
    });
    let q = if forward {
        q.order_by_desc(cases::Column::Score)
            .order_by_desc(cases::Column::Id)
    } else {
        q.order_by_asc(cases::Column::Score)
            .order_by_asc(cases::Column::Id)
    };
    q.select_only()
        .column(cases::Column::Id)
        .into_tuple::<i32>()
        .one(db)
        .await
}

/// What the queue's header counts, live.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, FromQueryResult)]
pub struct Counts {
    pub open: i64,
    pub high: i64,
    pub unclaimed: i64,
    pub overdue: i64,
    pub escalated: i64,
    pub appeals: i64,
}

/// The header's counts, in one query: each a count over one index range (migration
/// `m20261203_000021_moderation_indexes`) rather than one pass over every open case. Unclaimed
/// and overdue are the open cases less those held and those within the target time, which
/// are the smaller ranges in a working queue.
///
/// # Errors
/// Database errors.
pub async fn counts<C: ConnectionTrait>(db: &C, target_hours: i64) -> Result<Counts, DbErr> {
    let at = now();
    let active = "status IN ('open', 'escalated')";
    // Held: claimed and not lapsed (`claim_expires_at <= now` is neither true nor false
    // without an expiry, so such a claim holds, as it did when this was one pass).
    let sql = format!(
        "SELECT \
           o.n AS open, \
           (SELECT COUNT(*) FROM mod_cases WHERE {active} AND priority = 'high') AS high, \
           o.n - (SELECT COUNT(*) FROM mod_cases WHERE claimed_by_id IS NOT NULL AND {active} \
             AND (claim_expires_at > $1 OR claim_expires_at IS NULL)) AS unclaimed, \
           o.n - (SELECT COUNT(*) FROM mod_cases WHERE {active} AND opened_at >= $2) AS overdue, \
           (SELECT COUNT(*) FROM mod_cases WHERE status = 'escalated') AS escalated, \
           (SELECT COUNT(*) FROM mod_cases WHERE target_type = 'appeal' AND {active}) AS appeals \
         FROM (SELECT COUNT(*) AS n FROM mod_cases WHERE {active}) AS o"
    );
    let backend = db.get_database_backend();
    let sql = if backend == sea_orm::DatabaseBackend::Sqlite {
        sql.replace("$1", "?").replace("$2", "?")
    } else {
        sql
    };
    let stmt = sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [at.into(), (at - Duration::hours(target_hours)).into()],
    );
    Ok(Counts::find_by_statement(stmt)
        .one(db)
        .await?
        .unwrap_or_default())
}

/// Where the cases stand, cheaply: the newest case, flag and mod log row and the latest case
/// update (each the end of an index). Every write to a case either adds a case, a flag or a
/// mod log row or moves `updated_at`, so two equal markers mean no case changed between
/// them, and figures computed at one still hold at the other but for the passing of time.
#[derive(Debug, Clone, Default, PartialEq, Eq, FromQueryResult)]
pub struct Marker {
    pub cases: Option<i64>,
    pub flags: Option<i64>,
    pub log: Option<i64>,
    pub updated: Option<String>,
}

/// The [`Marker`] now (one query of four index look-ups).
///
/// # Errors
/// Database errors.
pub async fn marker<C: ConnectionTrait>(db: &C) -> Result<Marker, DbErr> {
    let backend = db.get_database_backend();
    let stmt = sea_orm::Statement::from_string(
        backend,
        "SELECT \
           (SELECT CAST(MAX(id) AS BIGINT) FROM mod_cases) AS cases, \
           (SELECT CAST(MAX(id) AS BIGINT) FROM mod_flags) AS flags, \
           (SELECT CAST(MAX(id) AS BIGINT) FROM mod_log) AS log, \
           (SELECT CAST(MAX(updated_at) AS TEXT) FROM mod_cases) AS updated",
    );
    Ok(Marker::find_by_statement(stmt)
        .one(db)
        .await?
        .unwrap_or_default())
}

/// What each of `cases` is about, as it reads now: a comment's text, a post's title, an
/// appeal's words (three queries, whatever the number of cases). A case whose target is
/// gone is missing.
///
/// # Errors
/// Database errors.
pub async fn contents<C: ConnectionTrait>(
    db: &C,
    cases: &[Case],
) -> Result<std::collections::HashMap<i32, String>, DbErr> {
    use crate::models::{_entities::appeals, comments, posts};
    let ids = |kind: &str| -> Vec<i32> {
        cases
            .iter()
            .filter(|c| c.target_type == kind)
            .map(|c| c.target_id)
            .collect()
    };
    let mut by_target = std::collections::HashMap::new();
    for c in comments::Entity::find()
        .filter(comments::Column::Id.is_in(ids("comment")))
        .all(db)
        .await?
    {
        by_target.insert(("comment", c.id), c.body);
    }
    for p in posts::Entity::find()
        .filter(posts::Column::Id.is_in(ids("post")))
        .all(db)
        .await?
    {
        by_target.insert(("post", p.id), p.title);
    }
    for a in appeals::Entity::find()
        .filter(appeals::Column::Id.is_in(ids("appeal")))
        .all(db)
        .await?
    {
        by_target.insert(("appeal", a.id), a.text);
    }
    Ok(cases
        .iter()
        .filter_map(|c| {
            let kind = match c.target_type.as_str() {
                "comment" => "comment",
                "post" => "post",
                _ => "appeal",
            };
            by_target
                .get(&(kind, c.target_id))
                .map(|t| (c.id, t.clone()))
        })
        .collect())
}

/// The undecided flags' reasons and sources of each of `case_ids`, in one query.
///
/// # Errors
/// Database errors.
pub async fn reasons<C: ConnectionTrait>(
    db: &C,
    case_ids: &[i32],
) -> Result<std::collections::HashMap<i32, Vec<(String, String)>>, DbErr> {
    let rows: Vec<(i32, String, String)> = flags::Entity::find()
        .filter(flags::Column::CaseId.is_in(case_ids.to_vec()))
        .filter(flags::Column::Outcome.eq("pending"))
        .select_only()
        .column(flags::Column::CaseId)
        .column(flags::Column::Reason)
        .column(flags::Column::Source)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: std::collections::HashMap<i32, Vec<(String, String)>> =
        std::collections::HashMap::new();
    for (case, reason, source) in rows {
        out.entry(case).or_default().push((reason, source));
    }
    Ok(out)
}
