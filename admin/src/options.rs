//! What a registration declares, and the hooks that decide things per request.
use std::collections::BTreeMap;

use async_trait::async_trait;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait};

use crate::{Action, AdminUser, Grant};

/// Field name → the message shown next to it. `__all__` is for the form as a whole.
pub type FieldErrors = BTreeMap<String, String>;

/// How a field is edited. Unless a registration says otherwise it follows the column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Widget {
    Text,
    Email,
    TextArea,
    /// A textarea with a rendered preview.
    Markdown,
    Select,
    Checkbox,
    DateTime,
    Date,
    Number,
    /// A searchable picker of the related resource's rows.
    ForeignKey,
    Json,
}

impl Widget {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Email => "email",
            Self::TextArea => "textarea",
            Self::Markdown => "markdown",
            Self::Select => "select",
            Self::Checkbox => "checkbox",
            Self::DateTime => "datetime",
            Self::Date => "date",
            Self::Number => "number",
            Self::ForeignKey => "fk",
            Self::Json => "json",
        }
    }
}

/// A list column: a field, or a value computed from the row with its own label.
pub enum ListColumn<E: EntityTrait> {
    Field(&'static str),
    Computed {
        label: &'static str,
        value: fn(&E::Model) -> String,
    },
}

/// A titled group of fields on the form.
#[derive(Debug, Clone)]
pub struct Fieldset {
    pub title: &'static str,
    pub fields: Vec<&'static str>,
    pub description: Option<&'static str>,
}

/// A field a bulk action sets, and the value.
#[derive(Debug, Clone)]
pub struct Change {
    pub field: &'static str,
    pub value: &'static str,
}

/// A bulk action on selected rows (or the whole filtered set), behind a confirmation page.
#[derive(Debug, Clone)]
pub struct BulkAction {
    pub name: &'static str,
    pub label: &'static str,
    /// What the confirmation page says will happen, e.g. "will be published".
    pub describe: &'static str,
    /// The resource permission the action needs.
    pub needs: Action,
    /// A further permission (such as `publish`), if any.
    pub also_needs: Option<&'static str>,
    /// Fields to set on every row; empty with `delete`.
    pub sets: Vec<Change>,
    pub delete: bool,
    /// Also offered as a button on each row, acting on that row at once (no confirmation
    /// page): for small, reversible changes such as approving a comment.
    pub inline: bool,
}

impl BulkAction {
    /// The built-in "Delete selected".
    #[must_use]
    pub fn delete() -> Self {
        Self {
            name: "delete",
            label: "Delete selected",
            describe: "will be deleted",
            needs: Action::Delete,
            also_needs: None,
            sets: Vec::new(),
            delete: true,
            inline: false,
        }
    }

    /// An action that sets `field` to `value`.
    #[must_use]
    pub fn set(
        name: &'static str,
        label: &'static str,
        describe: &'static str,
        field: &'static str,
        value: &'static str,
    ) -> Self {
        Self {
            name,
            label,
            describe,
            needs: Action::Change,
            also_needs: None,
            sets: vec![Change { field, value }],
            delete: false,
            inline: false,
        }
    }

    /// Offers the action on each row too. Refused for deletes, which always confirm.
    #[must_use]
    pub const fn inline(mut self) -> Self {
        self.inline = !self.delete;
        self
    }

    #[must_use]
    pub fn also_needs(mut self, permission: &'static str) -> Self {
        self.also_needs = Some(permission);
        self
    }
}

/// An index that serves substring search better than `LIKE` on SQLite: an FTS5 table with
/// the trigram tokenizer, whose rowid is the resource's id. (PostgreSQL uses `ILIKE`, which a
/// trigram GIN index serves.)
#[derive(Debug, Clone, Copy)]
pub struct SearchIndex {
    pub sqlite_fts_table: &'static str,
}

/// Extra content for the change page, computed by the application: a titled list of rows,
/// each with an optional link and an optional button (a POST form).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Panel {
    pub title: String,
    /// Shown when there are no rows.
    pub empty: String,
    pub rows: Vec<PanelRow>,
}

