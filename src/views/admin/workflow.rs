//! What a post's workflow page (`admin/workflow.html`) is given.
use serde::Serialize;

use super::AdminChrome;
use crate::{
    models::posts::{
        reviews::Standing,
        workflow::{Step, Transition},
    },
    views::forms::FieldErrors,
};

/// A transition the viewer may take now.
#[derive(Debug, Serialize)]
pub struct TransitionView {
    pub name: &'static str,
    pub label: String,
    /// It asks for a note (required to request changes).
    pub note: bool,
    pub note_required: bool,
    /// It asks for a time (required to schedule, optional to unpublish later).
    pub time: bool,
    /// What the time field is called.
    pub time_label: &'static str,
    /// It offers a time to come down again.
    pub until: bool,
    /// The accessibility check's errors block it now.
    pub blocked: bool,
}

impl TransitionView {
    /// The button for `t`, named for the stage when it approves one of several.
    #[must_use]
    pub fn new(t: Transition, standing: Option<&Standing>) -> Self {
        let label = match (t, standing) {
            (Transition::Approve, Some(s)) if s.of > 1 => {
                format!("Approve “{}” ({} of {})", s.stage.name, s.index + 1, s.of)
            }
            _ => t.label().to_string(),
        };
        Self {
            name: t.as_str(),
            label,
            note: matches!(t, Transition::RequestChanges | Transition::Approve),
            note_required: t == Transition::RequestChanges,
            time: matches!(t, Transition::Schedule | Transition::Unpublish),
            time_label: if t == Transition::Unpublish {
                "Unpublish at (leave empty for now)"
            } else {
                "Publish at"
            },
            until: matches!(t, Transition::Schedule | Transition::PublishNow),
            blocked: false,
        }
    }
}

/// One step of the timeline.
#[derive(Debug, Serialize)]
pub struct StepView {
    pub label: String,
    pub who: String,
    pub at: String,
    pub note: Option<String>,
}

impl StepView {
    /// A step, its time in the site's zone.
    #[must_use]
    pub fn new(s: &Step, tz: chrono_tz::Tz) -> Self {
        Self {
            label: match &s.stage {
                Some(stage) => format!("{} — {stage}", s.transition.label()),
                None => s.transition.label().to_string(),
            },
            who: s.who.clone(),
            at: crate::views::time::show(tz, s.at),
            note: s.note.clone(),
        }
    }
}

/// One finding of the accessibility check, linked to its field on the post's form.
#[derive(Debug, Serialize)]
pub struct FindingView {
    /// `error` or `warning`.
    pub severity: &'static str,
    pub rule: &'static str,
    pub message: String,
    /// Which field, in words, and the body line when it has one.
    pub place: String,
    /// The field on the post's change page.
    pub href: String,
}

impl FindingView {
    /// `f`, linked to its field on the form at `edit_url`.
    #[must_use]
    pub fn new(f: &crate::models::posts::accessibility::Finding, edit_url: &str) -> Self {
        let field = match f.field {
            "title" => "Title",
            "summary" => "Summary",
            _ => "Body",
        };
        Self {
            severity: f.severity.as_str(),
            rule: f.rule.as_str(),
            message: f.message.clone(),
            place: match f.line {
                Some(n) => format!("{field}, line {n}"),
                None => field.to_string(),
            },
            href: format!("{edit_url}#field-{}", f.field),
        }
    }
}

/// A field a review comment may be about.
#[derive(Debug, Serialize)]
pub struct FieldChoice {
    pub value: &'static str,
    pub name: &'static str,
}

/// One review comment.
#[derive(Debug, Serialize)]
pub struct CommentView {
    pub id: i32,
    /// What it is about ("Body", "The post as a whole").
    pub about: &'static str,
    pub field: String,
    pub body: String,
    pub who: String,
    pub at: String,
    pub revision: i32,
    /// Who resolved it and when, in words.
    pub resolved: Option<String>,
}

