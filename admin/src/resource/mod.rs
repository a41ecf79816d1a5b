//! One registered entity: its list, form, delete, history, bulk action, export and lookup
//! pages, built from the entity's columns and relations and the registration's options.
mod bulk;
mod confirm;
mod delete;
mod export;
mod filters;
mod form;
mod history;
mod list;
mod lookup;
mod routes;
mod save;
mod write;

use std::{collections::BTreeMap, marker::PhantomData, sync::Arc};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, Iterable, ModelTrait, QueryFilter, RelationTrait, RelationType, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sea_query::{ForeignKeyAction, TableRef},
};
use serde_json::Value as Json;

use crate::{
    Action, AdminSite, AdminUser, AuditEntry, Grant, Resource, ResourceInfo, Response, Result,
    capitalized,
    options::{ListColumn, ModelAdmin, SaveError},
    query::{self, AdminEntity, Col},
    values::{self},
    views::{Crumb, Perms, ResourceView},
};

/// Starts a transaction that reads and then writes. On SQLite it takes the write lock at
/// `BEGIN` (waiting for the busy timeout): a transaction that has read cannot wait for the
/// lock later and fails with "database is locked" when another connection writes meanwhile.
async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Bulk actions and exports act on at most this many rows at once.
const MAX_SET: u64 = 10_000;
/// CSV exports stop here.
const MAX_EXPORT: u64 = 200_000;
/// A foreign-key select lists this many choices before asking the person to search.
const FK_CHOICES: u64 = 200;
/// A filter by a plain column's values offers at most this many (the most frequent).
const MAX_VALUES: u64 = 50;

/// A registration: an entity with its [`ModelAdmin`].
pub struct Registered<E: AdminEntity, A: ModelAdmin<E>> {
    admin: A,
    info: ResourceInfo,
    /// The entity's columns, read once (every cell of every list row looks one up).
    columns: Vec<Col<E>>,
    pk: Option<Col<E>>,
    entity: PhantomData<fn() -> E>,
}

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    #[must_use]
    pub fn new(admin: A) -> Arc<Self> {
        let o = admin.options();
        let info = ResourceInfo {
            slug: o.slug,
            section: o.section,
            singular: o.singular,
            plural: o.plural,
            permission: o.permission,
            table: E::default().table_name().to_string(),
            shortcut: o.shortcut,
            read_only: o.read_only,
        };
        Arc::new(Self {
            admin,
            info,
            columns: query::columns::<E>(),
            pk: query::pk::<E>(),
            entity: PhantomData,
        })
    }
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn with_query(base: &str, pairs: &[(String, String)]) -> String {
    let q = encode(pairs);
    if q.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{q}")
    }
}

/// Title-cases a field name for a label: `published_at` → "Published at".
fn humanize(name: &str) -> String {
    capitalized(&name.strip_suffix("_id").unwrap_or(name).replace('_', " "))
}

fn table_of(t: &TableRef) -> Option<String> {
    match t {
        TableRef::Table(name, _) => Some(name.1.to_string()),
        _ => None,
    }
}

/// The belongs-to relations of `E` (`is_owner` is false on that side): (foreign key
/// column, referenced table, on delete).
fn owned_relations<E: EntityTrait>() -> Vec<(String, String, Option<ForeignKeyAction>)> {
    E::Relation::iter()
        .map(|r| r.def())
        .filter(|d| !d.is_owner && matches!(d.rel_type, RelationType::HasOne))
        .filter_map(|d| {
            let sea_orm::Identity::Unary(col) = &d.from_col else {
                return None;
            };
            Some((col.to_string(), table_of(&d.to_tbl)?, d.on_delete))
        })
        .collect()
}

