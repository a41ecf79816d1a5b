//! The demo publication: staff for every role, 44 posts in every state, tags, comments in
//! every status, a few files in the media library and a moderation queue to work
//! ([`crate::demo_moderation`]). Dates are relative to now, so the demo always looks current. Seeding is
//! idempotent: each record is keyed by its natural key (email, slug, post and text) and only
//! missing ones are written, all in one transaction.
use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use serde::Deserialize;

use crate::auth::{RequestMeta, passwords};
use crate::models::{
    _entities::post_tags,
    audit, comments, media, now, posts, tags,
    users::{self, UserForm},
};
use crate::settings::Settings;

const DEMO_JSON: &str = include_str!("fixtures/demo.json");

#[derive(Deserialize)]
struct Demo {
    users: Vec<DemoUser>,
    tags: Vec<DemoTag>,
    posts: Vec<DemoPost>,
    comments: Vec<DemoComment>,
    media: Vec<DemoMedia>,
}

/// A file's record: the media library keeps metadata (the files themselves arrive with
/// image uploads).
#[derive(Deserialize)]
struct DemoMedia {
    file_name: String,
    content_type: String,
    size_bytes: i64,
    width: Option<i32>,
    height: Option<i32>,
    alt_text: String,
    uploader: String,
    days_ago: i64,
}

#[derive(Deserialize)]
struct DemoUser {
    email: String,
    display_name: String,
    bio: String,
    role: String,
}

#[derive(Deserialize)]
struct DemoTag {
    name: String,
    slug: String,
}

#[derive(Deserialize)]
struct DemoPost {
    title: String,
    slug: String,
    summary: String,
    body: String,
    state: String,
    visibility: String,
    author: String,
    tags: Vec<String>,
    published_days_ago: Option<i64>,
    scheduled_in_days: Option<i64>,
    /// A post in review: the stage it stands at, when that is due (negative: overdue), who
    /// holds it.
    #[serde(default)]
    review_stage: Option<String>,
    #[serde(default)]
    review_due_in_hours: Option<i64>,
    #[serde(default)]
    review_holder: Option<String>,
}

#[derive(Deserialize)]
struct DemoComment {
    post: String,
    author: Option<String>,
    guest_name: Option<String>,
    body: String,
    status: String,
    days_ago: i64,
}

/// What a seeding run wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub users: usize,
    pub tags: usize,
    pub posts: usize,
    pub comments: usize,
    pub media: usize,
    /// Moderation records: reason presets, flags, decisions, sanctions, appeals.
    pub moderation: usize,
}

impl SeedReport {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The password of every demo account (development only: production never seeds the demo).
pub const DEMO_PASSWORD: &str = "copydesk-demo";

/// Whether the database holds no users at all (a first start).
///
/// # Errors
/// When the database cannot be queried.
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(users::Entity::find().count(db).await? == 0)
}

