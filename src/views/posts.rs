//! View-models for the reader pages: plain structs the templates print, built in batches so a
//! list page makes a fixed number of queries whatever its length.
use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;
use validator::ValidationErrors;

use super::images::ImageView;
use crate::models::{Page, comments, media, posts, tags, users};

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct PostCard {
    pub title: String,
    pub url: String,
    pub summary: String,
    pub author: Link,
    pub tags: Vec<Link>,
    pub date_iso: String,
    pub date_human: String,
    pub reading_minutes: u32,
    /// `None` for public posts, else "Members only" or "Paid members only".
    pub access_label: Option<&'static str>,
    /// The featured image, when the post has one that is stored.
    pub image: Option<ImageView>,
}

#[derive(Debug, Serialize)]
pub struct Pager {
    pub page: u64,
    pub total_pages: u64,
    pub total_items: u64,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
}

#[must_use]
pub fn post_url(slug: &str) -> String {
    format!("/posts/{slug}")
}

#[must_use]
pub fn tag_url(slug: &str) -> String {
    format!("/tags/{slug}")
}

#[must_use]
pub fn author_url(slug: &str) -> String {
    format!("/authors/{slug}")
}

#[must_use]
pub fn human_date(d: &DateTime<FixedOffset>) -> String {
    d.format("%-d %B %Y").to_string()
}

/// The authors, tags and featured images of `posts`, loaded in four queries.
pub struct Related {
    pub authors: HashMap<i32, users::Model>,
    pub tags: HashMap<i32, Vec<tags::Model>>,
    pub images: HashMap<i32, media::variants::Image>,
}