fn db_message(e: &DbErr) -> String {
    match e.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
            "Other records still refer to this one.".to_string()
        }
        Some(SqlErr::UniqueConstraintViolation(_)) => "That value is already taken.".to_string(),
        _ => e.to_string(),
    }
}

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) fn url(&self) -> String {
        self.info.url()
    }

    pub(super) fn column(&self, name: &str) -> Option<Col<E>> {
        self.columns.iter().find(|c| c.name == name).cloned()
    }

    pub(super) fn pk(&self) -> Result<Col<E>> {
        self.pk
            .clone()
            .ok_or_else(|| crate::Error::Config(format!("{}: no primary key", self.info.table)))
    }

    pub(super) fn id_of(&self, m: &E::Model) -> i64 {
        self.pk()
            .ok()
            .and_then(|pk| values::to_json(&m.get(pk.col)).as_i64())
            .unwrap_or_default()
    }

    pub(super) fn label_of(&self, m: &E::Model) -> String {
        let field = self.admin.options().display_field;
        let text = self
            .column(field)
            .map(|c| values::display(&m.get(c.col)))
            .unwrap_or_default();
        if text.trim().is_empty() {
            format!("{} #{}", self.info.singular, self.id_of(m))
        } else {
            text
        }
    }

    pub(super) fn owner_of(&self, m: &E::Model) -> Option<i64> {
        let f = self.admin.options().owner_field?;
        self.column(f)
            .and_then(|c| values::to_json(&m.get(c.col)).as_i64())
    }

    pub(super) fn may(&self, user: &dyn AdminUser, action: Action, obj: Option<&E::Model>) -> bool {
        let owner = obj.map(|m| self.owner_of(m).unwrap_or(i64::MIN));
        self.admin.has_permission(user, action, owner)
    }

    /// `fields` without those hidden from `user`: a hidden field is never shown, searched,
    /// filtered or sorted on, whatever a registration's hooks return.
    pub(super) fn visible(
        &self,
        user: &dyn AdminUser,
        fields: Vec<&'static str>,
    ) -> Vec<&'static str> {
        let hidden = self.admin.hidden_fields(user);
        fields.into_iter().filter(|f| !hidden.contains(f)).collect()
    }

    pub(super) fn search_fields_for(&self, user: &dyn AdminUser) -> Vec<&'static str> {
        self.visible(user, self.admin.search_fields(user))
    }

    pub(super) fn sortable_for(&self, user: &dyn AdminUser) -> Vec<&'static str> {
        self.visible(user, self.admin.options().sortable.clone())
    }

    pub(super) fn list_display_for(&self, user: &dyn AdminUser) -> Vec<&ListColumn<E>> {
        let hidden = self.admin.hidden_fields(user);
        self.admin
            .list_display(user)
            .into_iter()
            .filter(|c| !matches!(c, ListColumn::Field(f) if hidden.contains(f)))
            .collect()
    }

    pub(super) fn label_for(&self, field: &str) -> String {
        self.admin
            .options()
            .labels
            .iter()
            .find(|(f, _)| *f == field)
            .map_or_else(|| humanize(field), |(_, l)| (*l).to_string())
    }

    /// The rows the user may see at all: everything, or their own.
    pub(super) fn scope(&self, user: &dyn AdminUser) -> Condition {
        let o = self.admin.options();
        match (user.grant(&format!("{}.view", o.permission)), o.owner_field) {
            (Some(Grant::All), _) => Condition::all(),
            (Some(Grant::Own), Some(f)) => match self.column(f) {
                Some(c) => Condition::all().add(c.col.eq(c.kind.int(user.id()))),
                None => Condition::all().add(sea_orm::sea_query::Expr::cust("1 = 0")),
            },
            _ => Condition::all().add(sea_orm::sea_query::Expr::cust("1 = 0")),
        }
    }

    pub(super) fn json_of(&self, user: &dyn AdminUser, m: &E::Model) -> Json {
        let mut v = serde_json::to_value(m).unwrap_or(Json::Null);
        if let Some(obj) = v.as_object_mut() {
            for h in self.admin.hidden_fields(user) {
                obj.remove(h);
            }
        }
        v
    }

    pub(super) fn fk_target(&self, site: &AdminSite, field: &str) -> Option<Arc<dyn Resource>> {
        owned_relations::<E>()
            .into_iter()
            .find(|(col, _, _)| col == field)
            .and_then(|(_, table, _)| site.by_table(&table).cloned())
    }

    pub(super) async fn find(
        &self,
        db: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Option<E::Model>> {
        let pk = self.pk()?;
        Ok(E::find().filter(pk.col.eq(pk.kind.int(id))).one(db).await?)
    }

    fn section_title(&self, site: &AdminSite) -> &'static str {
        site.sections
            .iter()
            .find(|(k, _)| *k == self.info.section)
            .map_or(self.info.section, |(_, t)| t)
    }

    pub(super) fn base(&self, site: &AdminSite) -> ResourceView {
        ResourceView {
            slug: self.info.slug,
            singular: self.info.singular,
            plural: self.info.plural,
            url: self.url(),
            section: self.section_title(site),
        }
    }

    pub(super) fn perms(&self, user: &dyn AdminUser, obj: Option<&E::Model>) -> Perms {
        Perms {
            view: self.may(user, Action::View, obj),
            add: self.may(user, Action::Add, None),
            change: self.may(user, Action::Change, obj),
            delete: self.may(user, Action::Delete, obj),
        }
    }

    pub(super) fn crumbs(
        &self,
        site: &AdminSite,
        last: Option<(String, Option<String>)>,
    ) -> Vec<Crumb> {
        let crumb = |label: String, href: Option<String>| Crumb { label, href };
        let mut c = vec![
            crumb("Dashboard".to_string(), Some("/admin".to_string())),
            crumb(self.section_title(site).to_string(), None),
            crumb(capitalized(self.info.plural), Some(self.url())),
        ];
        if let Some((label, href)) = last {
            c.push(crumb(label, href));
        }
        c
    }

    /// A page with a typed view-model as its context.
    ///
    /// # Errors
    /// A view-model that does not serialise to a JSON object: a programming error,
    /// reported as [`crate::Error::Config`] (the error enum keeps the variants the
    /// application matches on).
    pub(super) fn view(
        &self,
        template: &'static str,
        status: u16,
        title: String,
        view: &impl serde::Serialize,
    ) -> Result<Response> {
        let context = serde_json::to_value(view).map_err(|e| {
            crate::Error::Config(format!("the view of {template} does not serialise: {e}"))
        })?;
        Ok(self.page(template, status, title, context))
    }

    pub(super) fn page(
        &self,
        template: &'static str,
        status: u16,
        title: String,
        context: Json,
    ) -> Response {
        Response::Page {
            template,
            status,
            title,
            context,
        }
    }

    pub(super) async fn rows_by_ids(
        &self,
        db: &impl ConnectionTrait,
        ids: &[i64],
    ) -> Result<Vec<E::Model>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let pk = self.pk()?;
        let found = E::find()
            .filter(pk.col.is_in(ids.iter().map(|i| pk.kind.int(*i))))
            .all(db)
            .await?;
        let mut by_id: BTreeMap<i64, E::Model> =
            found.into_iter().map(|m| (self.id_of(&m), m)).collect();
        Ok(ids.iter().filter_map(|i| by_id.remove(i)).collect())
    }

    pub(super) fn choice_label(&self, user: &dyn AdminUser, field: &str, value: &str) -> String {
        self.admin
            .choices(user, field)
            .and_then(|c| c.into_iter().find(|(v, _)| v == value).map(|(_, l)| l))
            .unwrap_or_else(|| value.to_string())
    }

    pub(super) fn lock_col(&self) -> Option<Col<E>> {
        self.column("lock_version").filter(|c| c.kind.is_integer())
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "an audit entry names its site, transaction, actor, action, row and both states"
    )]
    pub(super) async fn audit(
        &self,
        site: &AdminSite,
        txn: &DatabaseTransaction,
        user: &dyn AdminUser,
        action: &str,
        id: i64,
        before: Option<Json>,
        after: Option<Json>,
    ) -> Result<()> {
        site.audit
            .record(
                txn,
                user,
                AuditEntry {
                    action: format!("{}.{action}", self.admin.options().audit_type),
                    target_type: self.admin.options().audit_type.to_string(),
                    target_id: id.to_string(),
                    before,
                    after,
                },
            )
            .await?;
        Ok(())
    }
}

fn save_message(e: &SaveError, label: &str) -> String {
    match e {
        SaveError::Fields(f) => format!(
            "Nothing was changed: “{label}”: {}",
            f.values().cloned().collect::<Vec<_>>().join(" ")
        ),
        SaveError::Conflict => {
            format!("Nothing was changed: “{label}” was changed meanwhile; try again.")
        }
        SaveError::Db(e) => format!("Nothing was changed: “{label}”: {}", db_message(e)),
    }
}
