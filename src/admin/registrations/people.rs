//! People in the admin: who may see and change whom, the sign-in and invitation panels;
//! every write goes to [`crate::models::people`].
use std::collections::BTreeMap;

use async_trait::async_trait;
use copydesk_admin::{
    Action, AdminUser, FieldErrors, Fieldset, HiddenField, ListColumn, ModelAdmin, Options, Panel,
    PanelButton, PanelRow, SaveError, Submission, Widget,
};
use sea_orm::DatabaseConnection;

use super::{as_staff, value};
use crate::{
    models::{
        _entities::users,
        mail,
        people::{self, PersonForm},
        users::{Role, UserStatus},
    },
    views::forms::field_errors,
};

pub(super) fn options() -> Options<users::Entity> {
    Options {
        audit_type: "user",
        display_field: "display_name",
        list_display: vec![
            ListColumn::Field("display_name"),
            ListColumn::Field("email"),
            ListColumn::Field("role"),
            ListColumn::Field("status"),
            ListColumn::Computed {
                label: "Sign-in",
                value: |u: &users::Model| {
                    if u.invitation_pending() {
                        "Invitation pending".into()
                    } else {
                        "Password set".into()
                    }
                },
            },
            ListColumn::Field("created_at"),
        ],
        list_filter: vec!["role", "status", "created_at"],
        search_fields: vec!["display_name", "email"],
        ordering: vec!["display_name"],
        sortable: vec!["display_name", "email", "role", "status", "created_at"],
        readonly: vec![
            "slug",
            "email_verified_at",
            "password_changed_at",
            "created_at",
            "updated_at",
        ],
        hidden: vec!["password_hash"],
        fieldsets: vec![
            Fieldset {
                title: "Person",
                fields: vec!["display_name", "email", "bio", "slug"],
                description: None,
            },
            Fieldset {
                title: "Access",
                fields: vec!["role", "status"],
                description: Some(
                    "A change of role or status signs the person out everywhere. Nobody can give a role above their own.",
                ),
            },
            Fieldset {
                title: "Dates",
                fields: vec![
                    "email_verified_at",
                    "password_changed_at",
                    "created_at",
                    "updated_at",
                ],
                description: None,
            },
        ],
        widgets: vec![("email", Widget::Email)],
        choices: vec![
            (
                "role",
                Role::ALL.iter().map(|r| (r.as_str(), r.as_str())).collect(),
            ),
            (
                "status",
                UserStatus::ALL
                    .iter()
                    .map(|s| (s.as_str(), s.as_str()))
                    .collect(),
            ),
        ],
        help: vec![(
            "email",
            "Correcting an address also readdresses mail that has not gone out yet.",
        )],
        view_on_site: Some(|u: &users::Model| Some(format!("/authors/{}", u.slug))),
        actions: Vec::new(),
        shortcut: Some('u'),
        ..Options::new("people", "users", "person", "people")
    }
}

pub(super) struct UsersAdmin(pub(super) Options<users::Entity>);

fn role_of(user: &dyn AdminUser) -> Role {
    Role::parse(user.role()).unwrap_or(Role::Member)
}

#[async_trait]
impl ModelAdmin<users::Entity> for UsersAdmin {
    // The person form's own rules, next to their fields with the engine's type checks; the
    // rules that need the database run when saving.
    fn validate(
        &self,
        _user: &dyn AdminUser,
        values: &BTreeMap<String, String>,
        obj: Option<&users::Model>,
    ) -> FieldErrors {
        let text = |field: &str, stored: Option<&String>, default: &str| {
            values
                .get(field)
                .or(stored)
                .cloned()
                .unwrap_or_else(|| default.to_string())
        };
        let form = PersonForm {
            display_name: text("display_name", obj.map(|u| &u.display_name), ""),
            email: text("email", obj.map(|u| &u.email), ""),
            bio: text("bio", obj.map(|u| &u.bio), ""),
            role: text("role", obj.map(|u| &u.role), Role::Member.as_str()),
            status: text(
                "status",
                obj.map(|u| &u.status),
                UserStatus::Active.as_str(),
            ),
        };
        form.check(obj)
            .map_or_else(|e| field_errors(&e), |()| FieldErrors::new())
    }

    fn options(&self) -> &Options<users::Entity> {
        &self.0
    }

    // Moderators hold `manage_users` without `users.change`: they may change role and status
    // (suspend a spammer), nothing else.
    fn has_permission(&self, user: &dyn AdminUser, action: Action, _owner: Option<i64>) -> bool {
        let has = |p: &str| user.grant(p).is_some();
        match action {
            Action::View => has("users.view"),
            Action::Add => has("users.add"),
            Action::Change => has("users.change") || has("manage_users"),
            Action::Delete => has("users.delete"),
        }
    }

    async fn panels(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &users::Model,
    ) -> Vec<Panel> {
        use crate::auth::permissions::rank;
        let mut panels = Vec::new();
        if row.invitation_pending() {
            panels.push(invitation_panel(db, user, row).await);
        }
        if user.grant("manage_users").is_none() || rank(row.role()) > rank(role_of(user)) {
            return panels;
        }
        panels.push(Panel {
            title: "Sign-in".into(),
            empty: String::new(),
            rows: vec![PanelRow {
                text: "After repeated failed sign-ins an account is locked for a while.".into(),
                detail: "Unlock it when you know the person is who they say (the audit log keeps who did).".into(),
                state: String::new(),
                href: None,
                button: Some(PanelButton {
                    label: "Unlock sign-in".into(),
                    url: format!("/admin/users/{}/unlock", row.id),
                    fields: vec![HiddenField {
                        name: "back".into(),
                        value: format!("/admin/people/users/{}", row.id),
                    }],
                }),
            }],
        });
        panels
    }

