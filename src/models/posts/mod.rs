//! Posts: what editors write and readers read. A post is public only while its state is
//! `published` and its `published_at` has come; every public query goes through
//! [`visible_condition`] so no page, feed or sitemap can forget either half.
use chrono::{DateTime, FixedOffset};
use sea_orm::{
    ActiveModelBehavior, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use serde::Deserialize;
use validator::Validate;

use super::_entities::post_tags;
pub use super::_entities::posts::{ActiveModel, Column, Entity, Model};
use super::{Page, now, tags};
use crate::markdown;

pub mod accessibility;
pub mod autosaves;
pub mod board;
pub mod locks;
pub mod preview;
pub mod review_comments;
pub mod reviews;
pub mod revisions;
mod schedule;
pub mod workflow;
mod write;
pub use schedule::{
    Late, due_posts, due_unpublish, late_publishes, overdue, publish_due, publish_scheduled,
    unpublish_scheduled,
};
pub use write::{check_form, create, delete, restore_revision, set_tags, tag_names, update};

string_enum! {
    /// Where a post is in its life.
    pub enum PostState {
        Draft => "draft",
        InReview => "in_review",
        Approved => "approved",
        Scheduled => "scheduled",
        Published => "published",
        Archived => "archived",
    }
}

string_enum! {
    /// Who may read a published post in full.
    pub enum Visibility {
        Public => "public",
        Members => "members",
        Paid => "paid",
    }
}

fn validate_state(value: &str) -> Result<(), validator::ValidationError> {
    PostState::parse(value).map(|_| ()).ok_or_else(|| {
        validator::ValidationError::new("state")
            .with_message("Choose one of the listed states.".into())
    })
}

fn validate_visibility(value: &str) -> Result<(), validator::ValidationError> {
    Visibility::parse(value).map(|_| ()).ok_or_else(|| {
        validator::ValidationError::new("visibility")
            .with_message("Choose public, members or paid.".into())
    })
}

/// What an editor fills in to write or change a post.
#[derive(Debug, Clone, Deserialize, Validate)]
pub struct PostForm {
    #[validate(custom(function = "validate_title"))]
    pub title: String,
    #[validate(length(max = 500, message = "Keep the summary under 500 characters."))]
    pub summary: String,
    #[validate(length(max = 200_000, message = "The body is longer than 200,000 characters."))]
    pub body_markdown: String,
    #[validate(custom(function = "validate_state"))]
    pub state: String,
    #[validate(custom(function = "validate_visibility"))]
    pub visibility: String,
    pub author_id: i32,
    /// The image shown with the post (its page, cards, link previews, feeds).
    #[serde(default)]
    pub featured_media_id: Option<i32>,
    pub published_at: Option<DateTime<FixedOffset>>,
    pub scheduled_at: Option<DateTime<FixedOffset>>,
    /// Tag names; missing tags are created, blanks and repeats (in any letter case) dropped.
    #[serde(default)]
    #[validate(custom(function = "validate_tags"))]
    pub tags: Vec<String>,
}

impl PostForm {
    /// The form that would save `post` as it stands, with its `tags`: where a change that
    /// replaces some fields (a restored revision, an autosave) starts.
    #[must_use]
    pub fn from_model(post: &Model, tags: Vec<String>) -> Self {
        Self {
            title: post.title.clone(),
            summary: post.summary.clone(),
            body_markdown: post.body_markdown.clone(),
            state: post.state.clone(),
            visibility: post.visibility.clone(),
            author_id: post.author_id,
            featured_media_id: post.featured_media_id,
            published_at: post.published_at,
            scheduled_at: post.scheduled_at,
            tags,
        }
    }
}

fn validate_title(title: &str) -> Result<(), validator::ValidationError> {
    let n = title.trim().chars().count();
    if n == 0 || n > 200 {
        return Err(validator::ValidationError::new("length")
            .with_message("Enter a title of 1 to 200 characters.".into()));
    }
    super::input::no_nul(title)
}

fn validate_tags(tags: &[String]) -> Result<(), validator::ValidationError> {
    if tags
        .iter()
        .any(|t| t.trim().chars().count() > tags::MAX_NAME)
    {
        return Err(validator::ValidationError::new("length")
            .with_message(format!("Keep each tag under {} characters.", tags::MAX_NAME).into()));
    }
    Ok(())
}

impl PostState {
    /// States only those who may publish move a post into or out of: a post readers can see,
    /// or one on its way there or past it.
    #[must_use]
    pub const fn is_editorial(self) -> bool {
        matches!(
            self,
            Self::Approved | Self::Scheduled | Self::Published | Self::Archived
        )
    }
}

/// The one rule for a change of state, whatever the screen (form, bulk action, API): moving
/// a post into or out of an editorial state ([`PostState::is_editorial`]) needs `publish`;
/// anyone who may change the post moves it between draft and review.
///
/// # Errors
/// A sentence for the person, naming what they may do instead.
pub fn check_state_change(
    may_publish: bool,
    from: Option<PostState>,
    to: PostState,
) -> Result<(), &'static str> {
    if from == Some(to) || may_publish {
        return Ok(());
    }
    if to.is_editorial() {
        return Err(
            "Only editors and admins approve, schedule, publish or archive. Choose draft or in review.",
        );
    }
    if from.is_some_and(PostState::is_editorial) {
        return Err(
            "This post is approved, scheduled, published or archived: only editors and admins take it back to draft or review.",
        );
    }
    Ok(())
}