/// A notice above a change page's form, computed by the application (who else is editing
/// the row, say). With `live_url` the page renews it while open (htmx POSTs there every
/// `live_seconds` and swaps in the answer, rendered from `admin/engine/banner.html`); with
/// `release_url` the page tells the application when it is left; with `autosave_url` the
/// page's script sends the form's fields there every `autosave_seconds` while they change.
/// Everything works without JavaScript: the notice is then as it was when the page loaded.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Banner {
    pub text: String,
    pub detail: String,
    /// `info` or `warning`.
    pub tone: String,
    pub buttons: Vec<PanelButton>,
    /// Lines under the notice (each with an optional link and button).
    pub rows: Vec<PanelRow>,
    pub live_url: Option<String>,
    pub live_seconds: u32,
    pub release_url: Option<String>,
    pub autosave_url: Option<String>,
    pub autosave_seconds: u32,
    /// A page showing the row as its readers will see it, offered beside the form (and in a
    /// new tab); the page's script reloads it after each autosave.
    pub preview_url: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PanelRow {
    pub text: String,
    pub detail: String,
    /// `done`, `failed`, `pending`…: a badge.
    pub state: String,
    pub href: Option<String>,
    pub button: Option<PanelButton>,
}

/// A button that POSTs to `url` (with the CSRF field and `fields` as hidden inputs).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PanelButton {
    pub label: String,
    pub url: String,
    pub fields: Vec<HiddenField>,
}

/// A hidden input of a panel button's form.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct HiddenField {
    pub name: String,
    pub value: String,
}

/// The public address of a row, if it has one.
pub type ViewOnSite<E> = fn(&<E as EntityTrait>::Model) -> Option<String>;

/// A registration. Build with [`Options::new`] and struct update syntax.
pub struct Options<E: EntityTrait> {
    pub section: &'static str,
    pub slug: &'static str,
    pub singular: &'static str,
    pub plural: &'static str,
    /// Permission prefix: `{permission}.view`, `.add`, `.change`, `.delete`.
    pub permission: &'static str,
    /// The audit log's `target_type` for this resource's rows.
    pub audit_type: &'static str,
    /// The field that names a row in links and titles.
    pub display_field: &'static str,
    pub list_display: Vec<ListColumn<E>>,
    pub list_filter: Vec<&'static str>,
    pub search_fields: Vec<&'static str>,
    pub search_index: Option<SearchIndex>,
    /// Default ordering, `-field` for descending. The primary key is always the last key.
    pub ordering: Vec<&'static str>,
    pub sortable: Vec<&'static str>,
    pub per_page: u64,
    /// Past this many rows, the list shows an estimate instead of counting.
    pub count_limit: u64,
    pub readonly: Vec<&'static str>,
    /// Never shown, exported or editable (password and token hashes).
    pub hidden: Vec<&'static str>,
    /// Empty: every shown field in one group.
    pub fieldsets: Vec<Fieldset>,
    pub widgets: Vec<(&'static str, Widget)>,
    pub choices: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
    pub labels: Vec<(&'static str, &'static str)>,
    pub help: Vec<(&'static str, &'static str)>,
    /// The field holding the owner's user id, for `own` grants.
    pub owner_field: Option<&'static str>,
    pub view_on_site: Option<ViewOnSite<E>>,
    pub actions: Vec<BulkAction>,
    /// No add, change or delete whatever the permissions say (the audit log).
    pub read_only: bool,
    pub shortcut: Option<char>,
}

impl<E: EntityTrait> Options<E> {
    #[must_use]
    pub fn new(
        section: &'static str,
        slug: &'static str,
        singular: &'static str,
        plural: &'static str,
    ) -> Self {
        Self {
            section,
            slug,
            singular,
            plural,
            permission: slug,
            audit_type: slug,
            display_field: "id",
            list_display: Vec::new(),
            list_filter: Vec::new(),
            search_fields: Vec::new(),
            search_index: None,
            ordering: vec!["-id"],
            sortable: Vec::new(),
            per_page: 100,
            count_limit: 10_000,
            readonly: Vec::new(),
            hidden: Vec::new(),
            fieldsets: Vec::new(),
            widgets: Vec::new(),
            choices: Vec::new(),
            labels: Vec::new(),
            help: Vec::new(),
            owner_field: None,
            view_on_site: None,
            actions: vec![BulkAction::delete()],
            read_only: false,
            shortcut: None,
        }
    }
}

/// A form field that is not a column.
#[derive(Debug, Clone)]
pub struct ExtraField {
    pub name: &'static str,
    pub label: &'static str,
    pub help: Option<&'static str>,
    /// The title of the fieldset it joins (the last one when none has that title).
    pub fieldset: &'static str,
}

/// Why a save was refused.
#[derive(Debug)]
pub enum SaveError {
    /// Messages by field name (`__all__` for the form as a whole), shown next to the fields.
    Fields(FieldErrors),
    /// Somebody saved the row first (its `lock_version` moved on): the engine shows the
    /// conflict page over the current row.
    Conflict,
    Db(DbErr),
}

/// A checked form submission, handed to [`ModelAdmin::save_model`].
pub struct Submission<'a, E: EntityTrait> {
    /// The row as it stood when the save began; `None` when adding.
    pub before: Option<&'a E::Model>,
    /// The row with the person's changes applied: `before` with every editable field that
    /// changed set to its parsed value (a new active model with them when adding).
    pub row: E::ActiveModel,
    /// Every editable field and extra field as typed.
    pub raw: &'a BTreeMap<String, String>,
    /// The `lock_version` the form was shown with, when the entity has one.
    pub lock_version: Option<i64>,
}

