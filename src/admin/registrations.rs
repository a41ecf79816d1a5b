//! Every model Copydesk has, registered with the admin engine.
use std::collections::BTreeMap;

use async_trait::async_trait;
use copydesk_admin::{
    Action, AdminSite, AdminUser, BulkAction, ExtraField, FieldErrors, Fieldset, Grant,
    HiddenField, ListColumn, ModelAdmin, Options, Panel, PanelButton, PanelRow, Registered,
    SaveError, SearchIndex, Widget,
};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    DatabaseConnection, DatabaseTransaction,
};
use validator::Validate;

use super::staff;
use crate::{
    models::{
        _entities::{audit_log, comments, media, posts, tags, users},
        posts::{PostState, Visibility},
        slug,
        users::{Role, UserStatus},
    },
    views::forms::field_errors,
};

pub fn register(site: &mut AdminSite) {
    site.register(Registered::new(PostsAdmin(posts_options())));
    site.register(Registered::new(TagsAdmin(tags_options())));
    site.register(Registered::new(MediaAdmin(media_options())));
    site.register(Registered::new(Plain(comments_options())));
    site.register(Registered::new(UsersAdmin(users_options())));
    site.register(Registered::new(Plain(audit_options())));
}

/// A registration with no hooks beyond its options.
struct Plain<E: copydesk_admin::AdminEntity>(Options<E>);

impl<E: copydesk_admin::AdminEntity> ModelAdmin<E> for Plain<E>
where
    E::Model: 'static,
{
    fn options(&self) -> &Options<E> {
        &self.0
    }
}

fn raw<'a>(values: &'a BTreeMap<String, String>, field: &str) -> &'a str {
    values.get(field).map_or("", String::as_str)
}

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

