//! A post's revisions: every save of its content (title, summary, body, tags, visibility)
//! keeps one, numbered from 1, with who saved it, when, where it came from and which fields
//! changed. Revisions are written only by the post's write functions, in their transaction;
//! this module reads and compares them.
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use similar::{ChangeTag, TextDiff};

pub use crate::models::_entities::post_revisions::{ActiveModel, Column, Entity, Model};
use crate::models::{Page, now, page_of};

impl sea_orm::ActiveModelBehavior for ActiveModel {}

string_enum! {
    /// Where a revision came from: the post was written (`create`), a person saved it
    /// (`save`), a person restored an earlier revision (`restore`, its number the source),
    /// an import run wrote it (`import`, the run the source), an AI generation did (`ai`,
    /// the generation the source).
    pub enum RevisionKind {
        Create => "create",
        Save => "save",
        Restore => "restore",
        Import => "import",
        Ai => "ai",
    }
}

/// The fields a revision keeps, in the order a comparison lists them.
pub const FIELDS: [&str; 5] = ["title", "summary", "body_markdown", "tags", "visibility"];

/// A post's content as a revision keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    pub visibility: String,
    pub tags: Vec<String>,
}

impl Content {
    /// What `post` holds now, with its tags (kept in name order: a post's tags have no order
    /// of their own).
    #[must_use]
    pub fn of(post: &super::Model, tags: &[String]) -> Self {
        let mut tags = tags.to_vec();
        tags.sort_by_key(|t| t.to_lowercase());
        Self {
            title: post.title.clone(),
            summary: post.summary.clone(),
            body_markdown: post.body_markdown.clone(),
            visibility: post.visibility.clone(),
            tags,
        }
    }

    /// The value of field `name` (one of [`FIELDS`]) as text.
    #[must_use]
    pub fn field(&self, name: &str) -> String {
        match name {
            "title" => self.title.clone(),
            "summary" => self.summary.clone(),
            "body_markdown" => self.body_markdown.clone(),
            "tags" => self.tags.join(", "),
            "visibility" => self.visibility.clone(),
            _ => String::new(),
        }
    }

    /// The fields that differ from `other`.
    #[must_use]
    pub fn changed_from(&self, other: &Self) -> Vec<&'static str> {
        FIELDS
            .into_iter()
            .filter(|f| self.field(f) != other.field(f))
            .collect()
    }
}

impl Model {
    /// The content this revision keeps.
    #[must_use]
    pub fn content(&self) -> Content {
        Content {
            title: self.title.clone(),
            summary: self.summary.clone(),
            body_markdown: self.body_markdown.clone(),
            visibility: self.visibility.clone(),
            // Written by [`record`] as a JSON list; anything else is shown as it is stored.
            tags: serde_json::from_str(&self.tags).unwrap_or_else(|_| vec![self.tags.clone()]),
        }
    }

    /// The fields this revision changed from the one before (every filled field for the
    /// first).
    #[must_use]
    pub fn changed_fields(&self) -> Vec<String> {
        serde_json::from_str(&self.changed).unwrap_or_else(|_| vec![self.changed.clone()])
    }

    #[must_use]
    pub fn kind(&self) -> Option<RevisionKind> {
        RevisionKind::parse(&self.kind)
    }
}

/// What to record about a save.
#[derive(Debug, Clone)]
pub struct Origin {
    pub kind: RevisionKind,
    /// The import run, the AI generation, or the restored revision's number; empty for a
    /// person's own save.
    pub source: String,
    /// Who saved, when a person did.
    pub author_id: Option<i32>,
}

impl Origin {
    #[must_use]
    pub fn person(kind: RevisionKind, author_id: i32) -> Self {
        Self {
            kind,
            source: String::new(),
            author_id: Some(author_id),
        }
    }
}

/// Keeps revision `n + 1` of `post` with `content`, when it differs from `before` (the
/// content the save started from; `None` for a new post). Returns `None` when nothing a
/// revision keeps has changed (a state-only or date-only save).
///
/// # Errors
/// Database errors.
pub(super) async fn record<C: ConnectionTrait>(
    db: &C,
    post: &super::Model,
    content: &Content,
    before: Option<&Content>,
    origin: &Origin,
) -> Result<Option<Model>, DbErr> {
    let changed: Vec<&str> = match before {
        Some(b) => content.changed_from(b),
        None => FIELDS
            .into_iter()
            .filter(|f| !content.field(f).is_empty())
            .collect(),
    };
    if before.is_some() && changed.is_empty() {
        return Ok(None);
    }
    let number = latest_number(db, post.id).await? + 1;
    let row = new_row(
        post.id,
        number,
        post.lock_version,
        content,
        &changed,
        origin,
        now(),
    )
    .insert(db)
    .await?;
    Ok(Some(row))
}

/// Revision `number` of post `post_id` (at version `post_version`) as a row to insert: what
/// [`record`] writes, and what loaders of history (the demo) write with dates of their own.
#[must_use]
pub fn new_row(
    post_id: i32,
    number: i32,
    post_version: i32,
    content: &Content,
    changed: &[&str],
    origin: &Origin,
    at: chrono::DateTime<chrono::FixedOffset>,
) -> ActiveModel {
    ActiveModel {
        post_id: Set(post_id),
        number: Set(number),
        kind: Set(origin.kind.as_str().to_string()),
        source: Set(origin.source.clone()),
        author_id: Set(origin.author_id),
        post_version: Set(post_version),
        title: Set(content.title.clone()),
        summary: Set(content.summary.clone()),
        body_markdown: Set(content.body_markdown.clone()),
        visibility: Set(content.visibility.clone()),
        tags: Set(serde_json::json!(content.tags).to_string()),
        changed: Set(serde_json::json!(changed).to_string()),
        created_at: Set(at),
        ..Default::default()
    }
}

