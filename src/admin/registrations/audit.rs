//! The audit log in the admin: read-only, filtered by date, person, action and record kind.
use copydesk_admin::{ListColumn, Options};

use crate::models::_entities::audit_log;

pub(super) fn options() -> Options<audit_log::Entity> {
    Options {
        permission: "audit",
        audit_type: "audit",
        display_field: "action",
        list_display: vec![
            ListColumn::Field("created_at"),
            ListColumn::Field("actor_label"),
            ListColumn::Field("action"),
            ListColumn::Field("target_type"),
            ListColumn::Field("target_id"),
            ListColumn::Field("ip"),
        ],
        list_filter: vec!["created_at", "actor_id", "action", "target_type"],
        search_fields: vec!["actor_label", "action", "target_type", "target_id"],
        ordering: vec!["-id"],
        sortable: vec!["created_at", "action", "target_type"],
        labels: vec![
            ("actor_label", "Who"),
            ("actor_id", "Person"),
            ("ip", "From"),
        ],
        read_only: true,
        actions: Vec::new(),
        shortcut: Some('a'),
        ..Options::new("system", "audit", "audit entry", "audit entries")
    }
}