fn posts_options() -> Options<posts::Entity> {
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
                fields: vec!["title", "summary", "body_markdown"],
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
        labels: vec![("body_markdown", "Body"), ("author_id", "Author")],
        help: vec![
            (
                "body_markdown",
                "Markdown. Use Preview to see it as readers will.",
            ),
            (
                "scheduled_at",
                "For a scheduled post: when it goes out (UTC).",
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
                "publish",
                "Publish selected",
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
                "Send selected to review",
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

#[derive(Validate)]
struct PostFields<'a> {
    #[validate(length(min = 1, max = 200, message = "Enter a title of 1 to 200 characters."))]
    title: &'a str,
    #[validate(length(max = 500, message = "Keep the summary under 500 characters."))]
    summary: &'a str,
    #[validate(length(max = 200_000, message = "The body is longer than 200,000 characters."))]
    body_markdown: &'a str,
}

struct PostsAdmin(Options<posts::Entity>);

fn may_publish(user: &dyn AdminUser) -> bool {
    user.grant("publish").is_some()
}

fn only_own(user: &dyn AdminUser, permission: &str) -> bool {
    user.grant(permission) == Some(Grant::Own)
}

#[async_trait]
impl ModelAdmin<posts::Entity> for PostsAdmin {
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
        if !may_publish(user) {
            r.extend(["published_at", "scheduled_at"]);
        }
        r
    }

    // A post's author is someone who can write posts: not a reader, not a moderator.
    fn limit_choices_to(&self, _user: &dyn AdminUser, field: &str) -> Option<sea_orm::Condition> {
        use sea_orm::ColumnTrait;
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

    fn validate(
        &self,
        user: &dyn AdminUser,
        values: &BTreeMap<String, String>,
        obj: Option<&posts::Model>,
    ) -> FieldErrors {
        let fields = PostFields {
            title: raw(values, "title").trim(),
            summary: raw(values, "summary"),
            body_markdown: raw(values, "body_markdown"),
        };
        let mut errors = fields
            .validate()
            .err()
            .map(|e| field_errors(&e))
            .unwrap_or_default();
        if raw(values, "tags")
            .split(',')
            .any(|t| t.trim().chars().count() > 100)
        {
            errors.insert("tags".into(), "Keep each tag under 100 characters.".into());
        }
        let state = raw(values, "state");
        if let Some(to) = PostState::parse(state)
            && let Err(msg) = crate::models::posts::check_state_change(
                may_publish(user),
                obj.and_then(|m| PostState::parse(&m.state)),
                to,
            )
        {
            errors.insert("state".into(), msg.into());
        }
        let scheduled_at = values
            .get("scheduled_at")
            .map(String::as_str)
            .or_else(|| obj.and_then(|m| m.scheduled_at.map(|_| "set")))
            .unwrap_or("");
        if state == PostState::Scheduled.as_str() && scheduled_at.trim().is_empty() {
            errors.insert(
                "scheduled_at".into(),
                "A scheduled post needs a publication time.".into(),
            );
        }
        errors
    }

    async fn before_save(
        &self,
        txn: &DatabaseTransaction,
        user: &dyn AdminUser,
        row: &mut posts::ActiveModel,
        before: Option<&posts::Model>,
    ) -> Result<(), SaveError> {
        // The same state rule for the form and every bulk action.
        if let Set(state) = &row.state
            && let Some(to) = PostState::parse(state)
            && let Err(msg) = crate::models::posts::check_state_change(
                may_publish(user),
                before.and_then(|m| PostState::parse(&m.state)),
                to,
            )
        {
            return Err(SaveError::Fields(FieldErrors::from([(
                "state".to_string(),
                msg.to_string(),
            )])));
        }
        if before.is_none() {
            let title = match &row.title {
                Set(t) => t.clone(),
                _ => String::new(),
            };
            let base = slug::slugify(&title, "post");
            let s = slug::unique_slug::<posts::Entity, _>(
                txn,
                posts::Column::Slug,
                posts::Column::Id,
                &base,
                None,
            )
            .await?;
            row.slug = Set(s);
            row.reading_minutes = Set(0);
            row.body_html = Set(String::new());
            if matches!(row.author_id, NotSet) || only_own(user, "posts.add") {
                row.author_id = Set(i32::try_from(user.id()).unwrap_or_default());
            }
        }
        Ok(())
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

    async fn save_extra(
        &self,
        txn: &DatabaseTransaction,
        _user: &dyn AdminUser,
        saved: &posts::Model,
        values: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, SaveError> {
        let mut names: Vec<String> = Vec::new();
        for t in raw(values, "tags").split(',').map(str::trim) {
            if !t.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(t)) {
                names.push(t.to_string());
            }
        }
        crate::models::posts::set_tags(txn, saved.id, &names)
            .await
            .map_err(|e| match e {
                crate::models::posts::PostError::Db(e) => SaveError::Db(e),
                other => {
                    SaveError::Fields(FieldErrors::from([("tags".to_string(), other.to_string())]))
                }
            })?;
        Ok(BTreeMap::from([("tags".to_string(), names.join(", "))]))
    }

    async fn panels(
        &self,
        _db: &DatabaseConnection,
        user: &dyn AdminUser,
        row: &posts::Model,
    ) -> Vec<Panel> {
        let Some(staff) = staff(user) else {
            return Vec::new();
        };
        let jobs = match crate::jobs::records::jobs_for_record(
            &staff.ctx,
            &staff.actor,
            &format!("posts:{}", row.id),
        )
        .await
        {
            Ok(jobs) => jobs,
            // The job store could not be read: say so rather than show an empty panel.
            Err(e) => {
                return vec![Panel {
                    title: "Background jobs for this post".into(),
                    empty: String::new(),
                    rows: vec![PanelRow {
                        text: "The background jobs could not be read.".into(),
                        detail: e.to_string(),
                        state: "failed".into(),
                        href: None,
                        button: None,
                    }],
                }];
            }
        };
        if jobs.is_empty()
            && staff
                .actor
                .grant(crate::auth::Capability::JOBS_VIEW)
                .is_none()
        {
            return Vec::new();
        }
        vec![Panel {
            title: "Background jobs for this post".into(),
            empty: "No background jobs have run for this post.".into(),
            rows: jobs
                .into_iter()
                .map(|j| PanelRow {
                    text: format!("{}: {}", j.class, j.state),
                    detail: if j.failed {
                        j.error.clone().unwrap_or_default()
                    } else {
                        j.updated.clone()
                    },
                    state: if j.failed { "failed" } else { "ok" }.into(),
                    href: None,
                    button: j.can_retry.then(|| PanelButton {
                        label: "Retry now".into(),
                        url: j.retry_url.to_string(),
                        fields: vec![
                            HiddenField {
                                name: "jid".into(),
                                value: j.jid.clone(),
                            },
                            HiddenField {
                                name: "back".into(),
                                value: j.back.clone().unwrap_or_default(),
                            },
                        ],
                    }),
                })
                .collect(),
        }]
    }
}

// ----- tags, media, comments ---------------------------------------------------------------

fn tags_options() -> Options<tags::Entity> {
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

struct TagsAdmin(Options<tags::Entity>);

#[derive(Validate)]
struct TagFields<'a> {
    #[validate(length(min = 1, max = 100, message = "Enter a name of 1 to 100 characters."))]
    name: &'a str,
    #[validate(length(max = 100, message = "Keep the slug under 100 characters."))]
    slug: &'a str,
}

#[async_trait]
impl ModelAdmin<tags::Entity> for TagsAdmin {
    fn options(&self) -> &Options<tags::Entity> {
        &self.0
    }

    fn validate(
        &self,
        _user: &dyn AdminUser,
        values: &BTreeMap<String, String>,
        _obj: Option<&tags::Model>,
    ) -> FieldErrors {
        let slug_text = raw(values, "slug").trim();
        let mut errors = TagFields {
            name: raw(values, "name").trim(),
            slug: slug_text,
        }
        .validate()
        .err()
        .map(|e| field_errors(&e))
        .unwrap_or_default();
        if !slug_text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            errors.entry("slug".into()).or_insert_with(|| {
                "Use lowercase letters, digits and dashes, or leave it empty to make one from the name."
                    .into()
            });
        }
        errors
    }

    async fn before_save(
        &self,
        txn: &DatabaseTransaction,
        _user: &dyn AdminUser,
        row: &mut tags::ActiveModel,
        before: Option<&tags::Model>,
    ) -> Result<(), SaveError> {
        let name = match &row.name {
            Set(n) => n.trim().to_string(),
            _ => before.map(|b| b.name.clone()).unwrap_or_default(),
        };
        row.name = Set(name.clone());
        let wanted = match &row.slug {
            Set(s) if !s.trim().is_empty() => s.trim().to_string(),
            _ => slug::slugify(&name, "tag"),
        };
        let unique = slug::unique_slug::<tags::Entity, _>(
            txn,
            tags::Column::Slug,
            tags::Column::Id,
            &wanted,
            before.map(|b| b.id),
        )
        .await?;
        row.slug = Set(unique);
        if before.is_none() {
            row.created_at = Set(crate::models::now());
        }
        Ok(())
    }
}

fn media_options() -> Options<media::Entity> {
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
            vec![
                ("image/jpeg", "JPEG image"),
                ("image/png", "PNG image"),
                ("image/webp", "WebP image"),
                ("image/svg+xml", "SVG image"),
                ("application/pdf", "PDF document"),
            ],
        )],
        labels: vec![
            ("uploader_id", "Uploaded by"),
            ("alt_text", "Alternative text"),
        ],
        help: vec![(
            "alt_text",
            "What the image shows, for people who cannot see it.",
        )],
        owner_field: Some("uploader_id"),
        shortcut: Some('m'),
        ..Options::new("content", "media", "media item", "media")
    }
}