/// Why a post could not be saved.
pub type PostError = super::WriteError;

/// Published, and dated now or earlier — whether or not moderation hides the post.
#[must_use]
pub fn published_condition() -> Condition {
    Condition::all()
        .add(Column::State.eq(PostState::Published.as_str()))
        .add(Column::PublishedAt.is_not_null())
        .add(Column::PublishedAt.lte(now()))
}

/// The condition every public query carries: published, dated now or earlier, and not
/// hidden by its moderation case.
#[must_use]
pub fn visible_condition() -> Condition {
    published_condition().add(super::moderation::visible::post_shown())
}

impl Model {
    /// A publicly visible post by slug.
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn find_visible_by_slug<C: ConnectionTrait>(
        db: &C,
        slug: &str,
    ) -> Result<Option<Self>, DbErr> {
        Entity::find()
            .filter(Column::Slug.eq(slug))
            .filter(visible_condition())
            .one(db)
            .await
    }

    /// Publicly visible posts, newest first, one page at a time (pages count from 1).
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn visible_page<C: ConnectionTrait>(
        db: &C,
        page: u64,
        per_page: u64,
    ) -> Result<Page<Self>, DbErr> {
        paginate(
            db,
            Entity::find().filter(visible_condition()),
            page,
            per_page,
        )
        .await
    }

    /// Publicly visible posts by one author.
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn visible_by_author<C: ConnectionTrait>(
        db: &C,
        author_id: i32,
        page: u64,
        per_page: u64,
    ) -> Result<Page<Self>, DbErr> {
        let q = Entity::find()
            .filter(visible_condition())
            .filter(Column::AuthorId.eq(author_id));
        paginate(db, q, page, per_page).await
    }

    /// Publicly visible posts carrying one tag.
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn visible_by_tag<C: ConnectionTrait>(
        db: &C,
        tag_id: i32,
        page: u64,
        per_page: u64,
    ) -> Result<Page<Self>, DbErr> {
        let q = Entity::find()
            .join(
                JoinType::InnerJoin,
                super::_entities::posts::Relation::PostTags.def(),
            )
            .filter(post_tags::Column::TagId.eq(tag_id))
            .filter(visible_condition());
        paginate(db, q, page, per_page).await
    }

