//! Comments in the admin: the moderation list with its inline decisions; every write goes
//! to [`crate::models::comments`].
use async_trait::async_trait;
use copydesk_admin::{
    AdminUser, BulkAction, BulkOutcome, Fieldset, ListColumn, ModelAdmin, Options, SaveError,
    Submission,
};
use sea_orm::DatabaseConnection;

use super::{as_staff, ids32, outcome, value};
use crate::models::{
    _entities::comments,
    audit::Moderation,
    comments::{self as comment_model, CommentEdit, CommentStatus},
};

pub(super) fn options() -> Options<comments::Entity> {
    Options {
        audit_type: "comment",
        display_field: "body",
        list_display: vec![
            ListColumn::Computed {
                label: "Comment",
                value: |c: &comments::Model| {
                    let text: String = c.body.chars().take(80).collect();
                    if c.body.chars().count() > 80 {
                        format!("{text}…")
                    } else {
                        text
                    }
                },
            },
            ListColumn::Field("post_id"),
            ListColumn::Computed {
                label: "By",
                value: |c: &comments::Model| {
                    c.guest_name
                        .clone()
                        .unwrap_or_else(|| "a member".to_string())
                },
            },
            ListColumn::Field("status"),
            ListColumn::Field("created_at"),
        ],
        list_filter: vec!["status", "created_at"],
        search_fields: vec!["body", "guest_name"],
        ordering: vec!["-created_at"],
        sortable: vec!["status", "created_at"],
        readonly: vec![
            "post_id",
            "author_id",
            "body_html",
            "created_at",
            "updated_at",
        ],
        hidden: vec!["ip_hash"],
        fieldsets: vec![Fieldset {
            title: "Comment",
            fields: vec![
                "status",
                "body",
                "guest_name",
                "post_id",
                "author_id",
                "created_at",
            ],
            description: None,
        }],
        choices: vec![(
            "status",
            vec![
                ("pending", "Awaiting moderation"),
                ("approved", "Approved"),
                ("rejected", "Rejected"),
                ("spam", "Spam"),
            ],
        )],
        labels: vec![("post_id", "Post"), ("author_id", "Member")],
        actions: vec![
            BulkAction::set(
                "approve",
                "Approve selected",
                "will be approved",
                "status",
                "approved",
            )
            .also_needs("moderate")
            .inline(),
            BulkAction::set(
                "reject",
                "Reject selected",
                "will be rejected",
                "status",
                "rejected",
            )
            .also_needs("moderate")
            .inline(),
            BulkAction::set(
                "spam",
                "Mark selected as spam",
                "will be marked as spam",
                "status",
                "spam",
            )
            .also_needs("moderate")
            .inline(),
            BulkAction::delete(),
        ],
        shortcut: Some('c'),
        ..Options::new("community", "comments", "comment", "comments")
    }
}

pub(super) struct CommentsAdmin(pub(super) Options<comments::Entity>);

#[async_trait]
impl ModelAdmin<comments::Entity> for CommentsAdmin {
    fn options(&self) -> &Options<comments::Entity> {
        &self.0
    }

    // A comment written here names its post; once written, it stays under that post.
    fn readonly_fields(
        &self,
        _user: &dyn AdminUser,
        obj: Option<&comments::Model>,
    ) -> Vec<&'static str> {
        let mut r = self.0.readonly.clone();
        if obj.is_none() {
            r.retain(|f| *f != "post_id");
        }
        r
    }

    fn initial(&self, _user: &dyn AdminUser, field: &str) -> Option<String> {
        (field == "status").then(|| CommentStatus::Approved.as_str().to_string())
    }

    async fn save_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        submission: Submission<'_, comments::Entity>,
    ) -> Option<Result<comments::Model, SaveError>> {
        let row = &submission.row;
        let edit = CommentEdit {
            post_id: value(&row.post_id).unwrap_or_default(),
            body: value(&row.body).unwrap_or_default(),
            guest_name: value(&row.guest_name).flatten().unwrap_or_default(),
            status: value(&row.status).unwrap_or_default(),
        };
        Some(
            as_staff(user, |s| async move {
                match submission.before {
                    None => comment_model::create(db, &s.actor, &s.meta, &edit).await,
                    Some(b) => comment_model::update(db, &s.actor, &s.meta, b.id, &edit).await,
                }
            })
            .await,
        )
    }

    async fn delete_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &comments::Model,
    ) -> Option<Result<(), SaveError>> {
        Some(
            as_staff(user, |s| {
                comment_model::delete(db, &s.actor, &s.meta, row.id)
            })
            .await,
        )
    }

    async fn bulk_action(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        action: &BulkAction,
        ids: &[i64],
    ) -> Option<Result<BulkOutcome, SaveError>> {
        let decision = match action.name {
            "approve" => Moderation::Approve,
            "reject" => Moderation::Reject,
            "spam" => Moderation::Spam,
            // Deletion goes row by row through `delete_model`.
            _ => return None,
        };
        let ids = ids32(ids);
        Some(
            as_staff(user, |s| {
                comment_model::moderate(db, &s.actor, &s.meta, decision, &ids)
            })
            .await
            .map(outcome),
        )
    }
}