struct MediaAdmin(Options<media::Entity>);

#[async_trait]
impl ModelAdmin<media::Entity> for MediaAdmin {
    fn options(&self) -> &Options<media::Entity> {
        &self.0
    }

    fn readonly_fields(
        &self,
        user: &dyn AdminUser,
        _obj: Option<&media::Model>,
    ) -> Vec<&'static str> {
        let mut r = self.0.readonly.clone();
        if only_own(user, "media.change") {
            r.push("uploader_id");
        }
        r
    }

    fn initial(&self, user: &dyn AdminUser, field: &str) -> Option<String> {
        (field == "uploader_id").then(|| user.id().to_string())
    }

    async fn before_save(
        &self,
        _txn: &DatabaseTransaction,
        user: &dyn AdminUser,
        row: &mut media::ActiveModel,
        before: Option<&media::Model>,
    ) -> Result<(), SaveError> {
        if before.is_none() {
            let name = match &row.file_name {
                Set(n) => slug::slugify(n, "file"),
                _ => "file".to_string(),
            };
            let mut bytes = [0_u8; 6];
            getrandom::fill(&mut bytes)
                .map_err(|e| SaveError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
            row.storage_key = Set(format!("uploads/{}-{name}", hex::encode(bytes)));
            row.size_bytes = Set(0);
            if only_own(user, "media.add") || matches!(row.uploader_id, NotSet) {
                row.uploader_id = Set(i32::try_from(user.id()).ok());
            }
        }
        Ok(())
    }
}

