//! Moderation's reason presets in the admin; every write goes to
//! [`crate::models::moderation::reasons`].
use async_trait::async_trait;
use copydesk_admin::{AdminUser, ListColumn, ModelAdmin, Options, SaveError, Submission, Widget};
use sea_orm::DatabaseConnection;

use super::{as_staff, value};
use crate::models::moderation::reasons::{self, Applies, ReasonForm, entity};

pub(super) fn options() -> Options<entity::Entity> {
    Options {
        audit_type: "mod_reason",
        display_field: "label",
        list_display: vec![
            ListColumn::Field("label"),
            ListColumn::Field("applies"),
            ListColumn::Field("position"),
            ListColumn::Field("active"),
            ListColumn::Field("updated_at"),
        ],
        list_filter: vec!["applies", "active"],
        search_fields: vec!["label", "text"],
        ordering: vec!["applies", "position", "label"],
        sortable: vec!["label", "applies", "position", "updated_at"],
        readonly: vec!["created_at", "updated_at"],
        widgets: vec![("text", Widget::TextArea)],
        choices: vec![(
            "applies",
            vec![
                (Applies::Decision.as_str(), "Decisions on a case"),
                (Applies::Sanction.as_str(), "Sanctions on a person"),
                (Applies::Any.as_str(), "Both"),
            ],
        )],
        labels: vec![("applies", "Offered on"), ("text", "What it covers")],
        help: vec![
            (
                "label",
                "What the moderator picks, and what the decision or sanction keeps as its reason.",
            ),
            ("position", "Lower numbers come first on the form."),
            ("active", "Unticked: kept, but no longer offered."),
        ],
        ..Options::new(
            "community",
            "mod_reasons",
            "reason preset",
            "reason presets",
        )
    }
}

pub(super) struct ReasonsAdmin(pub(super) Options<entity::Entity>);

#[async_trait]
impl ModelAdmin<entity::Entity> for ReasonsAdmin {
    fn options(&self) -> &Options<entity::Entity> {
        &self.0
    }

    fn initial(&self, _user: &dyn AdminUser, field: &str) -> Option<String> {
        match field {
            "applies" => Some(Applies::Decision.as_str().to_string()),
            "active" => Some("on".to_string()),
            _ => None,
        }
    }

    async fn save_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        submission: Submission<'_, entity::Entity>,
    ) -> Option<Result<entity::Model, SaveError>> {
        let row = &submission.row;
        let form = ReasonForm {
            applies: value(&row.applies).unwrap_or_default(),
            label: value(&row.label).unwrap_or_default(),
            text: value(&row.text).unwrap_or_default(),
            position: value(&row.position).unwrap_or_default(),
            active: value(&row.active).unwrap_or_default(),
        };
        Some(
            as_staff(user, |s| async move {
                match submission.before {
                    None => reasons::add(db, &s.actor, &s.meta, &form).await,
                    Some(b) => reasons::update(db, &s.actor, &s.meta, b.id, &form).await,
                }
            })
            .await,
        )
    }

    async fn delete_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &entity::Model,
    ) -> Option<Result<(), SaveError>> {
        Some(as_staff(user, |s| reasons::delete(db, &s.actor, &s.meta, row.id)).await)
    }
}