/// What a bulk action did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkOutcome {
    pub done: u64,
    /// Rows the person may not act on, left alone.
    pub skipped: u64,
}

impl From<DbErr> for SaveError {
    fn from(e: DbErr) -> Self {
        Self::Db(e)
    }
}

/// A registration with its per-request decisions. Every method but [`Self::options`] has a
/// default that follows the options, so registering an entity takes a few lines.
#[async_trait]
pub trait ModelAdmin<E: crate::AdminEntity>: Send + Sync + 'static {
    fn options(&self) -> &Options<E>;

    /// May `user` do `action`, on `obj` when there is one? By default: the resource
    /// permission, and for an `own` grant, the owner field equals the user's id.
    fn has_permission(&self, user: &dyn AdminUser, action: Action, owner: Option<i64>) -> bool {
        let o = self.options();
        if o.read_only && action != Action::View {
            return false;
        }
        match user.grant(&format!("{}.{}", o.permission, action.as_str())) {
            Some(Grant::All) => true,
            Some(Grant::Own) => owner.is_none_or(|id| id == user.id()),
            None => false,
        }
    }

    fn readonly_fields(&self, _user: &dyn AdminUser, _obj: Option<&E::Model>) -> Vec<&'static str> {
        self.options().readonly.clone()
    }

    fn hidden_fields(&self, _user: &dyn AdminUser) -> Vec<&'static str> {
        self.options().hidden.clone()
    }

    /// The default ordering of the list for this person (`-field` descending).
    fn ordering(&self, _user: &dyn AdminUser) -> Vec<&'static str> {
        self.options().ordering.clone()
    }

    /// Rows per list page for this person.
    fn per_page(&self, _user: &dyn AdminUser) -> u64 {
        self.options().per_page
    }

    /// The form's fieldsets for this person and row (empty: every field in one group).
    fn fieldsets(&self, _user: &dyn AdminUser, _obj: Option<&E::Model>) -> Vec<Fieldset> {
        self.options().fieldsets.clone()
    }

    /// The list's columns for this person.
    fn list_display(&self, _user: &dyn AdminUser) -> Vec<&ListColumn<E>> {
        self.options().list_display.iter().collect()
    }

    /// The fields the list's search looks in, for this person.
    fn search_fields(&self, _user: &dyn AdminUser) -> Vec<&'static str> {
        self.options().search_fields.clone()
    }

    fn list_filter(&self, _user: &dyn AdminUser) -> Vec<&'static str> {
        self.options().list_filter.clone()
    }

    /// Runs once the save's transaction has committed (Django's `transaction.on_commit`): for
    /// side effects that must not happen for a save that rolled back. The save stands
    /// whatever happens here; the sentence returned (what was done, or what failed and how
    /// to retry it) is added to the save's message.
    async fn after_commit(
        &self,
        _db: &sea_orm::DatabaseConnection,
        _user: &dyn AdminUser,
        _saved: &E::Model,
        _before: Option<&E::Model>,
    ) -> Option<String> {
        None
    }

    /// Which rows a foreign-key field may point at (Django's `limit_choices_to`): its picker
    /// and filter list only these. `None`: every row the person may view.
    fn limit_choices_to(&self, _user: &dyn AdminUser, _field: &str) -> Option<sea_orm::Condition> {
        None
    }

    /// The choices of a select field; `None` when the field has none.
    fn choices(&self, _user: &dyn AdminUser, field: &str) -> Option<Vec<(String, String)>> {
        self.options()
            .choices
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| {
                c.iter()
                    .map(|(v, l)| ((*v).to_string(), (*l).to_string()))
                    .collect()
            })
    }

    /// The value a field starts with on the add form.
    fn initial(&self, _user: &dyn AdminUser, _field: &str) -> Option<String> {
        None
    }

    /// Checks beyond the column types (the application's `validator` rules), on the raw
    /// values as typed. `obj` is the row being changed.
    fn validate(
        &self,
        _user: &dyn AdminUser,
        _values: &BTreeMap<String, String>,
        _obj: Option<&E::Model>,
    ) -> FieldErrors {
        FieldErrors::new()
    }

    /// Runs inside the save's transaction before the write.
    async fn before_save(
        &self,
        _txn: &DatabaseTransaction,
        _user: &dyn AdminUser,
        _row: &mut E::ActiveModel,
        _before: Option<&E::Model>,
    ) -> Result<(), SaveError> {
        Ok(())
    }

    /// Runs inside the save's transaction after the write.
    async fn after_save(
        &self,
        _txn: &DatabaseTransaction,
        _user: &dyn AdminUser,
        _saved: &E::Model,
        _before: Option<&E::Model>,
    ) -> Result<(), SaveError> {
        Ok(())
    }

    /// Runs inside the delete's transaction before the row goes; an error blocks it.
    async fn before_delete(
        &self,
        _txn: &DatabaseTransaction,
        _user: &dyn AdminUser,
        _row: &E::Model,
    ) -> Result<(), SaveError> {
        Ok(())
    }

    /// Form fields that are not columns (a post's tags, say): shown as text inputs in the
    /// named fieldset, validated by [`Self::validate`] with the rest, and saved by
    /// [`Self::save_extra`].
    fn extra_fields(&self, _user: &dyn AdminUser) -> Vec<ExtraField> {
        Vec::new()
    }

    /// The extra fields' current values, as the form shows them.
    async fn extra_values(
        &self,
        _db: &DatabaseConnection,
        _row: &E::Model,
    ) -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    /// Saves the extra fields inside the save's transaction; returns the stored values for the
    /// audit row.
    async fn save_extra(
        &self,
        _txn: &DatabaseTransaction,
        _user: &dyn AdminUser,
        _saved: &E::Model,
        _values: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, SaveError> {
        Ok(BTreeMap::new())
    }

    /// Django's `save_model`: the write itself, for an application whose writes go through
    /// its own functions (which then keep their own transaction and audit entry). `None`,
    /// the default: the engine's generic write ([`Self::before_save`], the write,
    /// [`Self::after_save`], [`Self::save_extra`] and the audit entry, in one transaction).
    async fn save_model(
        &self,
        _db: &DatabaseConnection,
        _user: &dyn AdminUser,
        _submission: Submission<'_, E>,
    ) -> Option<Result<E::Model, SaveError>> {
        None
    }

    /// Django's `delete_model`: deletes `row`, with its own transaction and audit entry.
    /// `None`, the default: the engine's generic delete ([`Self::before_delete`], the delete
    /// and the audit entry, in one transaction).
    async fn delete_model(
        &self,
        _db: &DatabaseConnection,
        _user: &dyn AdminUser,
        _row: &E::Model,
    ) -> Option<Result<(), SaveError>> {
        None
    }

    /// Runs a bulk action over the rows with these ids (already limited to what the person
    /// may see and chose). `None`, the default: each row goes through
    /// [`Self::save_model`] or [`Self::delete_model`], else the generic write.
    async fn bulk_action(
        &self,
        _db: &DatabaseConnection,
        _user: &dyn AdminUser,
        _action: &BulkAction,
        _ids: &[i64],
    ) -> Option<Result<BulkOutcome, SaveError>> {
        None
    }

    /// A notice above the change page's form ([`Banner`]).
    async fn banner(
        &self,
        _db: &DatabaseConnection,
        _user: &dyn AdminUser,
        _row: &E::Model,
    ) -> Option<Banner> {
        None
    }

    /// Notes shown under a field of the change page, by field name (review comments on it,
    /// say), each a [`PanelRow`] with an optional link and button.
    async fn field_notes(
        &self,
        _db: &DatabaseConnection,
        _user: &dyn AdminUser,
        _row: &E::Model,
    ) -> std::collections::BTreeMap<String, Vec<PanelRow>> {
        std::collections::BTreeMap::new()
    }

    /// Extra sections on the change page (the jobs about this row, say).
    async fn panels(
        &self,
        _db: &DatabaseConnection,
        _user: &dyn AdminUser,
        _row: &E::Model,
    ) -> Vec<Panel> {
        Vec::new()
    }
}
