//! Changing a person's role and status the way staff do it now: the engine's person form at
//! `/admin/people/users/{id}` (the older `/admin/users/{id}/access` screen is gone).
use copydesk::models::users;

use crate::common::{Resp, browser::Browser};

/// The person form's fields for `target`, with `role` and `status` changed.
pub fn access_fields(
    target: &users::Model,
    role: &str,
    status: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("display_name", target.display_name.clone()),
        ("email", target.email.clone()),
        ("bio", target.bio.clone()),
        ("role", role.to_string()),
        ("status", status.to_string()),
    ]
}

/// Posts `target`'s person form as `b`, with `role` and `status` changed.
pub async fn set_access(b: &mut Browser, target: &users::Model, role: &str, status: &str) -> Resp {
    let fields = access_fields(target, role, status);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post(&format!("/admin/people/users/{}", target.id), &fields)
        .await
}