/// The highest revision number of post `post_id` (0 when it has none).
///
/// # Errors
/// Database errors.
pub async fn latest_number<C: ConnectionTrait>(db: &C, post_id: i32) -> Result<i32, DbErr> {
    let n: Option<Option<i32>> = Entity::find()
        .select_only()
        .column_as(Column::Number.max(), "n")
        .filter(Column::PostId.eq(post_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(n.flatten().unwrap_or(0))
}

/// A post's revisions, newest first, `per_page` at a time.
///
/// # Errors
/// Database errors.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    post_id: i32,
    page: u64,
    per_page: u64,
) -> Result<Page<Model>, DbErr> {
    let q = Entity::find()
        .filter(Column::PostId.eq(post_id))
        .order_by_desc(Column::Number);
    page_of(db, q, page, per_page).await
}

/// The revision post `post_id` held when it was last approved (`post.approve`), if it ever
/// was: what a reviewer compares the latest with to see only what changed since.
///
/// # Errors
/// Database errors.
pub async fn last_approved<C: ConnectionTrait>(db: &C, post_id: i32) -> Result<Option<i32>, DbErr> {
    use crate::models::{_entities::audit_log, audit::Action};
    let Some(approval) = audit_log::Entity::find()
        .filter(audit_log::Column::TargetType.eq("post"))
        .filter(audit_log::Column::TargetId.eq(post_id.to_string()))
        .filter(audit_log::Column::Action.eq(Action::PostApprove.as_str()))
        .order_by_desc(audit_log::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Entity::find()
        .filter(Column::PostId.eq(post_id))
        .filter(Column::CreatedAt.lte(approval.created_at))
        .order_by_desc(Column::Number)
        .one(db)
        .await?
        .map(|r| r.number))
}

/// Revision `number` of post `post_id`.
///
/// # Errors
/// Database errors.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    post_id: i32,
    number: i32,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::PostId.eq(post_id))
        .filter(Column::Number.eq(number))
        .one(db)
        .await
}

/// Whether a piece of a compared text is in both, only the older, or only the newer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Both,
    Removed,
    Added,
}

/// One field of two revisions side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// One of [`FIELDS`].
    pub field: &'static str,
    pub changed: bool,
    /// The texts in pieces, word by word: equal runs, and what the newer one removed or
    /// added. Adjacent pieces of one side are merged.
    pub pieces: Vec<(Side, String)>,
}

/// Upper bound for one word diff, so a pathological pair of bodies cannot hold a request.
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_millis(500);

/// The word-level changes from `old` to `new`.
#[must_use]
pub fn word_diff(old: &str, new: &str) -> Vec<(Side, String)> {
    let diff = TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .deadline(std::time::Instant::now() + DIFF_DEADLINE)
        .diff_words(old, new);
    let mut pieces: Vec<(Side, String)> = Vec::new();
    for change in diff.iter_all_changes() {
        let side = match change.tag() {
            ChangeTag::Equal => Side::Both,
            ChangeTag::Delete => Side::Removed,
            ChangeTag::Insert => Side::Added,
        };
        match pieces.last_mut() {
            Some((s, text)) if *s == side => text.push_str(change.value()),
            _ => pieces.push((side, change.value().to_string())),
        }
    }
    pieces
}

/// Revision `old` against revision `new`, field by field.
#[must_use]
pub fn compare(old: &Content, new: &Content) -> Vec<FieldChange> {
    FIELDS
        .into_iter()
        .map(|field| {
            let (a, b) = (old.field(field), new.field(field));
            let changed = a != b;
            let pieces = if !changed {
                vec![(Side::Both, b)]
            } else if matches!(field, "title" | "summary" | "body_markdown") {
                word_diff(&a, &b)
            } else {
                vec![(Side::Removed, a), (Side::Added, b)]
            };
            FieldChange {
                field,
                changed,
                pieces,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_diff_keeps_what_stayed_and_marks_what_moved() {
        let d = word_diff("the quick brown fox", "the slow brown fox jumps");
        assert_eq!(
            d,
            vec![
                (Side::Both, "the ".into()),
                (Side::Removed, "quick".into()),
                (Side::Added, "slow".into()),
                (Side::Both, " brown fox".into()),
                (Side::Added, " jumps".into()),
            ]
        );
        assert_eq!(word_diff("same", "same"), vec![(Side::Both, "same".into())]);
    }

    #[test]
    fn a_comparison_lists_every_field_and_which_changed() {
        let a = Content {
            title: "Old title".into(),
            summary: String::new(),
            body_markdown: "Body".into(),
            visibility: "public".into(),
            tags: vec!["news".into()],
        };
        let b = Content {
            title: "New title".into(),
            tags: vec!["news".into(), "print".into()],
            ..a.clone()
        };
        let c = compare(&a, &b);
        assert_eq!(c.len(), FIELDS.len());
        let changed: Vec<&str> = c.iter().filter(|f| f.changed).map(|f| f.field).collect();
        assert_eq!(changed, ["title", "tags"]);
        assert_eq!(b.changed_from(&a), ["title", "tags"]);
        let tags = c.iter().find(|f| f.field == "tags").unwrap();
        assert_eq!(
            tags.pieces,
            vec![
                (Side::Removed, "news".into()),
                (Side::Added, "news, print".into())
            ]
        );
    }
}
