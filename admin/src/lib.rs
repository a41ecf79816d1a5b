//! Copydesk's admin engine: list, form, delete and history pages built at run time from
//! SeaORM entities plus a short declarative registration, in the manner of Django's admin.
//!
//! The engine knows nothing of the application's models. The application
//!
//! - registers each entity with a [`ModelAdmin`] (a few lines: columns, filters, search…),
//! - says who is asking through [`AdminUser`] (permissions are `"{resource}.{action}"`),
//! - keeps the audit log through [`AuditSink`], which every engine write goes through in the
//!   same transaction as the write itself,
//! - routes `/admin/{section}/{resource}/…` to [`AdminSite::handle`] behind its one guard, and
//!   renders the [`Response`] it gets back with the templates in [`TEMPLATES`].
use std::{any::Any, collections::BTreeMap, sync::Arc};

use async_trait::async_trait;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};
use serde::Serialize;
use serde_json::Value as Json;

mod options;
mod query;
mod resource;
pub mod saved_filters;
pub mod values;
mod views;

pub use options::{
    Banner, BulkAction, BulkOutcome, Change, ExtraField, FieldErrors, Fieldset, HiddenField,
    ListColumn, ModelAdmin, Options, Panel, PanelButton, PanelRow, SaveError, SearchIndex,
    Submission, Widget,
};
pub use query::AdminEntity;
pub use resource::Registered;

/// How far a permission reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Grant {
    All,
    /// Only the records the person owns (the resource's owner field equals their id).
    Own,
}

/// The four things a person may do to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Action {
    View,
    Add,
    Change,
    Delete,
}

impl Action {
    pub const ALL: [Self; 4] = [Self::View, Self::Add, Self::Change, Self::Delete];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Add => "add",
            Self::Change => "change",
            Self::Delete => "delete",
        }
    }
}

/// Who is asking.
pub trait AdminUser: Send + Sync {
    fn id(&self) -> i64;
    /// The role name, for saved filters shared with a role.
    fn role(&self) -> &str;
    /// The grant for a permission such as `posts.change` or `publish`, if any.
    fn grant(&self, permission: &str) -> Option<Grant>;
    /// For the application's [`AuditSink`], to reach its own request details.
    fn as_any(&self) -> &dyn Any;
}

/// One audit row to write.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// `posts.change`, `posts.delete`, `posts.bulk.publish`, …
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<Json>,
    pub after: Option<Json>,
}

/// One field of a history row: its value before and after.
#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// One audit row, as the history page and the dashboard show it.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub changes: Vec<FieldChange>,
}

/// The application's audit log, as the engine uses it.
#[async_trait]
pub trait AuditSink: Send + Sync {
    /// Writes `entry` on `txn`, the transaction of the change itself.
    async fn record(
        &self,
        txn: &DatabaseTransaction,
        by: &dyn AdminUser,
        entry: AuditEntry,
    ) -> Result<(), DbErr>;

    /// The newest rows about one object, as `viewer` may see them (the app decides what of
    /// the actors' labels a viewer may read; the engine drops changes to hidden fields).
    async fn history(
        &self,
        db: &DatabaseConnection,
        viewer: &dyn AdminUser,
        target_type: &str,
        target_id: &str,
        limit: u64,
    ) -> Result<Vec<HistoryEntry>, DbErr>;
}

/// The request as the engine needs it.
pub struct Request<'a> {
    pub db: &'a DatabaseConnection,
    pub user: &'a dyn AdminUser,
    pub post: bool,
    /// The path below `/admin/{section}/{resource}`, split on `/`, without empty parts.
    pub rest: Vec<String>,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    /// The request came from htmx (`HX-Request`): a fragment is enough.
    pub htmx: bool,
}

/// What the application sends back.
#[derive(Debug)]
pub enum Response {
    Page {
        template: &'static str,
        status: u16,
        title: String,
        context: Json,
    },
    Redirect {
        to: String,
        flash: Option<String>,
    },
    Csv {
        filename: String,
        body: String,
    },
    NotFound,
    /// Refused: the permission that was missing.
    Forbidden(String),
}

