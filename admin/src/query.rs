//! The changelist's query: allowlisted search, filters and ordering, scoping to the user's
//! own rows, bounded counting, and the page of ids.
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, IdenStatic, IntoActiveModel, Iterable, Order, PrimaryKeyToColumn, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select,
    sea_query::{Alias, Expr, ExprTrait, LikeExpr, Query, extension::postgres::PgExpr},
};
use serde::Serialize;

use crate::values::{self, Kind};

/// The entities the engine can serve: one integer primary key, serializable rows.
pub trait AdminEntity:
    EntityTrait<
        Model: Serialize + Sync + Send + Clone + IntoActiveModel<Self::ActiveModel>,
        ActiveModel: Send + Sync + From<Self::Model>,
    > + Default
{
}

impl<E> AdminEntity for E where
    E: EntityTrait<
            Model: Serialize + Sync + Send + Clone + IntoActiveModel<E::ActiveModel>,
            ActiveModel: Send + Sync + From<E::Model>,
        > + Default
{
}

/// A column with what the pages need to know of it.
pub struct Col<E: EntityTrait> {
    pub col: E::Column,
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
}

impl<E: EntityTrait> Clone for Col<E> {
    fn clone(&self) -> Self {
        Self {
            col: self.col,
            name: self.name,
            kind: self.kind,
            nullable: self.nullable,
        }
    }
}

#[must_use]
pub fn columns<E: EntityTrait>() -> Vec<Col<E>> {
    E::Column::iter()
        .map(|col| {
            let def = col.def();
            Col {
                col,
                name: col.as_str(),
                kind: Kind::of(def.get_column_type()),
                nullable: def.is_null(),
            }
        })
        .collect()
}

#[must_use]
pub fn column<E: EntityTrait>(name: &str) -> Option<Col<E>> {
    columns::<E>().into_iter().find(|c| c.name == name)
}

/// The primary key column.
#[must_use]
pub fn pk<E: EntityTrait>() -> Option<Col<E>> {
    let key = E::PrimaryKey::iter().next()?;
    let name = key.into_column().as_str();
    column::<E>(name)
}

/// A filter the request asked for, already checked against the allowlist.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub field: String,
    pub param: String,
    pub value: String,
}

/// Everything the list was asked for, checked.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub q: String,
    pub order: Vec<(String, bool)>,
    pub page: u64,
    pub filters: Vec<Applied>,
}