fn comments_options() -> Options<comments::Entity> {
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

// ----- people ------------------------------------------------------------------------------

fn users_options() -> Options<users::Entity> {
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

struct UsersAdmin(Options<users::Entity>);

fn role_of(user: &dyn AdminUser) -> Role {
    Role::parse(user.role()).unwrap_or(Role::Member)
}

#[derive(Validate)]
struct PersonFields<'a> {
    #[validate(length(min = 1, max = 100, message = "Enter a name of 1 to 100 characters."))]
    display_name: &'a str,
    #[validate(email(message = "Enter an email address such as name@example.com."))]
    email: &'a str,
    #[validate(length(max = 2000, message = "Keep the bio under 2,000 characters."))]
    bio: &'a str,
}

#[async_trait]
impl ModelAdmin<users::Entity> for UsersAdmin {
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

    // A person added here has no password: they get an invitation to choose one.
    async fn after_commit(
        &self,
        _db: &DatabaseConnection,
        user: &dyn AdminUser,
        saved: &users::Model,
        before: Option<&users::Model>,
    ) -> Option<String> {
        let staff = staff(user)?;
        if before.is_some() || !saved.invitation_pending() {
            return None;
        }
        Some(
            match saved
                .send_invitation(&staff.ctx, &staff.actor, &staff.meta)
                .await
            {
                Ok(_) => format!(
                    "An invitation to choose a password is on its way to {}.",
                    saved.email
                ),
                Err(e) => {
                    format!("The invitation was not sent ({e}); send it again from their page.")
                }
            },
        )
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

    fn validate(
        &self,
        user: &dyn AdminUser,
        values: &BTreeMap<String, String>,
        obj: Option<&users::Model>,
    ) -> FieldErrors {
        use crate::auth::permissions::rank;
        if obj.is_some_and(|u| rank(u.role()) > rank(role_of(user))) {
            return FieldErrors::from([(
                "__all__".to_string(),
                "You may not change someone of higher rank.".to_string(),
            )]);
        }
        let email = values
            .get("email")
            .map_or_else(|| obj.map_or("", |u| u.email.as_str()), String::as_str);
        let fields = PersonFields {
            display_name: values
                .get("display_name")
                .map_or_else(
                    || obj.map_or("", |u| u.display_name.as_str()),
                    String::as_str,
                )
                .trim(),
            email: email.trim(),
            bio: raw(values, "bio"),
        };
        fields
            .validate()
            .err()
            .map(|e| field_errors(&e))
            .unwrap_or_default()
    }

    async fn before_save(
        &self,
        txn: &DatabaseTransaction,
        user: &dyn AdminUser,
        row: &mut users::ActiveModel,
        before: Option<&users::Model>,
    ) -> Result<(), SaveError> {
        use crate::auth::{AuthError, permissions::check_role_change};
        let fail = |field: &str, msg: &str| {
            SaveError::Fields(FieldErrors::from([(field.to_string(), msg.to_string())]))
        };
        if let Set(email) = &row.email {
            let trimmed = email.trim().to_string();
            if let Some(other) = crate::models::users::Model::find_by_email(txn, &trimmed).await?
                && before.is_none_or(|b| b.id != other.id)
            {
                return Err(fail("email", "Another account uses this address."));
            }
            row.email = Set(trimmed);
        }
        let new_role = match &row.role {
            Set(r) => Role::parse(r),
            _ => None,
        };
        // A new person starts with no role of their own: whatever they get is given.
        let target_role = before.map_or(Role::Member, users::Model::role);
        let new_role = new_role.or(before.is_none().then_some(Role::Member));
        match check_role_change(role_of(user), target_role, new_role) {
            Ok(()) => {}
            Err(AuthError::RoleBeyondOwn(cap)) => {
                return Err(fail(
                    "role",
                    &format!("You may not give a role that can do what you cannot ({cap})."),
                ));
            }
            Err(_) => {
                return Err(fail(
                    "role",
                    "You may not act on someone of higher rank, nor give a role above your own.",
                ));
            }
        }
        match before {
            None => {
                let name = match &row.display_name {
                    Set(n) => n.clone(),
                    _ => String::new(),
                };
                let base = slug::slugify(&name, "person");
                row.slug = Set(slug::unique_slug::<users::Entity, _>(
                    txn,
                    users::Column::Slug,
                    users::Column::Id,
                    &base,
                    None,
                )
                .await?);
                row.bio = match &row.bio {
                    Set(b) => Set(b.clone()),
                    _ => Set(String::new()),
                };
            }
            Some(b) => {
                let role_after = new_role.unwrap_or(b.role());
                let status_after = match &row.status {
                    Set(s) => s.clone(),
                    _ => b.status.clone(),
                };
                let was = b.role() == Role::Admin && b.status == UserStatus::Active.as_str();
                let stays =
                    role_after == Role::Admin && status_after == UserStatus::Active.as_str();
                if was && !stays && crate::models::users::active_admins(txn).await? <= 1 {
                    return Err(fail("role", "Copydesk needs at least one active admin."));
                }
                if matches!(&row.email, Set(e) if *e != b.email) {
                    row.email_verified_at = Set(None);
                }
            }
        }
        Ok(())
    }

    async fn after_save(
        &self,
        txn: &DatabaseTransaction,
        _user: &dyn AdminUser,
        saved: &users::Model,
        before: Option<&users::Model>,
    ) -> Result<(), SaveError> {
        if let Some(b) = before {
            if b.role != saved.role || b.status != saved.status {
                crate::models::sessions::end_all_for_user(txn, saved.id, None).await?;
                crate::models::api_tokens::revoke_all_for_user(txn, saved.id).await?;
            }
            if b.email != saved.email {
                crate::models::mail::readdress(txn, &b.email, &saved.email).await?;
            }
        }
        Ok(())
    }

    async fn before_delete(
        &self,
        txn: &DatabaseTransaction,
        user: &dyn AdminUser,
        row: &users::Model,
    ) -> Result<(), SaveError> {
        use crate::auth::permissions::rank;
        let fail = |msg: &str| {
            SaveError::Fields(FieldErrors::from([(
                "__all__".to_string(),
                msg.to_string(),
            )]))
        };
        if rank(row.role()) > rank(role_of(user)) {
            return Err(fail("You may not delete someone of higher rank."));
        }
        if row.role() == Role::Admin
            && row.status == UserStatus::Active.as_str()
            && crate::models::users::active_admins(txn).await? <= 1
        {
            return Err(fail("Copydesk needs at least one active admin."));
        }
        Ok(())
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

// ----- the audit log -----------------------------------------------------------------------

fn audit_options() -> Options<audit_log::Entity> {
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