/// An engine failure: the database, or a registration that does not fit its entity.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    /// A registration that does not fit its entity (no primary key, an action value its
    /// column cannot hold, a slug registered twice): a programming error, named here.
    #[error("admin registration: {0}")]
    Config(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a registered resource offers the site, whatever its entity.
#[async_trait]
pub trait Resource: Send + Sync {
    fn options(&self) -> &ResourceInfo;
    /// Handles one request below this resource's URL.
    async fn handle(&self, site: &AdminSite, req: &Request<'_>) -> Result<Response>;
    /// How many rows the user may see (bounded), for the dashboard.
    async fn count(&self, site: &AdminSite, req: &Request<'_>) -> Result<Option<u64>>;
    /// Rows of this resource that reference `table.id = id`, for delete pages elsewhere:
    /// (foreign key column, what the database does on delete, how many, a few labels+links).
    async fn references(
        &self,
        site: &AdminSite,
        db: &DatabaseConnection,
        table: &str,
        id: i64,
    ) -> Result<Vec<Dependent>>;
    /// Labels for ids, for foreign-key cells elsewhere.
    async fn labels(&self, db: &DatabaseConnection, ids: &[i64]) -> Result<BTreeMap<i64, String>>;
    /// Choices for a foreign-key picker: (id, label) matching `term`, at most `limit`, of the
    /// rows `user` may view (their scope; nothing without the view permission), searched only
    /// in fields visible to them, and within `within` (the referring field's
    /// `limit_choices_to`).
    async fn lookup(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        within: Option<sea_orm::Condition>,
        term: &str,
        limit: u64,
    ) -> Result<Vec<(i64, String)>>;
}

/// The fixed facts of a registration that the site needs.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceInfo {
    pub slug: &'static str,
    pub section: &'static str,
    pub singular: &'static str,
    pub plural: &'static str,
    pub permission: &'static str,
    pub table: String,
    /// `g` then this key opens the list, when shortcuts are on.
    pub shortcut: Option<char>,
    /// Nothing may be added, changed or deleted, whatever the permissions say.
    pub read_only: bool,
}

impl ResourceInfo {
    #[must_use]
    pub fn url(&self) -> String {
        format!("/admin/{}/{}", self.section, self.slug)
    }
}

/// A dependent row group shown on a delete page.
#[derive(Debug, Clone, Serialize)]
pub struct Dependent {
    pub resource: String,
    pub field: String,
    /// `deleted`, `unlinked` or `blocks`.
    pub effect: &'static str,
    pub count: u64,
    pub more: u64,
    pub examples: Vec<Example>,
}

/// A row named on a delete page, with its link.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub label: String,
    pub href: String,
}

/// A section of the navigation: its title and the resources in it the user may view.
#[derive(Debug, Clone, Serialize)]
pub struct NavSection {
    pub title: String,
    pub links: Vec<NavLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NavLink {
    pub label: String,
    pub href: String,
    pub shortcut: Option<char>,
}

/// Renders markdown to safe HTML for previews: the application's own renderer.
pub type MarkdownRenderer = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// The registry: every resource, mounted under `/admin/{section}/{slug}`.
pub struct AdminSite {
    resources: Vec<Arc<dyn Resource>>,
    pub audit: Arc<dyn AuditSink>,
    pub markdown: MarkdownRenderer,
    /// Role names a saved filter may be shared with.
    pub roles: Vec<String>,
    /// Section titles by key, in navigation order.
    pub sections: Vec<(&'static str, &'static str)>,
}

impl AdminSite {
    #[must_use]
    pub fn new(audit: Arc<dyn AuditSink>, markdown: MarkdownRenderer) -> Self {
        Self {
            resources: Vec::new(),
            audit,
            markdown,
            roles: Vec::new(),
            sections: Vec::new(),
        }
    }

    /// Adds a resource.
    ///
    /// # Panics
    /// Never; a slug registered twice is a programming error reported by [`Self::check`].
    pub fn register(&mut self, resource: Arc<dyn Resource>) -> &mut Self {
        self.resources.push(resource);
        self
    }

    /// Every registration, in order.
    #[must_use]
    pub fn resources(&self) -> &[Arc<dyn Resource>] {
        &self.resources
    }

    /// Refuses duplicate slugs and unknown sections.
    ///
    /// # Errors
    /// A message naming the registration that does not fit.
    pub fn check(&self) -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for r in &self.resources {
            let o = r.options();
            if !seen.insert((o.section, o.slug)) {
                return Err(Error::Config(format!("{} is registered twice", o.url())));
            }
            if !self.sections.iter().any(|(k, _)| *k == o.section) {
                return Err(Error::Config(format!("unknown section {}", o.section)));
            }
        }
        Ok(())
    }

    #[must_use]
    pub fn find(&self, section: &str, slug: &str) -> Option<&Arc<dyn Resource>> {
        self.resources
            .iter()
            .find(|r| r.options().section == section && r.options().slug == slug)
    }

    #[must_use]
    pub fn by_table(&self, table: &str) -> Option<&Arc<dyn Resource>> {
        self.resources.iter().find(|r| r.options().table == table)
    }

    /// The navigation the user may use, by section.
    #[must_use]
    pub fn nav(&self, user: &dyn AdminUser) -> Vec<NavSection> {
        self.sections
            .iter()
            .filter_map(|(key, title)| {
                let links: Vec<NavLink> = self
                    .resources
                    .iter()
                    .map(|r| r.options())
                    .filter(|o| o.section == *key)
                    .filter(|o| user.grant(&format!("{}.view", o.permission)).is_some())
                    .map(|o| NavLink {
                        label: capitalized(o.plural),
                        href: o.url(),
                        shortcut: o.shortcut,
                    })
                    .collect();
                (!links.is_empty()).then(|| NavSection {
                    title: (*title).to_string(),
                    links,
                })
            })
            .collect()
    }

    /// Dispatches `/admin/{section}/{slug}/…`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn handle(&self, section: &str, slug: &str, req: &Request<'_>) -> Result<Response> {
        match self.find(section, slug) {
            Some(r) => r.handle(self, req).await,
            None => Ok(Response::NotFound),
        }
    }

    /// Counts for the dashboard: (resource, count) for each resource the user may view.
    ///
    /// # Errors
    /// A database failure.
    pub async fn counts(&self, req: &Request<'_>) -> Result<Vec<(ResourceInfo, Option<u64>)>> {
        let mut out = Vec::new();
        for r in &self.resources {
            let o = r.options();
            if req.user.grant(&format!("{}.view", o.permission)).is_none() {
                continue;
            }
            out.push((o.clone(), r.count(self, req).await?));
        }
        Ok(out)
    }
}

/// `people` → "People", for labels made from names.
#[must_use]
pub fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The templates the engine renders, by name, for the application's template engine. They
/// extend `admin/layout.html`, which the application provides (with a `main` block).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "admin/engine/list.html",
        include_str!("../templates/list.html"),
    ),
    (
        "admin/engine/list_results.html",
        include_str!("../templates/list_results.html"),
    ),
    (
        "admin/engine/form.html",
        include_str!("../templates/form.html"),
    ),
    (
        "admin/engine/crumbs.html",
        include_str!("../templates/crumbs.html"),
    ),
    (
        "admin/engine/banner.html",
        include_str!("../templates/banner.html"),
    ),
    (
        "admin/engine/fk_options.html",
        include_str!("../templates/fk_options.html"),
    ),
    (
        "admin/engine/preview.html",
        include_str!("../templates/preview.html"),
    ),
    (
        "admin/engine/delete.html",
        include_str!("../templates/delete.html"),
    ),
    (
        "admin/engine/history.html",
        include_str!("../templates/history.html"),
    ),
    (
        "admin/engine/confirm.html",
        include_str!("../templates/confirm.html"),
    ),
];