/// Writes whatever part of the demo is missing.
///
/// # Errors
/// When the bundled demo does not parse or a write fails; nothing is written then.
pub async fn seed(db: &DatabaseConnection, settings: &Settings) -> loco_rs::Result<SeedReport> {
    let security = &settings.security;
    let demo: Demo = serde_json::from_str(DEMO_JSON)?;
    // It reads before it writes: take the write lock first, or the job runtime's writes fail it.
    let txn = crate::db::begin_write(db).await?;
    let mut report = SeedReport::default();
    let ts = now();
    let password_hash = passwords::hash_password(security, DEMO_PASSWORD)
        .map_err(|e| loco_rs::Error::string(&format!("hashing the demo password: {e}")))?;

    for u in &demo.users {
        if users::Model::find_by_email(&txn, &u.email).await?.is_none() {
            let form = UserForm {
                email: u.email.clone(),
                display_name: u.display_name.clone(),
                bio: u.bio.clone(),
                role: u.role.clone(),
            };
            let user = users::Model::create_user(&txn, &form)
                .await
                .map_err(|e| loco_rs::Error::string(&format!("demo user {}: {e}", u.email)))?;
            let mut active: users::ActiveModel = user.into();
            active.password_hash = Set(Some(password_hash.clone()));
            active.email_verified_at = Set(Some(ts));
            active.update(&txn).await?;
            report.users += 1;
        }
    }

    for t in &demo.tags {
        if tags::Model::find_by_slug(&txn, &t.slug).await?.is_none() {
            tags::ActiveModel {
                name: Set(t.name.clone()),
                slug: Set(t.slug.clone()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            report.tags += 1;
        }
    }

    let editor = users::Model::find_by_email(&txn, "editor@example.com")
        .await?
        .map(|u| u.id);
    for p in &demo.posts {
        if posts::Entity::find()
            .filter(posts::Column::Slug.eq(&p.slug))
            .one(&txn)
            .await?
            .is_some()
        {
            continue;
        }
        let author = users::Model::find_by_email(&txn, &p.author)
            .await?
            .ok_or_else(|| {
                loco_rs::Error::string(&format!("demo post {}: no author {}", p.slug, p.author))
            })?;
        let published_at = p
            .published_days_ago
            .map(|d| ts - Duration::days(d) - Duration::hours(d % 7));
        let scheduled_at = p.scheduled_in_days.map(|d| ts + Duration::days(d));
        let created_at = published_at.unwrap_or(ts) - Duration::days(2);
        let review_holder_id = match &p.review_holder {
            Some(email) => users::Model::find_by_email(&txn, email)
                .await?
                .map(|u| u.id),
            None => None,
        };
        let post = posts::ActiveModel {
            review_stage: Set(p.review_stage.clone()),
            review_due_at: Set(p.review_due_in_hours.map(|h| ts + Duration::hours(h))),
            review_holder_id: Set(review_holder_id),
            title: Set(p.title.clone()),
            slug: Set(p.slug.clone()),
            summary: Set(p.summary.clone()),
            body_markdown: Set(p.body.clone()),
            state: Set(p.state.clone()),
            visibility: Set(p.visibility.clone()),
            author_id: Set(author.id),
            published_at: Set(published_at),
            scheduled_at: Set(scheduled_at),
            created_at: Set(created_at),
            updated_at: Set(published_at.unwrap_or(created_at)),
            lock_version: Set(0),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for slug in &p.tags {
            let tag = tags::Model::find_by_slug(&txn, slug)
                .await?
                .ok_or_else(|| {
                    loco_rs::Error::string(&format!("demo post {}: no tag {slug}", p.slug))
                })?;
            post_tags::ActiveModel {
                post_id: Set(post.id),
                tag_id: Set(tag.id),
            }
            .insert(&txn)
            .await?;
        }
        demo_history(&txn, &post, &p.tags, editor, report.posts).await?;
        crate::demo_timeline::seed(&txn, &post).await?;
        if post.state == posts::PostState::InReview.as_str() {
            demo_review_comments(&txn, &post, editor).await?;
        }
        report.posts += 1;
    }

    for c in &demo.comments {
        let post = posts::Entity::find()
            .filter(posts::Column::Slug.eq(&c.post))
            .one(&txn)
            .await?
            .ok_or_else(|| loco_rs::Error::string(&format!("demo comment: no post {}", c.post)))?;
        let exists = comments::Entity::find()
            .filter(comments::Column::PostId.eq(post.id))
            .filter(comments::Column::Body.eq(&c.body))
            .count(&txn)
            .await?
            > 0;
        if exists {
            continue;
        }
        let author_id = match &c.author {
            Some(email) => users::Model::find_by_email(&txn, email)
                .await?
                .map(|u| u.id),
            None => None,
        };
        let created_at =
            ts - Duration::days(c.days_ago) - Duration::minutes(37 * (report.comments as i64 + 1));
        comments::ActiveModel {
            post_id: Set(post.id),
            author_id: Set(author_id),
            guest_name: Set(c.guest_name.clone()),
            body: Set(c.body.clone()),
            status: Set(c.status.clone()),
            ip_hash: Set(String::new()),
            created_at: Set(created_at),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        report.comments += 1;
    }

    for m in &demo.media {
        let key = format!("demo/{}", m.file_name);
        if media::Entity::find()
            .filter(media::Column::StorageKey.eq(&key))
            .count(&txn)
            .await?
            > 0
        {
            continue;
        }
        let uploader = users::Model::find_by_email(&txn, &m.uploader)
            .await?
            .map(|u| u.id);
        let at = ts - Duration::days(m.days_ago);
        media::ActiveModel {
            file_name: Set(m.file_name.clone()),
            content_type: Set(m.content_type.clone()),
            size_bytes: Set(m.size_bytes),
            width: Set(m.width),
            height: Set(m.height),
            alt_text: Set(m.alt_text.clone()),
            storage_key: Set(key),
            uploader_id: Set(uploader),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        report.media += 1;
    }

    // After the comments: the moderation queue is about them.
    report.moderation = crate::demo_moderation::seed(&txn, &settings.moderation).await?;

    if !report.is_empty() {
        audit::record(
            &txn,
            &RequestMeta::system("demo seed"),
            audit::demo_seeded(
                audit::Who::system("demo seed"),
                "",
                serde_json::json!({
                    "users": report.users, "tags": report.tags, "posts": report.posts, "comments": report.comments,
                    "media": report.media, "moderation": report.moderation,
                }),
            ),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(report)
}

/// The copy editor's comments on a post in review: one on the summary, resolved by its
/// author, and one on the body still open, so the review screens show both.
async fn demo_review_comments<C: sea_orm::ConnectionTrait>(
    db: &C,
    post: &posts::Model,
    editor: Option<i32>,
) -> Result<(), sea_orm::DbErr> {
    use crate::models::_entities::review_comments;
    let at = post.updated_at;
    for (field, body, resolved) in [
        (
            "summary",
            "Can the summary name the city? Readers outside it will not know where this is.",
            true,
        ),
        (
            "body_markdown",
            "The second section quotes a figure without a source: add where it comes from, or cut it.",
            false,
        ),
    ] {
        review_comments::ActiveModel {
            post_id: Set(post.id),
            revision: Set(1),
            field: Set(field.into()),
            body: Set(body.into()),
            author_id: Set(editor),
            created_at: Set(at + Duration::minutes(30)),
            resolved_by_id: Set(resolved.then_some(post.author_id)),
            resolved_at: Set(resolved.then(|| at + Duration::hours(2))),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// A demo post's revisions: the first as it was written; every third post with two
/// paragraphs or more was first written shorter, without a summary, and then copy-edited by
/// the editor, so the revision list and the comparison have something to show.
async fn demo_history<C: sea_orm::ConnectionTrait>(
    db: &C,
    post: &posts::Model,
    tag_slugs: &[String],
    editor: Option<i32>,
    index: usize,
) -> Result<(), sea_orm::DbErr> {
    use posts::revisions::{self, RevisionKind};
    let mut tag_names = Vec::new();
    for slug in tag_slugs {
        if let Some(t) = tags::Model::find_by_slug(db, slug).await? {
            tag_names.push(t.name);
        }
    }
    let now_content = revisions::Content::of(post, &tag_names);
    let paragraphs: Vec<&str> = post.body_markdown.split("\n\n").collect();
    let edited = index.is_multiple_of(3) && paragraphs.len() >= 2;
    let first = if edited {
        revisions::Content {
            summary: String::new(),
            body_markdown: paragraphs[..paragraphs.len() - 1]
                .join("\n\n")
                .replace(", ", " "),
            ..now_content.clone()
        }
    } else {
        now_content.clone()
    };
    let all: Vec<&str> = revisions::FIELDS
        .into_iter()
        .filter(|f| !first.field(f).is_empty())
        .collect();
    let by = |kind, author_id| revisions::Origin {
        kind,
        source: String::new(),
        author_id,
    };
    revisions::new_row(
        post.id,
        1,
        0,
        &first,
        &all,
        &by(RevisionKind::Create, Some(post.author_id)),
        post.created_at,
    )
    .insert(db)
    .await?;
    if edited {
        revisions::new_row(
            post.id,
            2,
            0,
            &now_content,
            &now_content.changed_from(&first),
            &by(RevisionKind::Save, editor),
            post.created_at + Duration::hours(20),
        )
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The demo's sign-in table: one line per demo account that exists and may sign in, staff
/// first.
///
/// # Errors
/// When the database cannot be queried.
pub async fn logins(db: &DatabaseConnection) -> Result<Vec<(String, String)>, sea_orm::DbErr> {
    let demo: Demo =
        serde_json::from_str(DEMO_JSON).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    let mut out = Vec::new();
    for role in users::Role::ALL {
        for u in demo.users.iter().filter(|u| u.role == role.as_str()) {
            // A suspended demo person cannot sign in, so is not offered.
            if users::Model::find_by_email(db, &u.email)
                .await?
                .is_some_and(|p| p.status == users::UserStatus::Active.as_str())
            {
                out.push((u.role.clone(), u.email.clone()));
            }
        }
    }
    Ok(out)
}

/// The demo moderator to sign in as: the one the start message names.
pub const MODERATOR: &str = "moderator@example.com";
/// Her colleague, who gave the demo's silence (so she may decide its appeal) and holds a case.
pub const SECOND_MODERATOR: &str = "idris.calloway@example.com";

/// The demo reader whose address is mistyped, so that a mail to her fails for a reason
/// support can fix in the admin.
pub const MISTYPED_READER: &str = "rosa.kettering@example.com";
/// Her address as the demo mistypes it.
pub const MISTYPED_ADDRESS: &str = "rosa.kettering@example..com";

/// Gives the demo a job that fails for a real, explainable reason: Rosa's address is
/// mistyped (as an old import might have left it), and a confirmation mail to her is
/// handed to the job runtime, which refuses the address. Support corrects it under People
/// and retries the job from Jobs → Retries or from the message in the mail outbox.
///
/// # Errors
/// Database, template or job-store errors.
pub async fn seed_failing_mail(ctx: &loco_rs::app::AppContext) -> loco_rs::Result<()> {
    use sea_orm::ActiveModelTrait;
    let Some(rosa) = users::Model::find_by_email(&ctx.db, MISTYPED_READER).await? else {
        return Ok(());
    };
    let mut active: users::ActiveModel = rosa.clone().into();
    active.email = Set(MISTYPED_ADDRESS.to_string());
    active.email_verified_at = Set(None);
    active.update(&ctx.db).await?;
    let settings = crate::settings::Settings::get(ctx)?;
    let locals = serde_json::json!({
        "name": rosa.display_name, "email": MISTYPED_ADDRESS,
        "hours": settings.accounts.verify_ttl_hours, "site_title": settings.site.title,
    });
    let link = crate::models::mail::Link {
        kind: crate::models::mail::LinkKind::VerifyEmail,
        user_id: rosa.id,
    };
    crate::models::mail::deliver_with_link(
        ctx,
        MISTYPED_ADDRESS,
        "verify_email",
        &locals,
        Some(link),
    )
    .await?;
    Ok(())
}
