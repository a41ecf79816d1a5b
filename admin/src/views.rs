//! The pages' view-models: typed contexts that serialise to the JSON the templates read
//! (`page.*`). Each field keeps the name and shape the templates use.
use serde::Serialize;

use crate::{Dependent, HistoryEntry};

/// The resource a page is about (`page.resource`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ResourceView {
    pub slug: &'static str,
    pub singular: &'static str,
    pub plural: &'static str,
    pub url: String,
    pub section: &'static str,
}

/// What the person may do here (`page.perms`).
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Perms {
    pub view: bool,
    pub add: bool,
    pub change: bool,
    pub delete: bool,
}

/// One step of the breadcrumbs; the last has no link.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

/// The row a page is about, and its change page (none once deleted).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ObjectRef<U> {
    pub id: i64,
    pub label: String,
    pub url: U,
}

/// A choice of a select or picker.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ChoiceView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// `admin/engine/delete.html`.
#[derive(Debug, Serialize)]
pub(crate) struct DeletePage {
    pub resource: ResourceView,
    pub breadcrumbs: Vec<Crumb>,
    pub object: ObjectRef<String>,
    pub dependents: Vec<Dependent>,
    pub blocked: bool,
    pub error: Option<String>,
}

/// `admin/engine/history.html`.
#[derive(Debug, Serialize)]
pub(crate) struct HistoryPage {
    pub resource: ResourceView,
    pub breadcrumbs: Vec<Crumb>,
    pub object: ObjectRef<Option<String>>,
    pub entries: Vec<HistoryEntry>,
}

/// `admin/engine/fk_options.html`: a picker's choices for a search term.
#[derive(Debug, Serialize)]
pub(crate) struct OptionsPage<'a> {
    pub options: Vec<ChoiceView>,
    pub term: &'a str,
}

/// `admin/engine/preview.html`.
#[derive(Debug, Serialize)]
pub(crate) struct PreviewPage<'a> {
    pub html: String,
    pub field: &'a str,
}

/// The action a confirmation page is about.
#[derive(Debug, Serialize)]
pub(crate) struct ActionView {
    pub name: &'static str,
    pub label: &'static str,
    pub describe: &'static str,
    pub delete: bool,
}

/// A field an action sets, and the value's label.
#[derive(Debug, Serialize)]
pub(crate) struct ChangeView {
    pub field: String,
    pub value: String,
}

/// A row an action will touch; `allowed` is false for one it will skip.
#[derive(Debug, Serialize)]
pub(crate) struct ConfirmRow {
    pub id: i64,
    pub label: String,
    pub href: String,
    pub allowed: bool,
}

/// `admin/engine/confirm.html`: a bulk action before it runs.
#[derive(Debug, Serialize)]
pub(crate) struct ConfirmPage {
    pub resource: ResourceView,
    pub breadcrumbs: Vec<Crumb>,
    pub action: ActionView,
    pub changes: Vec<ChangeView>,
    pub ids: Vec<i64>,
    pub count: usize,
    pub rows: Vec<ConfirmRow>,
    pub more: usize,
    pub dependents: Vec<Dependent>,
    pub back: String,
}
