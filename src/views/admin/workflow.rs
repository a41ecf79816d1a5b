//! What a post's workflow page (`admin/workflow.html`) is given.
use serde::Serialize;

use super::AdminChrome;
use crate::{
    models::posts::workflow::{Step, Transition},
    views::forms::FieldErrors,
};

/// A transition the viewer may take now.
#[derive(Debug, Serialize)]
pub struct TransitionView {
    pub name: &'static str,
    pub label: &'static str,
    /// It asks for a note (required to request changes).
    pub note: bool,
    pub note_required: bool,
    /// It asks for a time.
    pub time: bool,
}

impl From<Transition> for TransitionView {
    fn from(t: Transition) -> Self {
        Self {
            name: t.as_str(),
            label: t.label(),
            note: matches!(t, Transition::RequestChanges | Transition::Approve),
            note_required: t == Transition::RequestChanges,
            time: t == Transition::Schedule,
        }
    }
}

/// One step of the timeline.
#[derive(Debug, Serialize)]
pub struct StepView {
    pub label: &'static str,
    pub who: String,
    pub at: String,
    pub note: Option<String>,
}

impl From<&Step> for StepView {
    fn from(s: &Step) -> Self {
        Self {
            label: s.transition.label(),
            who: s.who.clone(),
            at: s.at.format("%Y-%m-%d %H:%M UTC").to_string(),
            note: s.note.clone(),
        }
    }
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
    pub lock_version: i32,
    pub actions: Vec<TransitionView>,
    pub timeline: Vec<StepView>,
    /// The transition the errors belong to, and what was typed.
    pub failed: Option<&'static str>,
    pub errors: FieldErrors,
    pub note: String,
    pub at: String,
    pub flash: Option<String>,
}
