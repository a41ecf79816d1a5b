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

/// A list column's heading, with its sort link when it sorts.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ColumnHead {
    pub label: String,
    pub sort: Option<SortLink>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SortLink {
    pub href: String,
    /// The list is sorted by this column first.
    pub active: bool,
    pub desc: bool,
}

/// An action's button: its form value and label.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ActionButton {
    pub name: &'static str,
    pub label: String,
}

/// One row of the list.
#[derive(Debug, Serialize)]
pub(crate) struct ListRow {
    pub id: i64,
    /// The row's own buttons (inline actions that would change something).
    pub inline: Vec<ActionButton>,
    pub href: String,
    pub label: String,
    pub editable: bool,
    pub cells: Vec<Cell>,
}

/// One cell of a list row. The keys a column does not use are left out, as the
/// templates test for them.
#[derive(Debug, Serialize)]
pub(crate) struct Cell {
    pub text: String,
    /// A foreign key's link (`null` when the person may not open the row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub href: Option<Option<String>>,
    /// A choice's raw value, for its badge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bool: Option<serde_json::Value>,
    /// The column's heading, for narrow screens.
    pub label: String,
}

/// A link in the pager, or a gap between two.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum PageLink {
    Gap { gap: bool },
    Page { n: u64, href: String, current: bool },
}

#[derive(Debug, Serialize)]
pub(crate) struct Paging {
    pub number: u64,
    pub pages: Vec<PageLink>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub last: Option<u64>,
    pub empty_past_end: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct CountView {
    pub n: u64,
    pub exact: bool,
    pub estimate: Option<u64>,
    pub text: String,
}

/// A filter in force, with the link that removes it.
#[derive(Debug, Serialize)]
pub(crate) struct AppliedFilter {
    pub label: String,
    pub value: String,
    pub op: Option<String>,
    pub remove: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct SavedFilterLink {
    pub id: i64,
    pub name: String,
    pub href: String,
    pub shared_role: Option<String>,
    pub mine: bool,
}

/// A query parameter the list's forms carry as a hidden field.
#[derive(Debug, Serialize)]
pub(crate) struct HiddenPair {
    pub name: String,
    pub value: String,
}

/// `admin/engine/list.html` and its htmx fragment `list_results.html`.
#[derive(Debug, Serialize)]
pub(crate) struct ListPage {
    pub resource: ResourceView,
    pub breadcrumbs: Vec<Crumb>,
    pub perms: Perms,
    pub columns: Vec<ColumnHead>,
    pub rows: Vec<ListRow>,
    pub q: String,
    pub search: Option<String>,
    pub filters: Vec<FilterPanel>,
    pub applied: Vec<AppliedFilter>,
    pub order: String,
    pub count: CountView,
    pub page: Paging,
    pub actions: Vec<ActionButton>,
    pub has_inline: bool,
    pub list: bool,
    pub keep: Vec<HiddenPair>,
    pub list_href: String,
    pub export_href: String,
    pub saved: Vec<SavedFilterLink>,
    pub saved_query: String,
    pub roles: Vec<String>,
    pub notice: Option<String>,
    pub select_across_max: u64,
}

/// A filter's panel beside the list: its field and the links it offers.
#[derive(Debug, Serialize)]
pub(crate) struct FilterPanel {
    pub field: &'static str,
    pub label: String,
    pub options: Vec<FilterOption>,
}

#[derive(Debug, Serialize)]
pub(crate) struct FilterOption {
    pub label: String,
    pub href: String,
    pub selected: bool,
}

/// The row a change page is about.
#[derive(Debug, Serialize)]
pub(crate) struct FormObject {
    pub id: i64,
    pub label: String,
    pub url: String,
    pub view_on_site: Option<String>,
    pub banner: Option<crate::Banner>,
    pub notes: std::collections::BTreeMap<String, Vec<crate::PanelRow>>,
    pub panels: Vec<crate::Panel>,
}

/// A field with an error, for the summary at the top of the form.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorLink {
    pub id: String,
    pub label: String,
    pub message: String,
}

/// What differs between the saved version and what the person typed.
#[derive(Debug, Serialize)]
pub(crate) struct ConflictView {
    pub fields: Vec<ConflictField>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ConflictField {
    pub field: String,
    pub theirs: String,
    pub yours: String,
}

/// `admin/engine/form.html`: the add and change pages.
#[derive(Debug, Serialize)]
pub(crate) struct FormPage {
    pub resource: ResourceView,
    pub breadcrumbs: Vec<Crumb>,
    pub perms: Perms,
    pub object: Option<FormObject>,
    pub adding: bool,
    pub editable: bool,
    pub fieldsets: Vec<FieldsetView>,
    pub errors: usize,
    pub form_error: Option<String>,
    pub error_fields: Vec<ErrorLink>,
    pub lock_version: Option<i64>,
    pub has_lock: bool,
    pub conflict: Option<ConflictView>,
    pub action: String,
}

/// A titled group of form fields (one untitled group when the registration declares none).
#[derive(Debug, Serialize)]
pub(crate) struct FieldsetView {
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    pub fields: Vec<FormField>,
}

/// A foreign-key field's searchable picker.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FkPicker {
    pub lookup: String,
    pub target: &'static str,
    /// There are more rows than the select lists: search for them.
    pub more: bool,
}

/// One form field. An extra field (not a column) leaves out the keys that only a column
/// has (`checked`, `maxlength`, `preview`, `preview_url`), as before.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FormField {
    pub name: &'static str,
    pub id: String,
    pub label: String,
    pub widget: &'static str,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked: Option<bool>,
    pub readonly: bool,
    pub readonly_text: String,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maxlength: Option<Option<u32>>,
    pub choices: Vec<ChoiceView>,
    pub fk: Option<FkPicker>,
    pub help: Option<&'static str>,
    pub error: Option<String>,
    pub describedby: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<String>,
}
