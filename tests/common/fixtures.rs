//! Builders for test data, going through the same model methods the app uses.
use chrono::Duration;
use copydesk::{
    actor::{Actor, RequestMeta, Via},
    models::{
        now,
        posts::{self, PostForm},
        users::{self, UserForm},
    },
};
use sea_orm::DatabaseConnection;

use super::TestApp;

pub async fn author(db: &DatabaseConnection, name: &str) -> users::Model {
    person(db, name, "author").await
}

/// Someone with `role`, their address made from the name.
pub async fn person(db: &DatabaseConnection, name: &str, role: &str) -> users::Model {
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
    users::Model::create_user(
        db,
        &UserForm {
            email,
            display_name: name.into(),
            bio: format!("{name} writes here."),
            role: role.into(),
        },
    )
    .await
    .unwrap()
}

/// `user` acting through the model functions (as an API token would, so with no session).
pub fn actor(user: &users::Model) -> Actor {
    Actor {
        user: user.clone(),
        via: Via::Token {
            token_id: 0,
            write: true,
        },
    }
}

/// `user` acting with an admin's rights, for test data such as an author's published post
/// (the audit log names `user`).
pub fn with_all_rights(user: &users::Model) -> Actor {
    let mut u = user.clone();
    u.role = "admin".into();
    actor(&u)
}

/// The request details a test's writes are audited with.
pub fn meta() -> RequestMeta {
    RequestMeta::system("test")
}

/// A post to create; `days_ago` dates it (negative = in the future).
#[derive(Clone)]
pub struct PostSpec {
    pub title: String,
    pub state: &'static str,
    pub visibility: &'static str,
    pub days_ago: Option<i64>,
    pub tags: Vec<String>,
    pub body: String,
    pub summary: String,
}

impl PostSpec {
    pub fn published(title: &str, days_ago: i64) -> Self {
        Self {
            title: title.into(),
            state: "published",
            visibility: "public",
            days_ago: Some(days_ago),
            tags: vec![],
            body: format!("A body for *{title}*.\n\nIt has two paragraphs."),
            summary: format!("Summary of {title}."),
        }
    }

    pub fn state(mut self, state: &'static str) -> Self {
        self.state = state;
        self
    }

    pub fn visibility(mut self, v: &'static str) -> Self {
        self.visibility = v;
        self
    }

    pub fn tags(mut self, tags: &[&str]) -> Self {
        self.tags = tags.iter().map(|t| (*t).to_string()).collect();
        self
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = body.into();
        self
    }

    pub fn undated(mut self) -> Self {
        self.days_ago = None;
        self
    }
}

pub async fn post(db: &DatabaseConnection, author: &users::Model, spec: PostSpec) -> posts::Model {
    let when = spec.days_ago.map(|d| now() - Duration::days(d));
    let form = PostForm {
        title: spec.title,
        summary: spec.summary,
        body_markdown: spec.body,
        state: spec.state.into(),
        visibility: spec.visibility.into(),
        author_id: author.id,
        featured_media_id: None,
        published_at: if spec.state == "scheduled" {
            None
        } else {
            when
        },
        scheduled_at: if spec.state == "scheduled" {
            when.or_else(|| Some(now() + Duration::days(1)))
        } else {
            None
        },
        tags: spec.tags,
    };
    posts::create(db, &with_all_rights(author), &meta(), &form)
        .await
        .unwrap()
}

/// The form that would save `post` as it stands, with `tags`: a starting point for a change.
pub fn form_of(post: &posts::Model, tags: &[&str]) -> PostForm {
    PostForm::from_model(post, tags.iter().map(|t| (*t).to_string()).collect())
}

/// One post in every state that must stay private, plus a future-dated published one.
/// Returns their slugs.
pub async fn hidden_posts(app: &TestApp, author: &users::Model) -> Vec<String> {
    let db = &app.ctx.db;
    let mut slugs = Vec::new();
    for state in ["draft", "in_review", "approved", "archived"] {
        let p = post(
            db,
            author,
            PostSpec::published(&format!("Hidden {state} story"), 2)
                .state(state)
                .tags(&["secret"]),
        )
        .await;
        slugs.push(p.slug);
    }
    let scheduled = post(
        db,
        author,
        PostSpec::published("Hidden scheduled story", -2)
            .state("scheduled")
            .tags(&["secret"]),
    )
    .await;
    slugs.push(scheduled.slug);
    let future = post(
        db,
        author,
        PostSpec::published("Hidden future story", -3).tags(&["secret"]),
    )
    .await;
    slugs.push(future.slug);
    slugs
}

/// The editorial policy the tests run under unless they set their own: the default, one
/// review stage for everyone who holds `review`.
pub fn policy() -> &'static copydesk::settings::Editorial {
    static POLICY: std::sync::LazyLock<copydesk::settings::Editorial> =
        std::sync::LazyLock::new(copydesk::settings::Editorial::default);
    &POLICY
}

/// "Copy edit" by editors (due in 48 hours), then "Legal read" by admins or one named
/// reviewer.
pub fn two_stages(reset: bool) -> copydesk::settings::Editorial {
    copydesk::settings::Editorial {
        stages: vec![
            copydesk::settings::Stage {
                key: "copy_edit".into(),
                name: "Copy edit".into(),
                roles: vec!["editor".into()],
                person: None,
                due_hours: Some(48),
            },
            copydesk::settings::Stage {
                key: "legal".into(),
                name: "Legal read".into(),
                roles: vec!["admin".into()],
                person: Some("Legal.Reader@example.com".into()),
                due_hours: None,
            },
        ],
        reset_approvals_on_edit: reset,
        ..copydesk::settings::Editorial::default()
    }
}

/// A comment on `post_id` written through the staff path (no moderation rules run on it):
/// a guest's when `guest` names one, else `by`'s own, with `status`.
pub async fn comment(
    db: &DatabaseConnection,
    by: &users::Model,
    post_id: i32,
    guest: Option<&str>,
    body: &str,
    status: &str,
) -> copydesk::models::comments::Model {
    copydesk::models::comments::create(
        db,
        &with_all_rights(by),
        &meta(),
        &copydesk::models::comments::CommentEdit {
            post_id,
            body: body.into(),
            guest_name: guest.unwrap_or_default().into(),
            status: status.into(),
        },
    )
    .await
    .unwrap()
}