impl Related {
    /// # Errors
    /// When the database cannot be queried.
    pub async fn load<C: ConnectionTrait>(db: &C, posts: &[posts::Model]) -> Result<Self, DbErr> {
        let mut author_ids: Vec<i32> = posts.iter().map(|p| p.author_id).collect();
        author_ids.sort_unstable();
        author_ids.dedup();
        let authors = users::Entity::find()
            .filter(users::Column::Id.is_in(author_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let ids: Vec<i32> = posts.iter().map(|p| p.id).collect();
        let tags = tags::Model::for_posts(db, &ids).await?;
        let featured: Vec<i32> = posts.iter().filter_map(|p| p.featured_media_id).collect();
        let images = media::variants::images(db, &featured).await?;
        Ok(Self {
            authors,
            tags,
            images,
        })
    }

    #[must_use]
    pub fn card(&self, post: &posts::Model) -> PostCard {
        let author = self.authors.get(&post.author_id).map_or_else(
            || Link {
                name: "Unknown author".into(),
                url: "/".into(),
            },
            |a| Link {
                name: a.display_name.clone(),
                url: author_url(&a.slug),
            },
        );
        let tags = self
            .tags
            .get(&post.id)
            .map(|ts| {
                ts.iter()
                    .map(|t| Link {
                        name: t.name.clone(),
                        url: tag_url(&t.slug),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let date = post.published_at.unwrap_or(post.created_at);
        PostCard {
            title: post.title.clone(),
            url: post_url(&post.slug),
            summary: post.summary.clone(),
            author,
            tags,
            date_iso: date.to_rfc3339(),
            date_human: human_date(&date),
            reading_minutes: u32::try_from(post.reading_minutes).unwrap_or(1),
            access_label: match posts::Visibility::parse(&post.visibility) {
                Some(posts::Visibility::Members) => Some("Members only"),
                Some(posts::Visibility::Paid) => Some("Paid members only"),
                _ => None,
            },
            image: post
                .featured_media_id
                .and_then(|id| self.images.get(&id))
                .and_then(ImageView::of),
        }
    }

    #[must_use]
    pub fn cards(&self, posts: &[posts::Model]) -> Vec<PostCard> {
        posts.iter().map(|p| self.card(p)).collect()
    }
}

/// The path of page `n` of a list at `base` (page 1 is `base` itself).
#[must_use]
pub fn page_path(base: &str, n: u64) -> String {
    if n <= 1 {
        base.to_string()
    } else {
        format!("{base}?page={n}")
    }
}

/// The pager for `page`, linking to `base` with `?page=N`.
#[must_use]
pub fn pager<T>(page: &Page<T>, base: &str) -> Pager {
    let link = |n: u64| page_path(base, n);
    let total_pages = page.total_pages();
    Pager {
        page: page.page,
        total_pages,
        total_items: page.total_items,
        prev_url: (page.page > 1).then(|| link(page.page - 1)),
        next_url: (page.page < total_pages).then(|| link(page.page + 1)),
    }
}

#[derive(Debug, Serialize)]
pub struct CommentView {
    /// Its anchor on the page is `comment-{id}`.
    pub id: i32,
    /// Where a reader reports it.
    pub report_url: String,
    pub author: String,
    pub body_html: String,
    pub date_iso: String,
    pub date_human: String,
}

/// Approved comments with their authors' names.
///
/// # Errors
/// When the database cannot be queried.
pub async fn comment_views<C: ConnectionTrait>(
    db: &C,
    list: Vec<comments::Model>,
) -> Result<Vec<CommentView>, DbErr> {
    let names =
        crate::models::users::display_names(db, list.iter().filter_map(|c| c.author_id)).await?;
    Ok(list
        .into_iter()
        .map(|c| CommentView {
            id: c.id,
            report_url: format!("/comments/{}/report", c.id),
            author: c
                .author_id
                .and_then(|id| names.get(&id).cloned())
                .or(c.guest_name)
                .unwrap_or_else(|| "Anonymous".into()),
            body_html: c.body_html,
            date_iso: c.created_at.to_rfc3339(),
            date_human: human_date(&c.created_at),
        })
        .collect())
}

/// The comment form as the template shows it: what was typed, and an error per field.
#[derive(Debug, Default, Serialize)]
pub struct CommentFormView {
    pub name: String,
    pub body: String,
    pub name_error: Option<String>,
    pub body_error: Option<String>,
    pub error_count: usize,
    /// A message for the whole form (the rate limit).
    pub form_error: Option<String>,
    /// The session's CSRF token, when the reader has a session.
    pub csrf: Option<String>,
    /// The signed-in reader's name: the form then asks for no name.
    pub signed_in_as: Option<String>,
    /// Set when the reader is silenced: this sentence (until when) replaces the form.
    pub silenced: Option<String>,
}

impl CommentFormView {
    #[must_use]
    pub fn with_errors(form: &comments::CommentForm, errors: &ValidationErrors) -> Self {
        let fields = errors.field_errors();
        let message = |field: &str| {
            fields.get(field).and_then(|errs| errs.first()).map(|e| {
                e.message
                    .as_ref()
                    .map_or_else(|| "Check this field.".to_string(), ToString::to_string)
            })
        };
        let name_error = message("name");
        let body_error = message("body");
        let error_count = usize::from(name_error.is_some()) + usize::from(body_error.is_some());
        Self {
            name: form.name.clone(),
            body: form.body.clone(),
            name_error,
            body_error,
            error_count,
            ..Self::default()
        }
    }
}

/// The full post page.
#[derive(Debug, Serialize)]
pub struct PostPage {
    pub post: PostCard,
    /// `None` when the reader may only see the summary.
    pub body_html: Option<String>,
    /// Why the body is not shown, and what would open it.
    pub closed: Option<ClosedView>,
    pub canonical_url: String,
    pub description: String,
    /// The featured image's absolute address, for `og:image`.
    pub og_image: Option<String>,
    pub json_ld: String,
    pub comments: Vec<CommentView>,
    pub comments_open: bool,
    pub form: CommentFormView,
    /// Set after a comment was accepted and held: it awaits moderation.
    pub comment_pending: bool,
    /// Set after a comment was accepted and published at once.
    pub comment_published: bool,
    /// Set after a report was accepted.
    pub reported: bool,
    /// Set when the page is a preview of a post readers may not see yet.
    pub preview: Option<PreviewBanner>,
}

/// The thank-you a post page shows after a reader's form went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thanks {
    /// A comment held for a moderator.
    CommentHeld,
    /// A comment published at once.
    CommentPublished,
    /// A report of the post or one of its comments.
    Reported,
}

/// The sentence a silenced reader sees in place of the comment form.
#[must_use]
pub fn silenced_sentence(until: Option<DateTime<FixedOffset>>, tz: chrono_tz::Tz) -> String {
    until.map_or_else(
        || {
            "A moderator has stopped your account from commenting until a moderator lifts it."
                .to_string()
        },
        |at| {
            format!(
                "A moderator has stopped your account from commenting for a while. You can comment again on {}.",
                at.with_timezone(&tz).format("%-d %b %Y")
            )
        },
    )
}

/// The band above a previewed post: what it is and, for staff, the way back.
#[derive(Debug, Serialize)]
pub struct PreviewBanner {
    /// The post's state, in words ("in review").
    pub state: String,
    /// When a shared link stops working.
    pub expires: Option<String>,
    /// The post's admin page (staff previews only).
    pub back: Option<String>,
}

/// The notice in place of a body the reader may not read.
#[derive(Debug, Serialize)]
pub struct ClosedView {
    /// `sign_in` (members only) or `paid` (paying members only).
    pub why: &'static str,
    pub signed_in: bool,
    pub signup_enabled: bool,
    /// The sign-in page, coming back to this post.
    pub login_url: String,
}

/// JSON-LD `Article` for search engines; safe to print inside a `<script>` element.
#[must_use]
pub fn article_json_ld(
    post: &posts::Model,
    card: &PostCard,
    canonical_url: &str,
    author_url_abs: &str,
    site_title: &str,
) -> String {
    let value = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": post.title,
        "description": post.summary,
        "datePublished": card.date_iso,
        "dateModified": post.updated_at.to_rfc3339(),
        "author": { "@type": "Person", "name": card.author.name, "url": author_url_abs },
        "publisher": { "@type": "Organization", "name": site_title },
        "mainEntityOfPage": canonical_url,
        "keywords": card.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        "isAccessibleForFree": post.is_public(),
    });

    // Nothing inside may end or confuse the script element: `<`, `>` and `&` become JSON
    // escapes, which parse back to the same strings.
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}
