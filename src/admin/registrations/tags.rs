//! Tags in the admin; every write goes to [`crate::models::tags`].
use async_trait::async_trait;
use copydesk_admin::{AdminUser, ListColumn, ModelAdmin, Options, SaveError, Submission};
use sea_orm::DatabaseConnection;

use super::{as_staff, value};
use crate::models::{_entities::tags, tags as tag_model};

pub(super) fn options() -> Options<tags::Entity> {
    Options {
        audit_type: "tag",
        display_field: "name",
        list_display: vec![
            ListColumn::Field("name"),
            ListColumn::Field("slug"),
            ListColumn::Field("created_at"),
        ],
        list_filter: vec!["created_at"],
        search_fields: vec!["name", "slug"],
        ordering: vec!["name"],
        sortable: vec!["name", "slug", "created_at"],
        readonly: vec!["created_at"],
        help: vec![(
            "slug",
            "The tag's address: lowercase letters, digits and dashes.",
        )],
        view_on_site: Some(|t: &tags::Model| Some(format!("/tags/{}", t.slug))),
        shortcut: Some('t'),
        ..Options::new("content", "tags", "tag", "tags")
    }
}

pub(super) struct TagsAdmin(pub(super) Options<tags::Entity>);

#[async_trait]
impl ModelAdmin<tags::Entity> for TagsAdmin {
    fn options(&self) -> &Options<tags::Entity> {
        &self.0
    }

    async fn save_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        submission: Submission<'_, tags::Entity>,
    ) -> Option<Result<tags::Model, SaveError>> {
        let edit = tag_model::TagEdit {
            name: value(&submission.row.name).unwrap_or_default(),
            slug: value(&submission.row.slug).unwrap_or_default(),
        };
        Some(
            as_staff(user, |s| async move {
                match submission.before {
                    None => tag_model::create(db, &s.actor, &s.meta, &edit).await,
                    Some(b) => tag_model::update(db, &s.actor, &s.meta, b.id, &edit).await,
                }
            })
            .await,
        )
    }

    async fn delete_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &tags::Model,
    ) -> Option<Result<(), SaveError>> {
        Some(as_staff(user, |s| tag_model::delete(db, &s.actor, &s.meta, row.id)).await)
    }
}