    /// Ids of the authors who have at least one publicly visible post.
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn visible_author_ids<C: ConnectionTrait>(db: &C) -> Result<Vec<i32>, DbErr> {
        Entity::find()
            .select_only()
            .column(Column::AuthorId)
            .filter(visible_condition())
            .distinct()
            .into_tuple()
            .all(db)
            .await
    }

    /// Whether readers may see the whole body without an account.
    #[must_use]
    pub fn is_public(&self) -> bool {
        Visibility::parse(&self.visibility) == Some(Visibility::Public)
    }
}

fn reading_minutes(markdown: &str) -> i32 {
    i32::try_from(markdown::reading_minutes(markdown)).unwrap_or(i32::MAX)
}

/// Selects every column but the bodies, which come back empty: list pages and feeds of
/// summaries need neither, and they are most of a row's size.
#[must_use]
pub fn without_bodies(query: sea_orm::Select<Entity>) -> sea_orm::Select<Entity> {
    use sea_orm::{Iterable, sea_query::Expr};
    let columns = Column::iter().filter(|c| !matches!(c, Column::BodyMarkdown | Column::BodyHtml));
    query
        .select_only()
        .columns(columns)
        .column_as(Expr::val(""), "body_markdown")
        .column_as(Expr::val(""), "body_html")
}

async fn paginate<C: ConnectionTrait>(
    db: &C,
    query: sea_orm::Select<Entity>,
    page: u64,
    per_page: u64,
) -> Result<Page<Model>, DbErr> {
    let ordered = without_bodies(query)
        .order_by_desc(Column::PublishedAt)
        .order_by_desc(Column::Id);
    super::page_of(db, ordered, page, per_page).await
}

fn apply_form(post: &mut ActiveModel, form: &PostForm) {
    post.title = Set(form.title.trim().to_string());
    post.summary = Set(form.summary.trim().to_string());
    post.body_markdown = Set(form.body_markdown.clone());
    post.state = Set(form.state.clone());
    post.visibility = Set(form.visibility.clone());
    post.author_id = Set(form.author_id);
    post.featured_media_id = Set(form.featured_media_id);
    // A post published without a date is dated now, so it sorts and shows correctly.
    let published = form.state == PostState::Published.as_str();
    post.published_at = Set(form.published_at.or_else(|| published.then(now)));
    post.body_html = Set(markdown::render_post(&form.body_markdown));
    post.reading_minutes = Set(reading_minutes(&form.body_markdown));
    post.updated_at = Set(now());
    post.scheduled_at = Set(form.scheduled_at);
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// Keeps the stored HTML in step with the markdown, and a published post dated.
    async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        super::stamp(insert, &mut self.created_at, &mut self.updated_at);
        let ts = now();
        if let sea_orm::ActiveValue::Set(md) = &self.body_markdown {
            self.body_html = Set(markdown::render_post(md));
            self.reading_minutes = Set(reading_minutes(md));
        }
        if let sea_orm::ActiveValue::Set(state) = &self.state {
            if PostState::parse(state).is_none() {
                return Err(DbErr::Custom(format!("unknown post state `{state}`")));
            }
            use sea_orm::ActiveValue::{NotSet, Unchanged};
            // A row read back and saved carries its values as Unchanged: an undated post is
            // undated whichever way its (empty) date arrived.
            let undated = match &self.published_at {
                Set(None) | Unchanged(None) => true,
                NotSet => insert,
                _ => false,
            };
            if state == PostState::Published.as_str() {
                let future = match &self.published_at {
                    Set(Some(d)) | Unchanged(Some(d)) if *d > ts => Some(*d),
                    _ => None,
                };
                if let Some(when) = future {
                    // Published with a date still to come is scheduled, and shown as such:
                    // the scheduler publishes it then.
                    self.state = Set(PostState::Scheduled.as_str().to_string());
                    self.scheduled_at = Set(Some(when));
                    self.published_at = Set(None);
                } else if undated {
                    self.published_at = Set(Some(ts));
                }
            }
        }
        Ok(self)
    }
}