    // A person added here has no password: their invitation went into the outbox with them.
    async fn after_commit(
        &self,
        _db: &DatabaseConnection,
        _user: &dyn AdminUser,
        saved: &users::Model,
        before: Option<&users::Model>,
    ) -> Option<String> {
        (before.is_none() && saved.invitation_pending()).then(|| {
            format!(
                "An invitation to choose a password is on its way to {}.",
                saved.email
            )
        })
    }

    // Addresses are personal data: only those who may change people (and so correct an
    // address) see them; moderators see names, roles and status.
    fn hidden_fields(&self, user: &dyn AdminUser) -> Vec<&'static str> {
        let mut h = self.0.hidden.clone();
        if user.grant("users.change").is_none() {
            h.push("email");
        }
        h
    }

    fn readonly_fields(
        &self,
        user: &dyn AdminUser,
        obj: Option<&users::Model>,
    ) -> Vec<&'static str> {
        use crate::auth::permissions::rank;
        let mut r = self.0.readonly.clone();
        let actor = role_of(user);
        // Someone of higher rank is read-only; role and status need `manage_users`.
        if obj.is_some_and(|u| rank(u.role()) > rank(actor)) {
            r.extend(["display_name", "email", "bio", "role", "status"]);
        } else {
            if user.grant("manage_users").is_none() {
                r.extend(["role", "status"]);
            }
            if user.grant("users.change").is_none() {
                r.extend(["display_name", "email", "bio"]);
            }
        }
        r
    }

    fn choices(&self, user: &dyn AdminUser, field: &str) -> Option<Vec<(String, String)>> {
        let actor = role_of(user);
        match field {
            "role" => Some(
                Role::ALL
                    .iter()
                    .filter(|r| crate::auth::permissions::may_grant(actor, **r))
                    .map(|r| (r.as_str().to_string(), r.as_str().to_string()))
                    .collect(),
            ),
            "status" => Some(
                UserStatus::ALL
                    .iter()
                    .map(|s| (s.as_str().to_string(), s.as_str().to_string()))
                    .collect(),
            ),
            _ => None,
        }
    }

    fn initial(&self, _user: &dyn AdminUser, field: &str) -> Option<String> {
        match field {
            "role" => Some(Role::Member.as_str().into()),
            "status" => Some(UserStatus::Active.as_str().into()),
            _ => None,
        }
    }

    async fn save_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        submission: Submission<'_, users::Entity>,
    ) -> Option<Result<users::Model, SaveError>> {
        let row = &submission.row;
        let form = PersonForm {
            display_name: value(&row.display_name).unwrap_or_default(),
            email: value(&row.email).unwrap_or_default(),
            bio: value(&row.bio).unwrap_or_default(),
            role: value(&row.role).unwrap_or_else(|| Role::Member.as_str().to_string()),
            status: value(&row.status).unwrap_or_else(|| UserStatus::Active.as_str().to_string()),
        };
        Some(
            as_staff(user, |s| async move {
                match submission.before {
                    None => {
                        let added = people::add(db, &s.actor, &s.meta, &s.settings, &form).await?;
                        // Queued with the person; should the hand-over fail, the outbox
                        // sweep makes it, so the person is saved either way.
                        if let Err(e) = mail::dispatch(&s.ctx, added.invitation).await {
                            tracing::warn!(person = added.person.id, error = %e, "invitation left for the outbox sweep");
                        }
                        Ok(added.person)
                    }
                    Some(b) => people::update(db, &s.actor, &s.meta, b.id, &form).await,
                }
            })
            .await,
        )
    }

    async fn delete_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &users::Model,
    ) -> Option<Result<(), SaveError>> {
        Some(as_staff(user, |s| people::delete(db, &s.actor, &s.meta, row.id)).await)
    }
}

/// Where a person's invitation stands, with "Send again" for those who may add people.
async fn invitation_panel(
    db: &DatabaseConnection,
    user: &dyn AdminUser,
    row: &users::Model,
) -> Panel {
    let last = crate::models::mail::latest_for(db, &row.email, "invitation").await;
    let (text, detail, state) = match last {
        Ok(Some(m)) => (
            format!(
                "Invitation pending: sent {} UTC, delivery {}.",
                m.created_at.format("%Y-%m-%d %H:%M"),
                m.status
            ),
            "The link works once and expires; sending again makes a new one and voids the old."
                .to_string(),
            if m.status == "failed" { "failed" } else { "ok" },
        ),
        Ok(None) => (
            "Invitation pending: none has been sent yet.".to_string(),
            "Send one so they can choose a password and sign in.".to_string(),
            "failed",
        ),
        Err(e) => (
            "Invitation pending.".to_string(),
            format!("Its delivery could not be read: {e}"),
            "failed",
        ),
    };
    Panel {
        title: "Invitation".into(),
        empty: String::new(),
        rows: vec![PanelRow {
            text,
            detail,
            state: state.into(),
            href: None,
            button: (user.grant("users.add").is_some()).then(|| PanelButton {
                label: "Send the invitation again".into(),
                url: format!("/admin/users/{}/invitation", row.id),
                fields: vec![HiddenField {
                    name: "back".into(),
                    value: format!("/admin/people/users/{}", row.id),
                }],
            }),
        }],
    }
}
