//! The audit log: append-only, written in the same transaction as the change it records.
//! Nothing in Copydesk updates or deletes these rows, and the database refuses to (triggers
//! from the accounts migration).
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition,
    ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value};

pub use super::_entities::audit_log::{ActiveModel, Column, Entity, Model};
use super::{Page, now};
use crate::auth::{Actor, RequestMeta};

mod action;
mod entries;

pub use action::{ACTIONS, Action};
pub use entries::*;

impl ActiveModelBehavior for ActiveModel {}

/// Fields whose values never reach the log; a change to them shows as "[redacted]".
const SECRET_FIELDS: &[&str] = &[
    "password",
    "password_hash",
    "token",
    "token_hash",
    "csrf_token",
    "secret",
];

/// An actor label without the address part ("Name <email>" → "Name"), for viewers who may
/// not see addresses.
#[must_use]
pub fn without_address(label: &str) -> &str {
    match label.rfind(" <") {
        Some(i) if label.ends_with('>') => &label[..i],
        _ => label,
    }
}

/// Who did it: a person, or nobody (a failed sign-in) with a label saying what was tried.
#[derive(Debug, Clone)]
pub struct Who {
    pub id: Option<i32>,
    pub label: String,
}

impl From<&Actor> for Who {
    fn from(a: &Actor) -> Self {
        Self::user(&a.user)
    }
}

impl Who {
    /// A person, labelled "Name <email>".
    #[must_use]
    pub fn user(u: &super::users::Model) -> Self {
        Self {
            id: Some(u.id),
            label: format!("{} <{}>", u.display_name, u.email),
        }
    }

    #[must_use]
    pub fn anonymous(label: impl Into<String>) -> Self {
        Self {
            id: None,
            label: label.into(),
        }
    }

    #[must_use]
    pub fn system(label: &str) -> Self {
        Self {
            id: None,
            label: format!("system: {label}"),
        }
    }
}

/// One entry to write.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub who: Who,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The changed fields of `before` → `after`, as `{"field": [old, new]}`, secrets redacted.
/// With only one side, every field of it is listed.
#[must_use]
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Value {
    let empty = Map::new();
    let b = before.and_then(Value::as_object).unwrap_or(&empty);
    let a = after.and_then(Value::as_object).unwrap_or(&empty);
    let mut out = Map::new();
    let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    for key in keys {
        let (old, new) = (
            b.get(key).cloned().unwrap_or(Value::Null),
            a.get(key).cloned().unwrap_or(Value::Null),
        );
        if old == new {
            continue;
        }
        let pair = if SECRET_FIELDS.contains(&key.as_str()) {
            Value::Array(vec![Value::from("[redacted]"), Value::from("[redacted]")])
        } else {
            Value::Array(vec![old, new])
        };
        out.insert(key.clone(), pair);
    }
    Value::Object(out)
}

/// Writes one audit row on `db` (pass the transaction of the change).
///
/// # Errors
/// When the row cannot be written; the caller's transaction then rolls back.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    meta: &RequestMeta,
    entry: Entry<'_>,
) -> Result<Model, DbErr> {
    record_at(db, meta, entry, now()).await
}

/// As [`record`], dated `at`: for the demo seed's history, whose `meta` names it.
///
/// # Errors
/// When the row cannot be written.
pub async fn record_at<C: ConnectionTrait>(
    db: &C,
    meta: &RequestMeta,
    entry: Entry<'_>,
    at: chrono::DateTime<chrono::FixedOffset>,
) -> Result<Model, DbErr> {
    let changes = diff(entry.before.as_ref(), entry.after.as_ref());
    ActiveModel {
        actor_id: Set(entry.who.id),
        actor_label: Set(entry.who.label.chars().take(255).collect()),
        action: Set(entry.action.to_string()),
        target_type: Set(entry.target_type.to_string()),
        target_id: Set(entry.target_id.chars().take(64).collect()),
        changes: Set(changes.to_string()),
        ip: Set(meta.ip.chars().take(64).collect()),
        user_agent: Set(meta.user_agent.chars().take(255).collect()),
        request_id: Set(meta.request_id.chars().take(64).collect()),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Filters for the audit page; empty fields do not filter.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct AuditFilter {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub target_type: String,
    #[serde(default)]
    pub target_id: String,
    /// `YYYY-MM-DD`, inclusive, UTC.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

fn day(s: &str, end: bool) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let t = if end {
        d.succ_opt()?.and_hms_opt(0, 0, 0)?
    } else {
        d.and_hms_opt(0, 0, 0)?
    };
    Some(t.and_utc().fixed_offset())
}

/// One page of the log, newest first.
///
/// # Errors
/// When the database cannot be queried.
pub async fn search<C: ConnectionTrait>(
    db: &C,
    f: &AuditFilter,
    page: u64,
    per_page: u64,
) -> Result<Page<Model>, DbErr> {
    let mut cond = Condition::all();
    if !f.actor.trim().is_empty() {
        let needle = f.actor.trim();
        cond = match needle.parse::<i32>() {
            Ok(id) => cond.add(Column::ActorId.eq(id)),
            Err(_) => cond.add(Column::ActorLabel.contains(needle)),
        };
    }
    if !f.action.trim().is_empty() {
        cond = cond.add(Column::Action.eq(f.action.trim()));
    }
    if !f.target_type.trim().is_empty() {
        cond = cond.add(Column::TargetType.eq(f.target_type.trim()));
    }
    if !f.target_id.trim().is_empty() {
        cond = cond.add(Column::TargetId.eq(f.target_id.trim()));
    }
    if let Some(from) = day(&f.from, false) {
        cond = cond.add(Column::CreatedAt.gte(from));
    }
    if let Some(to) = day(&f.to, true) {
        cond = cond.add(Column::CreatedAt.lt(to));
    }
    let q = Entity::find()
        .filter(cond)
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id);
    super::page_of(db, q, page, per_page).await
}

/// The actions that occur in the log, for the filter's menu.
///
/// # Errors
/// When the database cannot be queried.
pub async fn actions<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    Entity::find()
        .select_only()
        .column(Column::Action)
        .distinct()
        .order_by_asc(Column::Action)
        .into_tuple()
        .all(db)
        .await
}
