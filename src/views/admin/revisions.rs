//! What a post's revision pages (`admin/revisions/list.html`, `admin/revisions/compare.html`)
//! are given.
use serde::Serialize;

use super::AdminChrome;
use crate::{
    models::posts::revisions::{self, FieldChange, RevisionKind, Side},
    views::posts::Pager,
};

/// A field's name as the pages show it.
#[must_use]
pub fn field_label(field: &str) -> &'static str {
    match field {
        "title" => "Title",
        "summary" => "Summary",
        "body_markdown" => "Body",
        "tags" => "Tags",
        "visibility" => "Visibility",
        _ => "Other",
    }
}

/// Where a revision came from, in words.
#[must_use]
pub fn origin_label(r: &revisions::Model) -> String {
    match r.kind() {
        Some(RevisionKind::Create) => "written".into(),
        Some(RevisionKind::Save) => "saved".into(),
        Some(RevisionKind::Restore) => format!("restored revision {}", r.source),
        Some(RevisionKind::Import) => format!("imported (run {})", r.source),
        Some(RevisionKind::Ai) => format!("AI draft (generation {})", r.source),
        None => r.kind.clone(),
    }
}

/// One revision in the list.
#[derive(Debug, Serialize)]
pub struct RevisionRow {
    pub number: i32,
    pub created: String,
    /// Who saved it; "someone since deleted" when the account is gone.
    pub author: String,
    pub origin: String,
    /// The fields it changed, in words.
    pub changed: Vec<&'static str>,
    /// The post holds this revision's content now.
    pub current: bool,
}

impl RevisionRow {
    #[must_use]
    pub fn new(r: &revisions::Model, author: Option<String>, current: bool) -> Self {
        Self {
            number: r.number,
            created: r.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            author: author.unwrap_or_else(|| "someone since deleted".into()),
            origin: origin_label(r),
            changed: r.changed_fields().iter().map(|f| field_label(f)).collect(),
            current,
        }
    }
}

/// `admin/revisions/list.html`.
#[derive(Debug, Serialize)]
pub struct RevisionsPage {
    pub title: String,
    pub admin: AdminChrome,
    pub post_id: i32,
    pub post_title: String,
    /// The post's change page.
    pub post_url: String,
    /// The version the restore buttons say they started from.
    pub lock_version: i32,
    pub rows: Vec<RevisionRow>,
    pub pager: Pager,
    pub total: u64,
    pub can_restore: bool,
    /// What the last restore did, or why it was refused.
    pub flash: Option<String>,
    pub error: Option<String>,
    /// The two revisions the compare form starts with (the newest two).
    pub default_a: i32,
    pub default_b: i32,
    /// The revision the post held when last approved, when it has changed since.
    pub approved: Option<i32>,
}

/// One field of the comparison: the older text with what the newer removed marked, the newer
/// with what it added marked. The texts are escaped here, so the template prints them as is.
#[derive(Debug, Serialize)]
pub struct FieldDiff {
    pub label: &'static str,
    pub changed: bool,
    pub old_html: String,
    pub new_html: String,
}

fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

impl From<&FieldChange> for FieldDiff {
    fn from(c: &FieldChange) -> Self {
        let (mut old_html, mut new_html) = (String::new(), String::new());
        for (side, text) in &c.pieces {
            match side {
                Side::Both => {
                    escape(&mut old_html, text);
                    escape(&mut new_html, text);
                }
                Side::Removed => {
                    old_html.push_str("<del>");
                    escape(&mut old_html, text);
                    old_html.push_str("</del>");
                }
                Side::Added => {
                    new_html.push_str("<ins>");
                    escape(&mut new_html, text);
                    new_html.push_str("</ins>");
                }
            }
        }
        Self {
            label: field_label(c.field),
            changed: c.changed,
            old_html,
            new_html,
        }
    }
}

/// `admin/revisions/compare.html`.
#[derive(Debug, Serialize)]
pub struct ComparePage {
    pub title: String,
    pub admin: AdminChrome,
    pub post_id: i32,
    pub post_title: String,
    pub post_url: String,
    pub old: RevisionRow,
    pub new: RevisionRow,
    pub fields: Vec<FieldDiff>,
    /// How many fields differ.
    pub changed: usize,
    pub lock_version: i32,
    pub can_restore: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_escapes_what_it_marks() {
        let c = revisions::compare(
            &revisions::Content {
                title: "<b>Old</b>".into(),
                summary: String::new(),
                body_markdown: "a \"quoted\" word".into(),
                visibility: "public".into(),
                tags: vec![],
            },
            &revisions::Content {
                title: "<script>alert(1)</script>".into(),
                summary: String::new(),
                body_markdown: "a 'quoted' word & more".into(),
                visibility: "public".into(),
                tags: vec![],
            },
        );
        let title = FieldDiff::from(&c[0]);
        assert!(!title.new_html.contains("<script"), "{}", title.new_html);
        assert!(title.new_html.contains("&lt;script&gt;"));
        assert!(title.old_html.contains("<del>"));
        let body = FieldDiff::from(&c[2]);
        assert!(
            body.new_html.contains("<ins>&#39;quoted&#39;</ins>")
                || body.new_html.contains("&#39;quoted&#39;")
        );
        assert!(body.new_html.contains("&amp; more"));
        assert!(!body.old_html.contains('"'));
    }
}
