//! An audit entry as the admin dashboard's "latest activity" shows it.
use serde::Serialize;
use serde_json::Value;

use crate::models::audit;

/// One changed field: `field: before → after`.
#[derive(Debug, Serialize)]
pub struct ChangeLine {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One audit row, ready for a table.
#[derive(Debug, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub when: String,
    pub when_iso: String,
    pub actor: String,
    pub actor_id: Option<i32>,
    pub action: String,
    pub target: String,
    pub changes: Vec<ChangeLine>,
    pub ip: String,
    pub request_id: String,
}

fn show(x: Option<&Value>) -> String {
    match x {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "—".into(),
        Some(other) => other.to_string(),
    }
}

impl AuditRow {
    /// The row, its stored changes as `field: old → new` lines. A `changes` column that is
    /// not a JSON object (an entry with no field changes) shows no lines.
    #[must_use]
    pub fn new(row: &audit::Model) -> Self {
        let changes = match serde_json::from_str::<Value>(&row.changes) {
            Ok(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| ChangeLine {
                    field: k.clone(),
                    before: show(v.get(0)),
                    after: show(v.get(1)),
                })
                .collect(),
            _ => Vec::new(),
        };
        Self {
            id: row.id,
            when: row.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            when_iso: row.created_at.to_rfc3339(),
            actor: row.actor_label.clone(),
            actor_id: row.actor_id,
            action: row.action.clone(),
            target: format!("{} {}", row.target_type, row.target_id)
                .trim()
                .to_string(),
            changes,
            ip: row.ip.clone(),
            request_id: row.request_id.clone(),
        }
    }
}
