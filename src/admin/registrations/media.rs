//! Media in the admin; every write goes to [`crate::models::media`].
use async_trait::async_trait;
use copydesk_admin::{AdminUser, ListColumn, ModelAdmin, Options, Panel, SaveError, Submission};
use sea_orm::DatabaseConnection;

use super::{as_staff, only_own, value};
use crate::models::{_entities::media, media as media_model};

pub(super) fn options() -> Options<media::Entity> {
    Options {
        audit_type: "media",
        display_field: "file_name",
        list_display: vec![
            ListColumn::Field("file_name"),
            ListColumn::Field("content_type"),
            ListColumn::Computed {
                label: "Size",
                value: |m: &media::Model| format!("{:.1} KB", m.size_bytes as f64 / 1024.0),
            },
            ListColumn::Field("uploader_id"),
            ListColumn::Field("created_at"),
        ],
        list_filter: vec!["content_type", "uploader_id", "created_at"],
        search_fields: vec!["file_name", "alt_text"],
        ordering: vec!["-created_at"],
        sortable: vec!["file_name", "content_type", "created_at"],
        readonly: vec![
            "storage_key",
            "size_bytes",
            "width",
            "height",
            "created_at",
            "updated_at",
        ],
        choices: vec![(
            "content_type",
            media_model::ALLOWED_CONTENT_TYPES
                .iter()
                .map(|t| (*t, media_model::content_type_label(t)))
                .collect(),
        )],
        labels: vec![
            ("uploader_id", "Uploaded by"),
            ("alt_text", "Alternative text"),
        ],
        help: vec![
            (
                "alt_text",
                "What the image shows, for people who cannot see it.",
            ),
            (
                "file_name",
                "The name shown in the library. To upload an image, use “Upload an image” under Editorial.",
            ),
        ],
        owner_field: Some("uploader_id"),
        shortcut: Some('m'),
        ..Options::new("content", "media", "media item", "media")
    }
}

pub(super) struct MediaAdmin(pub(super) Options<media::Entity>);

#[async_trait]
impl ModelAdmin<media::Entity> for MediaAdmin {
    fn options(&self) -> &Options<media::Entity> {
        &self.0
    }

    fn readonly_fields(
        &self,
        user: &dyn AdminUser,
        obj: Option<&media::Model>,
    ) -> Vec<&'static str> {
        let mut r = self.0.readonly.clone();
        // An uploaded image's type is what its bytes say.
        if obj.is_some_and(media::Model::is_stored_image) {
            r.push("content_type");
        }
        if only_own(user, "media.change") {
            r.push("uploader_id");
        }
        r
    }

    fn initial(&self, user: &dyn AdminUser, field: &str) -> Option<String> {
        (field == "uploader_id").then(|| user.id().to_string())
    }

    async fn save_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        submission: Submission<'_, media::Entity>,
    ) -> Option<Result<media::Model, SaveError>> {
        let row = &submission.row;
        let edit = media_model::MediaEdit {
            file_name: value(&row.file_name).unwrap_or_default(),
            content_type: value(&row.content_type).unwrap_or_default(),
            alt_text: value(&row.alt_text).unwrap_or_default(),
            uploader_id: value(&row.uploader_id).flatten(),
        };
        Some(
            as_staff(user, |s| async move {
                match submission.before {
                    None => media_model::create(db, &s.actor, &s.meta, &edit).await,
                    Some(b) => media_model::update(db, &s.actor, &s.meta, b.id, &edit).await,
                }
            })
            .await,
        )
    }

    async fn delete_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &media::Model,
    ) -> Option<Result<(), SaveError>> {
        Some(
            as_staff(user, |s| {
                media_model::delete_with_files(db, &s.ctx.storage, &s.actor, &s.meta, row.id)
            })
            .await,
        )
    }

    async fn panels(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &media::Model,
    ) -> Vec<Panel> {
        let mut panels = vec![super::media_panels::files(db, user, row).await];
        if let Some(staff) = crate::admin::staff(user) {
            panels.extend(super::media_panels::jobs(staff, row).await);
        }
        panels
    }
}