impl CommentView {
    /// `c`, with names from `names` and times in `tz`.
    #[must_use]
    pub fn new(
        c: &crate::models::posts::review_comments::Model,
        names: &std::collections::HashMap<i32, String>,
        tz: chrono_tz::Tz,
    ) -> Self {
        let name = |id: Option<i32>| {
            id.and_then(|i| names.get(&i).cloned())
                .unwrap_or_else(|| "a former colleague".into())
        };
        Self {
            id: c.id,
            about: crate::models::posts::review_comments::field_name(&c.field),
            field: c.field.clone(),
            body: c.body.clone(),
            who: name(c.author_id),
            at: crate::views::time::show(tz, c.created_at),
            revision: c.revision,
            resolved: c.resolved_at.map(|at| {
                format!(
                    "Resolved by {}, {}",
                    name(c.resolved_by_id),
                    crate::views::time::show(tz, at)
                )
            }),
        }
    }
}

/// A preview link just made.
#[derive(Debug, Serialize)]
pub struct PreviewLinkView {
    pub url: String,
    /// Until when it works, in words.
    pub expires: String,
}

/// One review stage and where the post stands at it.
#[derive(Debug, Serialize)]
pub struct StageView {
    pub name: String,
    /// Who approves it, in words.
    pub approvers: String,
    /// `passed`, `current` or `to come`.
    pub status: &'static str,
    pub due: Option<String>,
    pub overdue: bool,
    pub holder: Option<String>,
}

/// What went late, in words: "Published 12 minutes late, 2027-01-31 09:12 CET (+01:00): no
/// worker ran the job on time."
#[must_use]
pub fn late_words(l: &crate::models::posts::Late, tz: chrono_tz::Tz) -> String {
    let what = if l.action == "post.unpublish_scheduled" {
        "Taken down"
    } else {
        "Published"
    };
    let minutes = (l.seconds + 59) / 60;
    format!(
        "{what} {minutes} minute{} late, {}: no worker ran the job on time.",
        if minutes == 1 { "" } else { "s" },
        crate::views::time::show(tz, l.at)
    )
}

/// `admin/workflow.html`.
#[derive(Debug, Serialize)]
pub struct WorkflowPage {
    pub title: String,
    pub admin: AdminChrome,
    pub post_id: i32,
    pub post_title: String,
    pub post_url: String,
    pub state: String,
    pub scheduled: Option<String>,
    /// The site's zone and its offset, for the time field.
    pub zone_hint: String,
    pub in_review: bool,
    pub stages: Vec<StageView>,
    /// The viewer may take the review of the current stage.
    pub can_take: bool,
    pub lock_version: i32,
    pub actions: Vec<TransitionView>,
    /// Review comments, open ones first.
    pub comments: Vec<CommentView>,
    /// The viewer may comment and resolve (they review, or may change the post).
    pub may_comment: bool,
    /// The fields a comment may be about.
    pub comment_fields: Vec<FieldChoice>,
    /// What the accessibility check finds in the post now.
    pub accessibility: Vec<FindingView>,
    /// The viewer (an admin) may override a blocking check with a reason.
    pub may_override: bool,
    pub timeline: Vec<StepView>,
    /// The transition the errors belong to, and what was typed.
    pub failed: Option<&'static str>,
    pub errors: FieldErrors,
    pub note: String,
    pub at: String,
    pub until: String,
    /// A preview link just made (its address, until when), shown this once.
    pub preview_link: Option<PreviewLinkView>,
    /// The viewer may make preview links (whoever sees this page may).
    pub may_share: bool,
    /// When the post comes down, if it has a time for that.
    pub unpublish: Option<String>,
    /// Scheduled publishes and unpublishes of this post that went late, in words.
    pub late: Vec<String>,
    pub flash: Option<String>,
    /// The post's latest revision number, sent back with each step.
    pub revision: i32,
    /// A step refused because the post changed since the page was loaded: both versions.
    pub conflict: Option<ConflictView>,
}

/// The post as the refused step saw it, and as it is now.
#[derive(Debug, Serialize)]
pub struct ConflictView {
    pub seen_version: i32,
    pub seen_state: String,
    pub seen_revision: i32,
    pub now_version: i32,
    pub now_state: String,
    pub now_revision: i32,
    /// The comparison of the two revisions, when the content changed.
    pub compare_url: Option<String>,
    /// The latest step on the timeline, who and when, in words.
    pub last_step: Option<String>,
}
