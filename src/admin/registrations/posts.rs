//! Posts in the admin: how they list and edit, and every write handed to
//! [`crate::models::posts`].
use std::collections::BTreeMap;

use async_trait::async_trait;
use copydesk_admin::{
    AdminUser, BulkAction, BulkOutcome, ExtraField, FieldErrors, Fieldset, ListColumn, ModelAdmin,
    Options, Panel, SaveError, SearchIndex, Submission, Widget,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{as_staff, ids32, only_own, outcome, refusal, value, writer};
use crate::{
    admin::staff,
    models::{
        _entities::{posts, users},
        posts::{self as post_model, PostForm, PostState, Visibility},
        users::Role,
    },
    views::forms::field_errors,
};

fn states() -> Vec<(&'static str, &'static str)> {
    PostState::ALL
        .iter()
        .map(|s| {
            let label = match s {
                PostState::Draft => "Draft",
                PostState::InReview => "In review",
                PostState::Approved => "Approved",
                PostState::Scheduled => "Scheduled",
                PostState::Published => "Published",
                PostState::Archived => "Archived",
            };
            (s.as_str(), label)
        })
        .collect()
}

// ----- posts ------------------------------------------------------------------------------

pub(super) fn options() -> Options<posts::Entity> {
    Options {
        audit_type: "post",
        display_field: "title",
        list_display: vec![
            ListColumn::Field("title"),
            ListColumn::Field("author_id"),
            ListColumn::Field("state"),
            ListColumn::Field("visibility"),
            ListColumn::Field("published_at"),
            ListColumn::Field("updated_at"),
        ],
        list_filter: vec!["state", "visibility", "author_id", "published_at"],
        search_fields: vec!["title", "slug"],
        search_index: Some(SearchIndex {
            sqlite_fts_table: "posts_search",
        }),
        ordering: vec!["-created_at"],
        sortable: vec!["title", "state", "published_at", "updated_at", "created_at"],
        readonly: vec!["slug", "reading_minutes", "created_at", "updated_at"],
        fieldsets: vec![
            Fieldset {
                title: "Post",
                fields: vec!["title", "summary", "body_markdown", "featured_media_id"],
                description: None,
            },
            Fieldset {
                title: "Publishing",
                fields: vec![
                    "state",
                    "visibility",
                    "author_id",
                    "published_at",
                    "scheduled_at",
                ],
                description: Some("Only editors and admins approve, schedule or publish."),
            },
            Fieldset {
                title: "Details",
                fields: vec!["slug", "reading_minutes", "created_at", "updated_at"],
                description: None,
            },
        ],
        widgets: vec![
            ("body_markdown", Widget::Markdown),
            ("summary", Widget::TextArea),
        ],
        choices: vec![
            ("state", states()),
            (
                "visibility",
                vec![
                    (Visibility::Public.as_str(), "Public"),
                    (Visibility::Members.as_str(), "Members"),
                    (Visibility::Paid.as_str(), "Paid members"),
                ],
            ),
        ],
        labels: vec![
            ("body_markdown", "Body"),
            ("author_id", "Author"),
            ("featured_media_id", "Featured image"),
        ],
        help: vec![
            (
                "body_markdown",
                "Markdown. Use Preview to see it as readers will.",
            ),
            (
                "scheduled_at",
                "For a scheduled post: when it goes out (UTC).",
            ),
            (
                "featured_media_id",
                "Shown on the post's page, its cards, link previews and feeds. Upload images under Media.",
            ),
        ],
        owner_field: Some("author_id"),
        // Only a post readers can see has a page to view.
        view_on_site: Some(|m: &posts::Model| {
            (m.state == PostState::Published.as_str()
                && m.published_at.is_some_and(|d| d <= crate::models::now()))
            .then(|| format!("/posts/{}", m.slug))
        }),
        actions: vec![
            BulkAction::set(
                "approve",
                "Approve selected (in review)",
                "will be approved",
                "state",
                "approved",
            )
            .also_needs("review"),
            BulkAction::set(
                "publish",
                "Publish selected now (approved or scheduled)",
                "will be published",
                "state",
                "published",
            )
            .also_needs("publish"),
            BulkAction::set(
                "archive",
                "Archive selected",
                "will be archived",
                "state",
                "archived",
            )
            .also_needs("publish"),
            BulkAction::set(
                "to_review",
                "Submit selected for review (drafts)",
                "will be sent to review",
                "state",
                "in_review",
            ),
            BulkAction::delete(),
        ],
        shortcut: Some('p'),
        ..Options::new("content", "posts", "post", "posts")
    }
}

pub(super) struct PostsAdmin(pub(super) Options<posts::Entity>);

fn may_publish(user: &dyn AdminUser) -> bool {
    user.grant("publish").is_some()
}

/// The post form as the model takes it: the row with the person's changes, and the tags as
/// typed (or as they are, when the submission has none).
async fn post_form(
    db: &DatabaseConnection,
    author: i32,
    submission: &Submission<'_, posts::Entity>,
) -> Result<PostForm, SaveError> {
    let row = &submission.row;
    let tags = match submission.raw.get("tags") {
        Some(typed) => typed.split(',').map(|t| t.trim().to_string()).collect(),
        None => match submission.before {
            Some(b) => post_model::tag_names(db, b.id).await.map_err(refusal)?,
            None => Vec::new(),
        },
    };
    Ok(PostForm {
        title: value(&row.title).unwrap_or_default(),
        summary: value(&row.summary).unwrap_or_default(),
        body_markdown: value(&row.body_markdown).unwrap_or_default(),
        // Not a field of the form (posts move through their workflow): what is stored.
        state: submission.before.map_or_else(
            || PostState::Draft.as_str().to_string(),
            |b| b.state.clone(),
        ),
        visibility: value(&row.visibility)
            .unwrap_or_else(|| Visibility::Public.as_str().to_string()),
        author_id: value(&row.author_id).unwrap_or(author),
        featured_media_id: value(&row.featured_media_id).flatten(),
        published_at: value(&row.published_at).flatten(),
        scheduled_at: value(&row.scheduled_at).flatten(),
        tags,
    })
}

/// The post form from what was typed, before the engine has parsed it: the model's rules on
/// the text fields and the state, shown together with the engine's own checks.
fn typed_form(
    author: i32,
    values: &BTreeMap<String, String>,
    obj: Option<&posts::Model>,
) -> PostForm {
    let text = |field: &str, stored: Option<&String>| {
        values.get(field).or(stored).cloned().unwrap_or_default()
    };
    let date = |field: &str, stored| match values.get(field) {
        Some(t) if t.trim().is_empty() => None,
        // Typed but not yet parsed: a placeholder, so "has a date" holds; the engine checks
        // the value itself.
        Some(_) => Some(crate::models::now()),
        None => stored,
    };
    PostForm {
        title: text("title", obj.map(|p| &p.title)),
        summary: text("summary", obj.map(|p| &p.summary)),
        body_markdown: text("body_markdown", obj.map(|p| &p.body_markdown)),
        // Not a field of the form: the post's own state, draft for a new one.
        state: obj.map_or_else(
            || PostState::Draft.as_str().to_string(),
            |p| p.state.clone(),
        ),
        visibility: text("visibility", obj.map(|p| &p.visibility)),
        author_id: obj.map_or(author, |p| p.author_id),
        // Checked against the stored images when saved.
        featured_media_id: obj.and_then(|p| p.featured_media_id),
        published_at: date("published_at", obj.and_then(|p| p.published_at)),
        scheduled_at: date("scheduled_at", obj.and_then(|p| p.scheduled_at)),
        tags: values
            .get("tags")
            .map(|t| t.split(',').map(|t| t.trim().to_string()).collect())
            .unwrap_or_default(),
    }
}

#[async_trait]
impl ModelAdmin<posts::Entity> for PostsAdmin {
    fn validate(
        &self,
        user: &dyn AdminUser,
        values: &BTreeMap<String, String>,
        obj: Option<&posts::Model>,
    ) -> FieldErrors {
        let Some(s) = staff(user) else {
            return FieldErrors::new();
        };
        let form = typed_form(s.actor.user.id, values, obj);
        match post_model::check_form(&s.actor, obj, &form) {
            Ok(()) => FieldErrors::new(),
            Err(e) => field_errors(&e),
        }
    }

    fn options(&self) -> &Options<posts::Entity> {
        &self.0
    }

    fn readonly_fields(
        &self,
        user: &dyn AdminUser,
        _obj: Option<&posts::Model>,
    ) -> Vec<&'static str> {
        let mut r = self.0.readonly.clone();
        if only_own(user, "posts.change") || user.grant("posts.change").is_none() {
            r.push("author_id");
        }
        // A post moves through its workflow (its own page and the bulk actions), never by a
        // field of this form.
        r.extend(["state", "scheduled_at"]);
        if !may_publish(user) {
            r.push("published_at");
        }
        r
    }

    // A post's author is someone who can write posts: not a reader, not a moderator.
    fn limit_choices_to(&self, _user: &dyn AdminUser, field: &str) -> Option<sea_orm::Condition> {
        use sea_orm::ColumnTrait;
        if field == "featured_media_id" {
            return Some(super::media_panels::images_only());
        }
        (field == "author_id").then(|| {
            let writers: Vec<&str> = Role::ALL
                .iter()
                .filter(|r| crate::auth::permissions::grant_named(**r, "posts.add").is_some())
                .map(|r| r.as_str())
                .collect();
            sea_orm::Condition::all().add(users::Column::Role.is_in(writers))
        })
    }

    fn initial(&self, user: &dyn AdminUser, field: &str) -> Option<String> {
        match field {
            "author_id" => Some(user.id().to_string()),
            "state" => Some(PostState::Draft.as_str().to_string()),
            "visibility" => Some(Visibility::Public.as_str().to_string()),
            _ => None,
        }
    }

    fn extra_fields(&self, _user: &dyn AdminUser) -> Vec<ExtraField> {
        vec![ExtraField {
            name: "tags",
            label: "Tags",
            help: Some("Separate tags with commas; a tag that does not exist yet is created."),
            fieldset: "Post",
        }]
    }

    async fn extra_values(
        &self,
        db: &DatabaseConnection,
        row: &posts::Model,
    ) -> BTreeMap<String, String> {
        let names = crate::models::tags::Model::for_posts(db, &[row.id])
            .await
            .ok()
            .and_then(|mut m| m.remove(&row.id))
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.name)
            .collect::<Vec<_>>()
            .join(", ");
        BTreeMap::from([("tags".to_string(), names)])
    }

    async fn save_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        submission: Submission<'_, posts::Entity>,
    ) -> Option<Result<posts::Model, SaveError>> {
        let author = match writer(user) {
            Ok(s) => s.actor.user.id,
            Err(e) => return Some(Err(e)),
        };
        let form = match post_form(db, author, &submission).await {
            Ok(f) => f,
            Err(e) => return Some(Err(e)),
        };
        // A form without its version is treated as stale: it cannot show it saw the latest
        // save.
        let lock = submission
            .lock_version
            .and_then(|l| i32::try_from(l).ok())
            .unwrap_or(-1);
        Some(
            as_staff(user, |s| async move {
                match submission.before {
                    None => post_model::create(db, &s.actor, &s.meta, &form).await,
                    Some(b) => {
                        post_model::update(
                            db,
                            &s.actor,
                            &s.meta,
                            &s.settings.editorial,
                            b.id,
                            lock,
                            &form,
                        )
                        .await
                    }
                }
            })
            .await,
        )
    }

    async fn delete_model(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &posts::Model,
    ) -> Option<Result<(), SaveError>> {
        Some(as_staff(user, |s| post_model::delete(db, &s.actor, &s.meta, row.id)).await)
    }

    async fn bulk_action(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        action: &BulkAction,
        ids: &[i64],
    ) -> Option<Result<BulkOutcome, SaveError>> {
        use crate::models::posts::workflow::{self, Transition};
        let t = match action.name {
            "publish" => Transition::PublishNow,
            "archive" => Transition::Archive,
            "to_review" => Transition::Submit,
            "approve" => Transition::Approve,
            // Deletion goes row by row through `delete_model`.
            _ => return None,
        };
        let ids = ids32(ids);
        Some(
            as_staff(user, |s| async move {
                let (tally, notices) =
                    workflow::apply_many(db, &s.actor, &s.meta, &s.settings.editorial, t, &ids)
                        .await?;
                crate::models::mail::dispatch_all(&s.ctx, notices).await;
                // The moved posts' publish jobs follow them; the minute sweep covers a
                // runtime that is down.
                if let Ok(jobs) = crate::jobs::Jobs::get(&s.ctx) {
                    for post in post_model::Entity::find()
                        .filter(post_model::Column::Id.is_in(ids.clone()))
                        .all(db)
                        .await?
                    {
                        if let Err(e) = crate::jobs::publish::sync(&jobs.client, &post).await {
                            tracing::warn!(post = post.id, error = %e, "could not queue the post's publish jobs");
                        }
                    }
                }
                Ok(tally)
            })
            .await
            .map(outcome),
        )
    }

    async fn banner(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &posts::Model,
    ) -> Option<copydesk_admin::Banner> {
        let staff = staff(user)?;
        let policy = &staff.settings.editorial;
        match post_model::locks::look(db, &staff.actor, row, policy.lock_quiet_minutes).await {
            Ok(look) => look.map(|l| {
                crate::views::admin::editing::banner(
                    row.id,
                    &l,
                    policy,
                    policy.tz_for(&staff.actor.user),
                )
            }),
            Err(e) => {
                tracing::warn!(post = row.id, error = %e, "could not open the post's editing lock");
                None
            }
        }
    }

    async fn field_notes(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &posts::Model,
    ) -> std::collections::BTreeMap<String, Vec<copydesk_admin::PanelRow>> {
        let Some(staff) = staff(user) else {
            return std::collections::BTreeMap::new();
        };
        super::post_panels::comment_notes(db, staff, row).await
    }

    async fn panels(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &posts::Model,
    ) -> Vec<Panel> {
        let Some(staff) = staff(user) else {
            return Vec::new();
        };
        let mut panels = vec![
            super::post_panels::workflow(staff, row),
            super::post_panels::accessibility(row),
            super::post_panels::revisions(db, row).await,
        ];
        panels.extend(super::post_panels::jobs(staff, row).await);
        panels.extend(super::media_panels::chooser(db, staff).await);
        panels
    }
}