impl ListParams {
    /// The query string that reproduces this list (without the page), for links and forms.
    #[must_use]
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !self.q.is_empty() {
            out.push(("q".to_string(), self.q.clone()));
        }
        for f in &self.filters {
            out.push((f.param.clone(), f.value.clone()));
        }
        out
    }

    #[must_use]
    pub fn order_param(&self) -> String {
        self.order
            .iter()
            .map(|(f, desc)| if *desc { format!("-{f}") } else { f.clone() })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Deeper pages are not offered: nobody pages that far, and offsets stay small.
pub const MAX_PAGE: u64 = 1_000_000;

/// What a filter field accepts.
pub enum FilterKind {
    Choices(Vec<String>),
    Bool,
    ForeignKey,
    Dates,
    /// A plain text or number column: one link per value it holds (Django's
    /// `AllValuesFieldListFilter`).
    Values,
}

/// Reads the request's parameters. Anything not allowlisted, or not of the field's type, is
/// dropped: an odd parameter changes nothing and fails nothing.
pub fn parse_params<E: EntityTrait>(
    query: &[(String, String)],
    filters: &[(&'static str, FilterKind)],
    sortable: &[&'static str],
    default_order: &[&'static str],
) -> ListParams {
    let mut p = ListParams {
        page: 1,
        ..ListParams::default()
    };
    for (k, v) in query {
        match k.as_str() {
            // Control characters (NUL above all, which PostgreSQL refuses in text) are dropped.
            "q" => {
                p.q = v
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect::<String>()
                    .trim()
                    .to_string();
            }
            "p" => {
                // Past the deepest page is the deepest page: the list then says it is past
                // its end, as it does for any page beyond the last.
                let v = v.trim();
                p.page = if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                    v.parse::<u64>().unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE)
                } else {
                    1
                };
            }
            "o" => {
                p.order = v
                    .split(',')
                    .take(3)
                    .filter_map(|part| {
                        let (desc, name) = part
                            .strip_prefix('-')
                            .map_or((false, part), |rest| (true, rest));
                        sortable
                            .iter()
                            .find(|s| **s == name)
                            .map(|s| ((*s).to_string(), desc))
                    })
                    .collect();
            }
            _ => {
                let (field, op) = k.split_once("__").unwrap_or((k.as_str(), ""));
                let Some((name, kind)) = filters.iter().find(|(f, _)| *f == field) else {
                    continue;
                };
                let v = v.trim();
                if v.is_empty()
                    || v.chars().any(char::is_control)
                    || p.filters.iter().any(|f| f.param == *k)
                {
                    continue;
                }
                let ok = match (kind, op) {
                    (FilterKind::Choices(c), "") => c.iter().any(|c| c == v),
                    (FilterKind::Bool, "") => matches!(v, "true" | "false"),
                    (FilterKind::ForeignKey, "") => v.parse::<i64>().is_ok(),
                    (FilterKind::ForeignKey, "isnull") => matches!(v, "true" | "false"),
                    (FilterKind::Dates, "gte" | "lt") => values::parse_datetime(v).is_some(),
                    (FilterKind::Dates, "isnull") => matches!(v, "true" | "false"),
                    (FilterKind::Values, "") => {
                        v.chars().count() <= 200
                            && column::<E>(name)
                                .is_some_and(|c| !c.kind.is_integer() || v.parse::<i64>().is_ok())
                    }
                    _ => false,
                };
                if ok && column::<E>(name).is_some() {
                    p.filters.push(Applied {
                        field: (*name).to_string(),
                        param: k.clone(),
                        value: v.to_string(),
                    });
                }
            }
        }
    }
    if p.order.is_empty() {
        p.order = default_order
            .iter()
            .map(|o| {
                o.strip_prefix('-')
                    .map_or(((*o).to_string(), false), |n| (n.to_string(), true))
            })
            .collect();
    }
    p
}

/// The condition of the applied filters.
#[must_use]
pub fn filter_condition<E: EntityTrait>(filters: &[Applied]) -> Condition {
    let mut cond = Condition::all();
    for f in filters {
        let Some(c) = column::<E>(&f.field) else {
            continue;
        };
        let op = f.param.split_once("__").map_or("", |(_, op)| op);
        cond = match op {
            "isnull" if f.value == "true" => cond.add(c.col.is_null()),
            "isnull" => cond.add(c.col.is_not_null()),
            "gte" | "lt" => {
                let Some(d) = values::parse_datetime(&f.value) else {
                    continue;
                };
                let v = match c.kind {
                    Kind::DateTime => sea_orm::Value::ChronoDateTime(Some(d.naive_utc())),
                    Kind::Date => sea_orm::Value::ChronoDate(Some(d.date_naive())),
                    _ => sea_orm::Value::ChronoDateTimeWithTimeZone(Some(d)),
                };
                if op == "gte" {
                    cond.add(c.col.gte(v))
                } else {
                    cond.add(c.col.lt(v))
                }
            }
            _ => match c.kind {
                Kind::Bool => cond.add(c.col.eq(f.value == "true")),
                k if k.is_integer() => match f.value.parse::<i64>() {
                    Ok(n) => cond.add(c.col.eq(k.int(n))),
                    Err(_) => continue,
                },
                _ => cond.add(c.col.eq(f.value.clone())),
            },
        };
    }
    cond
}

fn like_pattern(term: &str) -> String {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The search condition: every word must match one of the fields (case-insensitive
/// substring). On PostgreSQL `ILIKE`, which trigram indexes serve; on SQLite `LIKE`, or the
/// resource's FTS5 trigram table when it has one and every word is three characters or more.
#[must_use]
pub fn search_condition<E: EntityTrait>(
    backend: DbBackend,
    q: &str,
    fields: &[&'static str],
    fts: Option<&'static str>,
) -> Condition {
    let terms: Vec<&str> = q.split_whitespace().take(5).collect();
    if terms.is_empty() || fields.is_empty() {
        return Condition::all();
    }
    let table = E::default().table_name().to_string();
    if let (DbBackend::Sqlite, Some(fts), Some(pk)) = (backend, fts, pk::<E>())
        && terms.iter().all(|t| t.chars().count() >= 3)
    {
        let phrase = terms
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" AND ");
        return Condition::all().add(Expr::cust_with_values(
            format!(
                "\"{table}\".\"{}\" IN (SELECT rowid FROM \"{fts}\" WHERE \"{fts}\" MATCH ?)",
                pk.name
            ),
            [phrase],
        ));
    }
    let mut all = Condition::all();
    for term in terms {
        let mut any = Condition::any();
        for f in fields {
            if column::<E>(f).is_none() {
                continue;
            }
            let col = Expr::col((Alias::new(&table), Alias::new(*f)));
            // PostgreSQL's LIKE escapes with a backslash by default (and sea-query wraps an
            // explicit ESCAPE in parentheses PostgreSQL refuses); SQLite needs it said.
            any = any.add(if backend == DbBackend::Postgres {
                col.ilike(LikeExpr::new(like_pattern(term)))
            } else {
                col.like(LikeExpr::new(like_pattern(term)).escape('\\'))
            });
        }
        all = all.add(any);
    }
    all
}

/// Adds the ordering, with the primary key last so pages never overlap.
pub fn order<E: EntityTrait>(mut select: Select<E>, order: &[(String, bool)]) -> Select<E> {
    let pk = pk::<E>();
    let mut has_pk = false;
    for (name, desc) in order {
        if let Some(c) = column::<E>(name) {
            has_pk |= pk.as_ref().is_some_and(|p| p.name == c.name);
            select = select.order_by(c.col, if *desc { Order::Desc } else { Order::Asc });
        }
    }
    if let (false, Some(p)) = (has_pk, pk) {
        let desc = order.first().is_some_and(|(_, d)| *d);
        select = select.order_by(p.col, if desc { Order::Desc } else { Order::Asc });
    }
    select
}

/// Counts the rows of `select`, stopping at `limit + 1`: `(count, exact)`.
///
/// # Errors
/// A database failure.
pub async fn bounded_count<E: EntityTrait>(
    db: &DatabaseConnection,
    select: Select<E>,
    limit: u64,
) -> Result<(u64, bool), sea_orm::DbErr> {
    let Some(pk) = pk::<E>() else {
        return Ok((0, true));
    };
    let inner = select
        .select_only()
        .column(pk.col)
        .limit(limit + 1)
        .into_query();
    let stmt = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(inner, Alias::new("bounded"))
        .to_owned();
    let n: i64 = db
        .query_one(&stmt)
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    let n = u64::try_from(n).unwrap_or(0);
    Ok(if n > limit { (limit, false) } else { (n, true) })
}

/// An estimate of the whole table's size from the planner's statistics (PostgreSQL), when a
/// count would be too slow.
pub async fn estimated_rows(db: &DatabaseConnection, table: &str) -> Option<u64> {
    if db.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    let stmt = sea_orm::Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT reltuples::bigint FROM pg_class WHERE relname = $1",
        [table.into()],
    );
    let row = db.query_one_raw(stmt).await.ok()??;
    row.try_get_by_index::<i64>(0)
        .ok()
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| *n > 0)
}

/// The values `col` holds among the rows of `select`, the `limit` most frequent, in
/// alphabetical order (empty values and NULL left out).
///
/// # Errors
/// A database failure.
pub async fn distinct_values<E: EntityTrait>(
    db: &DatabaseConnection,
    select: Select<E>,
    col: &Col<E>,
    limit: u64,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let count = Expr::cust("COUNT(*)");
    let rows: Vec<(Option<String>, i64)> = select
        .select_only()
        .column_as(Expr::col(col.col).cast_as(Alias::new("text")), "value")
        .column_as(count.clone(), "n")
        .filter(col.col.is_not_null())
        .group_by(col.col)
        .order_by(count, Order::Desc)
        .order_by(col.col, Order::Asc)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    let mut values: Vec<String> = rows
        .into_iter()
        .filter_map(|(v, _)| v)
        .filter(|v| !v.trim().is_empty())
        .collect();
    values.sort();
    Ok(values)
}

#[derive(Debug, FromQueryResult)]
struct IdRow {
    id: i64,
}

/// The ids of one page of `select`, in order. Selecting ids first lets the database walk an
/// index for a deep page instead of reading whole rows it then throws away.
///
/// # Errors
/// A database failure.
pub async fn page_ids<E: EntityTrait>(
    db: &DatabaseConnection,
    select: Select<E>,
    offset: u64,
    limit: u64,
) -> Result<Vec<i64>, sea_orm::DbErr> {
    let Some(pk) = pk::<E>() else {
        return Ok(Vec::new());
    };
    let rows = select
        .select_only()
        .column_as(Expr::col(pk.col).cast_as(Alias::new(cast_int(db))), "id")
        .offset(offset)
        .limit(limit)
        .into_model::<IdRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

fn cast_int(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Postgres => "bigint",
        _ => "integer",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    use super::search_condition;
    use crate::saved_filters::Entity;

    #[test]
    fn search_escapes_wildcards_in_the_form_each_database_accepts() {
        let sql = |b| {
            Entity::find()
                .filter(search_condition::<Entity>(b, "50%_off", &["name"], None))
                .build(b)
                .to_string()
        };
        assert!(
            sql(DbBackend::Postgres).contains(r#""name" ILIKE E'%50\\%\\_off%'"#),
            "{}",
            sql(DbBackend::Postgres)
        );
        assert!(
            sql(DbBackend::Sqlite).contains(r#""name" LIKE '%50\%\_off%' ESCAPE '\'"#),
            "{}",
            sql(DbBackend::Sqlite)
        );
    }

    #[tokio::test]
    async fn counts_stop_at_the_limit_and_pages_select_ids_in_order() {
        use sea_orm::ConnectionTrait;

        use super::{bounded_count, order, page_ids};
        use crate::saved_filters;

        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let (table, _) = saved_filters::create_table(DbBackend::Sqlite);
        db.execute(&table).await.unwrap();
        for n in 0..30 {
            saved_filters::create(&db, 1, "s", "r", &format!("f{n:02}"), "", None)
                .await
                .unwrap();
        }
        assert_eq!(
            bounded_count(&db, Entity::find(), 10).await.unwrap(),
            (10, false)
        );
        assert_eq!(
            bounded_count(&db, Entity::find(), 30).await.unwrap(),
            (30, true)
        );
        let by_name_desc = order(Entity::find(), &[("name".into(), true)]);
        let ids = page_ids(&db, by_name_desc, 5, 3).await.unwrap();
        assert_eq!(ids, vec![25, 24, 23], "f24, f23, f22 (ids are one more)");
    }
}
