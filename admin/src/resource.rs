//! One registered entity: its list, form, delete, history, bulk action, export and lookup
//! pages, built from the entity's columns and relations and the registration's options.
use std::{
    collections::{BTreeMap, BTreeSet},
    marker::PhantomData,
    sync::Arc,
};

use async_trait::async_trait;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, Iterable, ModelTrait, QueryFilter,
    QueryOrder, RelationTrait, RelationType, SqlErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait, Value,
    sea_query::{ForeignKeyAction, TableRef},
};
use serde_json::{Value as Json, json};

use crate::{
    Action, AdminSite, AdminUser, AuditEntry, Dependent, Example, Grant, Request, Resource,
    ResourceInfo, Response, Result, capitalized,
    options::{
        BulkAction, BulkOutcome, Change, FieldErrors, ListColumn, ModelAdmin, SaveError,
        Submission, Widget,
    },
    query::{self, AdminEntity, Col, FilterKind, ListParams},
    saved_filters,
    values::{self, Kind},
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

/// What a form field shows.
struct FieldSpec<E: EntityTrait> {
    col: Col<E>,
    label: String,
    widget: Widget,
    readonly: bool,
    choices: Option<Vec<(String, String)>>,
    fk: Option<Arc<dyn Resource>>,
    help: Option<&'static str>,
}

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    fn url(&self) -> String {
        self.info.url()
    }

    fn column(&self, name: &str) -> Option<Col<E>> {
        self.columns.iter().find(|c| c.name == name).cloned()
    }

    fn pk(&self) -> Result<Col<E>> {
        self.pk
            .clone()
            .ok_or_else(|| crate::Error::Config(format!("{}: no primary key", self.info.table)))
    }

    fn id_of(&self, m: &E::Model) -> i64 {
        self.pk()
            .ok()
            .and_then(|pk| values::to_json(&m.get(pk.col)).as_i64())
            .unwrap_or_default()
    }

    fn label_of(&self, m: &E::Model) -> String {
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

    fn owner_of(&self, m: &E::Model) -> Option<i64> {
        let f = self.admin.options().owner_field?;
        self.column(f)
            .and_then(|c| values::to_json(&m.get(c.col)).as_i64())
    }

    fn may(&self, user: &dyn AdminUser, action: Action, obj: Option<&E::Model>) -> bool {
        let owner = obj.map(|m| self.owner_of(m).unwrap_or(i64::MIN));
        self.admin.has_permission(user, action, owner)
    }

    /// `fields` without those hidden from `user`: a hidden field is never shown, searched,
    /// filtered or sorted on, whatever a registration's hooks return.
    fn visible(&self, user: &dyn AdminUser, fields: Vec<&'static str>) -> Vec<&'static str> {
        let hidden = self.admin.hidden_fields(user);
        fields.into_iter().filter(|f| !hidden.contains(f)).collect()
    }

    fn search_fields_for(&self, user: &dyn AdminUser) -> Vec<&'static str> {
        self.visible(user, self.admin.search_fields(user))
    }

    fn sortable_for(&self, user: &dyn AdminUser) -> Vec<&'static str> {
        self.visible(user, self.admin.options().sortable.clone())
    }

    fn list_display_for(&self, user: &dyn AdminUser) -> Vec<&ListColumn<E>> {
        let hidden = self.admin.hidden_fields(user);
        self.admin
            .list_display(user)
            .into_iter()
            .filter(|c| !matches!(c, ListColumn::Field(f) if hidden.contains(f)))
            .collect()
    }

    fn label_for(&self, field: &str) -> String {
        self.admin
            .options()
            .labels
            .iter()
            .find(|(f, _)| *f == field)
            .map_or_else(|| humanize(field), |(_, l)| (*l).to_string())
    }

    /// The rows the user may see at all: everything, or their own.
    fn scope(&self, user: &dyn AdminUser) -> Condition {
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

    fn json_of(&self, user: &dyn AdminUser, m: &E::Model) -> Json {
        let mut v = serde_json::to_value(m).unwrap_or(Json::Null);
        if let Some(obj) = v.as_object_mut() {
            for h in self.admin.hidden_fields(user) {
                obj.remove(h);
            }
        }
        v
    }

    fn fk_target(&self, site: &AdminSite, field: &str) -> Option<Arc<dyn Resource>> {
        owned_relations::<E>()
            .into_iter()
            .find(|(col, _, _)| col == field)
            .and_then(|(_, table, _)| site.by_table(&table).cloned())
    }

    async fn find(&self, db: &impl ConnectionTrait, id: i64) -> Result<Option<E::Model>> {
        let pk = self.pk()?;
        Ok(E::find().filter(pk.col.eq(pk.kind.int(id))).one(db).await?)
    }

    fn base(&self, site: &AdminSite) -> Json {
        let section = site
            .sections
            .iter()
            .find(|(k, _)| *k == self.info.section)
            .map_or(self.info.section, |(_, t)| t);
        json!({
            "slug": self.info.slug,
            "singular": self.info.singular,
            "plural": self.info.plural,
            "url": self.url(),
            "section": section,
        })
    }

    fn perms(&self, user: &dyn AdminUser, obj: Option<&E::Model>) -> Json {
        json!({
            "view": self.may(user, Action::View, obj),
            "add": self.may(user, Action::Add, None),
            "change": self.may(user, Action::Change, obj),
            "delete": self.may(user, Action::Delete, obj),
        })
    }

    fn crumbs(&self, site: &AdminSite, last: Option<(String, Option<String>)>) -> Json {
        let section = site
            .sections
            .iter()
            .find(|(k, _)| *k == self.info.section)
            .map_or(self.info.section, |(_, t)| t);
        let mut c = vec![
            json!({"label": "Dashboard", "href": "/admin"}),
            json!({"label": section, "href": null}),
            json!({"label": capitalized(self.info.plural), "href": self.url()}),
        ];
        if let Some((label, href)) = last {
            c.push(json!({"label": label, "href": href}));
        }
        Json::from(c)
    }

    fn page(&self, template: &'static str, status: u16, title: String, context: Json) -> Response {
        Response::Page {
            template,
            status,
            title,
            context,
        }
    }

    // ----- the list -------------------------------------------------------------------

    fn filter_kinds(
        &self,
        site: &AdminSite,
        user: &dyn AdminUser,
    ) -> Vec<(&'static str, FilterKind)> {
        self.visible(user, self.admin.list_filter(user))
            .into_iter()
            .filter_map(|f| {
                let c = self.column(f)?;
                let kind = if let Some(ch) = self.admin.choices(user, f) {
                    FilterKind::Choices(ch.into_iter().map(|(v, _)| v).collect())
                } else if c.kind == Kind::Bool {
                    FilterKind::Bool
                } else if c.kind.is_temporal() {
                    FilterKind::Dates
                } else if self.fk_target(site, f).is_some() {
                    FilterKind::ForeignKey
                } else if matches!(c.kind, Kind::Text { .. }) || c.kind.is_integer() {
                    FilterKind::Values
                } else {
                    return None;
                };
                Some((f, kind))
            })
            .collect()
    }

    fn params(
        &self,
        site: &AdminSite,
        user: &dyn AdminUser,
        pairs: &[(String, String)],
    ) -> ListParams {
        query::parse_params::<E>(
            pairs,
            &self.filter_kinds(site, user),
            &self.sortable_for(user),
            &self.admin.ordering(user),
        )
    }

    fn filtered(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        p: &ListParams,
    ) -> sea_orm::Select<E> {
        let o = self.admin.options();
        E::find()
            .filter(self.scope(user))
            .filter(query::filter_condition::<E>(&p.filters))
            .filter(query::search_condition::<E>(
                db.get_database_backend(),
                &p.q,
                &self.search_fields_for(user),
                o.search_index.map(|s| s.sqlite_fts_table),
            ))
    }

    async fn rows_by_ids(&self, db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<E::Model>> {
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

    /// Foreign-key labels for the given rows: field → id → (label, link).
    async fn fk_labels(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        fields: &[&str],
        rows: &[E::Model],
    ) -> Result<BTreeMap<String, BTreeMap<i64, (String, Option<String>)>>> {
        let mut out = BTreeMap::new();
        for f in fields {
            let (Some(target), Some(c)) = (self.fk_target(site, f), self.column(f)) else {
                continue;
            };
            let ids: BTreeSet<i64> = rows
                .iter()
                .filter_map(|m| values::to_json(&m.get(c.col)).as_i64())
                .collect();
            let ids: Vec<i64> = ids.into_iter().collect();
            let labels = target.labels(req.db, &ids).await?;
            let t = target.options();
            let may_view = req.user.grant(&format!("{}.view", t.permission)).is_some();
            out.insert(
                (*f).to_string(),
                labels
                    .into_iter()
                    .map(|(id, l)| (id, (l, may_view.then(|| format!("{}/{id}", t.url())))))
                    .collect(),
            );
        }
        Ok(out)
    }

    fn cell(
        &self,
        user: &dyn AdminUser,
        m: &E::Model,
        column: &ListColumn<E>,
        fks: &BTreeMap<String, BTreeMap<i64, (String, Option<String>)>>,
    ) -> Json {
        match column {
            ListColumn::Computed { value, .. } => json!({"text": value(m)}),
            ListColumn::Field(f) => {
                let Some(c) = self.column(f) else {
                    return json!({"text": ""});
                };
                let v = m.get(c.col);
                if let Some(map) = fks.get(*f) {
                    let id = values::to_json(&v).as_i64();
                    return match id.and_then(|i| map.get(&i)) {
                        Some((label, href)) => json!({"text": label, "href": href}),
                        None => json!({"text": values::display(&v)}),
                    };
                }
                if let Some(ch) = self.admin.choices(user, f) {
                    let raw = values::display(&v);
                    let label = ch
                        .into_iter()
                        .find(|(val, _)| *val == raw)
                        .map_or(raw, |(_, l)| l);
                    return json!({"text": label, "badge": values::display(&v)});
                }
                if c.kind == Kind::Bool {
                    return json!({"text": values::display(&v), "bool": values::to_json(&v)});
                }
                json!({"text": values::display(&v)})
            }
        }
    }

    async fn filter_panels(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        p: &ListParams,
    ) -> Result<Json> {
        let base_pairs = p.pairs();
        let mut panels = Vec::new();
        let order = p.order_param();
        let link = |drop: &[&str], add: Vec<(String, String)>| {
            let mut pairs: Vec<(String, String)> = base_pairs
                .iter()
                .filter(|(k, _)| !drop.contains(&k.as_str()))
                .cloned()
                .collect();
            pairs.extend(add);
            if !order.is_empty() {
                pairs.push(("o".to_string(), order.clone()));
            }
            with_query(&self.url(), &pairs)
        };
        for (field, kind) in self.filter_kinds(site, req.user) {
            let current = |param: &str| {
                p.filters
                    .iter()
                    .find(|f| f.param == param)
                    .map(|f| f.value.clone())
            };
            let mut options = Vec::new();
            match kind {
                FilterKind::Choices(_) | FilterKind::Bool | FilterKind::ForeignKey => {
                    let cur = current(field);
                    let isnull = format!("{field}__isnull");
                    options.push(json!({"label": "All", "href": link(&[field, &isnull], vec![]), "selected": cur.is_none() && current(&isnull).is_none()}));
                    let choices: Vec<(String, String)> = match kind {
                        FilterKind::Bool => vec![
                            ("true".to_string(), "Yes".to_string()),
                            ("false".to_string(), "No".to_string()),
                        ],
                        FilterKind::ForeignKey => match self.fk_target(site, field) {
                            Some(t) => t
                                .lookup(
                                    req.db,
                                    req.user,
                                    self.admin.limit_choices_to(req.user, field),
                                    "",
                                    50,
                                )
                                .await?
                                .into_iter()
                                .map(|(id, l)| (id.to_string(), l))
                                .collect(),
                            None => Vec::new(),
                        },
                        _ => self.admin.choices(req.user, field).unwrap_or_default(),
                    };
                    for (v, l) in choices {
                        options.push(json!({
                            "label": l,
                            "href": link(&[field, &isnull], vec![(field.to_string(), v.clone())]),
                            "selected": cur.as_deref() == Some(v.as_str()),
                        }));
                    }
                }
                FilterKind::Values => {
                    let cur = current(field);
                    options.push(json!({"label": "All", "href": link(&[field], vec![]), "selected": cur.is_none()}));
                    let mut seen = match self.column(field) {
                        Some(c) => {
                            let select = E::find().filter(self.scope(req.user));
                            query::distinct_values(req.db, select, &c, MAX_VALUES).await?
                        }
                        None => Vec::new(),
                    };
                    // The value filtered on stays offered, however rare.
                    if let Some(v) = cur.as_ref().filter(|v| !seen.contains(v)) {
                        seen.push(v.clone());
                    }
                    for v in seen {
                        options.push(json!({
                            "label": self.choice_label(req.user, field, &v),
                            "href": link(&[field], vec![(field.to_string(), v.clone())]),
                            "selected": cur.as_deref() == Some(v.as_str()),
                        }));
                    }
                }
                FilterKind::Dates => {
                    let now = chrono::Utc::now();
                    let day = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d").to_string();
                    let today = day(now);
                    let tomorrow = day(now + chrono::Duration::days(1));
                    let ranges = [
                        ("Today", today.clone()),
                        ("Past 7 days", day(now - chrono::Duration::days(7))),
                        ("Past 30 days", day(now - chrono::Duration::days(30))),
                        ("Past year", day(now - chrono::Duration::days(365))),
                    ];
                    let gte = format!("{field}__gte");
                    let lt = format!("{field}__lt");
                    let isnull = format!("{field}__isnull");
                    let drop = [gte.as_str(), lt.as_str(), isnull.as_str()];
                    let none_set = current(&gte).is_none()
                        && current(&lt).is_none()
                        && current(&isnull).is_none();
                    options.push(json!({"label": "Any date", "href": link(&drop, vec![]), "selected": none_set}));
                    for (label, from) in ranges {
                        options.push(json!({
                            "label": label,
                            "href": link(&drop, vec![(gte.clone(), from.clone()), (lt.clone(), tomorrow.clone())]),
                            "selected": current(&gte).as_deref() == Some(from.as_str()) && current(&lt).as_deref() == Some(tomorrow.as_str()),
                        }));
                    }
                    if self.column(field).is_some_and(|c| c.nullable) {
                        options.push(json!({"label": "No date", "href": link(&drop, vec![(isnull.clone(), "true".into())]), "selected": current(&isnull).as_deref() == Some("true")}));
                        options.push(json!({"label": "Has date", "href": link(&drop, vec![(isnull.clone(), "false".into())]), "selected": current(&isnull).as_deref() == Some("false")}));
                    }
                }
            }
            panels
                .push(json!({"field": field, "label": self.label_for(field), "options": options}));
        }
        Ok(Json::from(panels))
    }

    async fn changelist(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        notice: Option<String>,
    ) -> Result<Response> {
        let o = self.admin.options();
        let user = req.user;
        let p = self.params(site, user, &req.query);
        let select = self.filtered(req.db, user, &p);
        let (count, exact) = query::bounded_count(req.db, select.clone(), o.count_limit).await?;
        let unfiltered = p.filters.is_empty() && p.q.is_empty();
        let estimate = if exact {
            None
        } else if unfiltered && matches!(self.scope(user), c if c.is_empty()) {
            query::estimated_rows(req.db, &self.info.table).await
        } else {
            None
        };
        let per_page = self.admin.per_page(user).max(1);
        let ids = query::page_ids(
            req.db,
            query::order(select, &p.order),
            (p.page.clamp(1, query::MAX_PAGE) - 1).saturating_mul(per_page),
            per_page,
        )
        .await?;
        let rows = self.rows_by_ids(req.db, &ids).await?;

        let list_display = self.list_display_for(user);
        let sortable = self.sortable_for(user);
        let fk_fields: Vec<&str> = list_display
            .iter()
            .filter_map(|c| match c {
                ListColumn::Field(f) => Some(*f),
                ListColumn::Computed { .. } => None,
            })
            .collect();
        let fks = self.fk_labels(site, req, &fk_fields, &rows).await?;
        let pairs = p.pairs();
        let order_param = p.order_param();
        let columns: Vec<Json> = list_display
            .iter()
            .map(|c| match c {
                ListColumn::Computed { label, .. } => json!({"label": label, "sort": null}),
                ListColumn::Field(f) => {
                    let sortable = sortable.contains(f);
                    let current = p.order.iter().position(|(n, _)| n == f);
                    let desc_now = current
                        .and_then(|i| p.order.get(i))
                        .is_some_and(|(_, d)| *d);
                    let next = if current == Some(0) && !desc_now {
                        format!("-{f}")
                    } else {
                        (*f).to_string()
                    };
                    let mut link_pairs = pairs.clone();
                    link_pairs.push(("o".to_string(), next));
                    json!({
                        "label": self.label_for(f),
                        "sort": sortable.then(|| json!({
                            "href": with_query(&self.url(), &link_pairs),
                            "active": current == Some(0),
                            "desc": desc_now,
                        })),
                    })
                }
            })
            .collect();
        let may_change = self.may(user, Action::Change, None);
        let inline_actions: Vec<&BulkAction> = o
            .actions
            .iter()
            .filter(|a| a.inline && self.action_allowed(user, a))
            .collect();
        let rows_json: Vec<Json> = rows
            .iter()
            .map(|m| {
                let id = self.id_of(m);
                let cells: Vec<Json> = list_display
                    .iter()
                    .zip(&columns)
                    .map(|(c, head)| {
                        let mut cell = self.cell(user, m, c, &fks);
                        cell["label"] = head["label"].clone();
                        cell
                    })
                    .collect();
                let inline: Vec<Json> = inline_actions
                    .iter()
                    .filter(|a| self.may(user, a.needs, Some(m)))
                    .filter(|a| {
                        // Not offered where it would change nothing.
                        !a.sets.iter().all(|c| {
                            self.column(c.field)
                                .is_some_and(|col| values::display(&m.get(col.col)) == c.value)
                        })
                    })
                    .map(|a| json!({"name": a.name, "label": a.label.replace(" selected", "")}))
                    .collect();
                json!({
                    "id": id,
                    "inline": inline,
                    "href": format!("{}/{id}", self.url()),
                    "label": self.label_of(m),
                    "editable": may_change && self.may(user, Action::Change, Some(m)),
                    "cells": cells,
                })
            })
            .collect();

        let mut keep = pairs.clone();
        if !order_param.is_empty() {
            keep.push(("o".to_string(), order_param.clone()));
        }
        let page_link = |n: u64| {
            let mut pp = keep.clone();
            if n > 1 {
                pp.push(("p".to_string(), n.to_string()));
            }
            with_query(&self.url(), &pp)
        };
        let known_total = if exact { Some(count) } else { estimate };
        let last_page = known_total.map(|t| t.div_ceil(per_page).max(1));
        let mut pages = Vec::new();
        let mut prev_n = 0;
        let mut wanted: BTreeSet<u64> = BTreeSet::new();
        for n in [
            1,
            2,
            p.page.saturating_sub(2),
            p.page.saturating_sub(1),
            p.page,
            p.page + 1,
            p.page + 2,
        ] {
            if n >= 1
                && last_page.is_none_or(|l| n <= l)
                && (n <= p.page || rows.len() as u64 == per_page)
            {
                wanted.insert(n);
            }
        }
        if let Some(l) = last_page.filter(|_| exact) {
            wanted.insert(l);
            wanted.insert(l.saturating_sub(1).max(1));
        }
        for n in wanted {
            if prev_n != 0 && n > prev_n + 1 {
                pages.push(json!({"gap": true}));
            }
            pages.push(json!({"n": n, "href": page_link(n), "current": n == p.page}));
            prev_n = n;
        }
        let has_next = rows.len() as u64 == per_page && last_page.is_none_or(|l| p.page < l);
        let count_text = if exact {
            format!("{count} {}", if count == 1 { o.singular } else { o.plural })
        } else if let Some(e) = estimate {
            format!("about {e} {}", o.plural)
        } else {
            format!("more than {count} {}", o.plural)
        };

        let actions: Vec<Json> = o
            .actions
            .iter()
            .filter(|a| self.action_allowed(user, a))
            .map(|a| json!({"name": a.name, "label": a.label}))
            .collect();
        let applied: Vec<Json> = p
            .filters
            .iter()
            .map(|f| {
                let mut rest: Vec<(String, String)> = pairs.iter().filter(|(k, _)| *k != f.param).cloned().collect();
                if !order_param.is_empty() {
                    rest.push(("o".to_string(), order_param.clone()));
                }
                json!({"label": self.label_for(&f.field), "value": self.choice_label(user, &f.field, &f.value), "op": f.param.split_once("__").map(|(_, o)| o), "remove": with_query(&self.url(), &rest)})
            })
            .collect();
        let saved = saved_filters::visible(req.db, user, self.info.section, self.info.slug).await?;
        let saved: Vec<Json> = saved
            .into_iter()
            .map(|s| {
                json!({
                    "id": s.id,
                    "name": s.name,
                    "href": if s.query.is_empty() { self.url() } else { format!("{}?{}", self.url(), s.query) },
                    "shared_role": s.shared_role,
                    "mine": s.owner_id == user.id(),
                })
            })
            .collect();
        let search_labels: Vec<String> = self
            .search_fields_for(user)
            .iter()
            .map(|f| self.label_for(f).to_lowercase())
            .collect();
        let context = json!({
            "resource": self.base(site),
            "breadcrumbs": self.crumbs(site, None),
            "perms": self.perms(user, None),
            "columns": columns,
            "rows": rows_json,
            "q": p.q,
            "search": (!search_labels.is_empty()).then(|| search_labels.join(", ")),
            "filters": self.filter_panels(site, req, &p).await?,
            "applied": applied,
            "order": order_param,
            "count": {"n": count, "exact": exact, "estimate": estimate, "text": count_text},
            "page": {
                "number": p.page,
                "pages": pages,
                "prev": (p.page > 1).then(|| page_link(p.page - 1)),
                "next": has_next.then(|| page_link(p.page + 1)),
                "last": last_page,
                "empty_past_end": rows.is_empty() && p.page > 1,
            },
            "actions": actions,
            "has_inline": !inline_actions.is_empty(),
            "list": true,
            "keep": keep.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
            "list_href": with_query(&self.url(), &keep),
            "export_href": with_query(&format!("{}/export.csv", self.url()), &keep),
            "saved": saved,
            "saved_query": encode(&keep),
            "roles": site.roles,
            "notice": notice,
            "select_across_max": MAX_SET,
        });
        let template = if req.htmx {
            "admin/engine/list_results.html"
        } else {
            "admin/engine/list.html"
        };
        Ok(self.page(template, 200, o.plural.to_string(), context))
    }

    fn action_allowed(&self, user: &dyn AdminUser, a: &BulkAction) -> bool {
        self.admin.has_permission(user, a.needs, None)
            && a.also_needs.is_none_or(|p| user.grant(p).is_some())
            && (!a.delete || self.admin.has_permission(user, Action::Delete, None))
    }

    // ----- bulk actions ---------------------------------------------------------------

    /// The ids a bulk action will touch: the selection or the whole filtered set, always
    /// within what the user may see.
    async fn action_ids(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
    ) -> Result<std::result::Result<Vec<i64>, String>> {
        let pk = self.pk()?;
        if first(&req.form, "_across") == Some("1") {
            let p = self.params(site, req.user, &req.form);
            let select = query::order(self.filtered(req.db, req.user, &p), &p.order);
            let ids = query::page_ids(req.db, select, 0, MAX_SET + 1).await?;
            if ids.len() as u64 > MAX_SET {
                return Ok(Err(format!(
                    "That is more than {MAX_SET} {}. Narrow the filter first.",
                    self.info.plural
                )));
            }
            return Ok(Ok(ids));
        }
        let wanted: Vec<i64> = req
            .form
            .iter()
            .filter(|(k, _)| k == "_selected")
            .filter_map(|(_, v)| v.parse().ok())
            .take(MAX_SET as usize)
            .collect();
        if wanted.is_empty() {
            return Ok(Err("Select at least one row first.".to_string()));
        }
        let select = E::find()
            .filter(self.scope(req.user))
            .filter(pk.col.is_in(wanted.iter().map(|i| pk.kind.int(*i))));
        let ids = query::page_ids(req.db, query::order(select, &[]), 0, MAX_SET).await?;
        Ok(Ok(ids))
    }

    async fn bulk(&self, site: &AdminSite, req: &Request<'_>) -> Result<Response> {
        let o = self.admin.options();
        // A row's own button: `_row=id:action`, an inline action on that one row, at once.
        if let Some(row) = first(&req.form, "_row") {
            let Some((id, name)) = row.split_once(':') else {
                return Ok(Response::NotFound);
            };
            let Some(action) = o.actions.iter().find(|a| a.name == name && a.inline) else {
                return Ok(Response::NotFound);
            };
            let back = first(&req.form, "_back").unwrap_or_default().to_string();
            let form = vec![
                ("_action".to_string(), action.name.to_string()),
                ("_selected".to_string(), id.to_string()),
                ("_confirm".to_string(), "yes".to_string()),
                ("_back".to_string(), back),
            ];
            let one = Request {
                db: req.db,
                user: req.user,
                post: true,
                rest: Vec::new(),
                query: Vec::new(),
                form,
                htmx: req.htmx,
            };
            return Box::pin(self.bulk(site, &one)).await;
        }
        // Where to go afterwards: the list the form came from (with its filters).
        let back = first(&req.form, "_back")
            .filter(|b| b.starts_with(&self.url()))
            .map_or_else(|| self.url(), str::to_string);
        let Some(action) =
            first(&req.form, "_action").and_then(|name| o.actions.iter().find(|a| a.name == name))
        else {
            return Ok(Response::Redirect {
                to: back,
                flash: Some("Choose an action first.".to_string()),
            });
        };
        if !self.action_allowed(req.user, action) {
            return Ok(Response::Forbidden(format!(
                "{}.{}",
                o.permission,
                action.needs.as_str()
            )));
        }
        let ids = match self.action_ids(site, req).await? {
            Ok(ids) => ids,
            Err(msg) => {
                return Ok(Response::Redirect {
                    to: back,
                    flash: Some(msg),
                });
            }
        };
        if first(&req.form, "_confirm") != Some("yes") {
            let rows = self
                .rows_by_ids(req.db, &ids.iter().take(100).copied().collect::<Vec<_>>())
                .await?;
            let listed: Vec<Json> = rows
                .iter()
                .map(|m| json!({"id": self.id_of(m), "label": self.label_of(m), "href": format!("{}/{}", self.url(), self.id_of(m)), "allowed": self.may(req.user, action.needs, Some(m))}))
                .collect();
            let dependents = if action.delete && ids.len() <= 100 {
                let mut all = Vec::new();
                for id in &ids {
                    for d in self.dependents(site, req.db, *id).await? {
                        all.push(d);
                    }
                }
                all
            } else {
                Vec::new()
            };
            let changes: Vec<Json> = action
                .sets
                .iter()
                .map(|c| json!({"field": self.label_for(c.field), "value": self.choice_label(req.user, c.field, c.value)}))
                .collect();
            let context = json!({
                "resource": self.base(site),
                "breadcrumbs": self.crumbs(site, Some((action.label.to_string(), None))),
                "action": {"name": action.name, "label": action.label, "describe": action.describe, "delete": action.delete},
                "changes": changes,
                "ids": ids,
                "count": ids.len(),
                "rows": listed,
                "more": ids.len().saturating_sub(listed.len()),
                "dependents": dependents,
                "back": back,
            });
            return Ok(self.page(
                "admin/engine/confirm.html",
                200,
                format!("{} — confirm", action.label),
                context,
            ));
        }
        let (done, skipped) = match self.admin.bulk_action(req.db, req.user, action, &ids).await {
            Some(Ok(BulkOutcome { done, skipped })) => (done, skipped),
            Some(Err(e)) => {
                return Ok(Response::Redirect {
                    to: back,
                    flash: Some(save_message(&e, action.label)),
                });
            }
            None => match self.bulk_by_row(site, req, action, &ids).await? {
                Ok(counts) => counts,
                Err(msg) => {
                    return Ok(Response::Redirect {
                        to: back,
                        flash: Some(msg),
                    });
                }
            },
        };
        let noun = if done == 1 {
            self.info.singular
        } else {
            self.info.plural
        };
        let mut msg = if action.delete {
            format!("Deleted {done} {noun}.")
        } else {
            let changes: Vec<String> = action
                .sets
                .iter()
                .map(|c| {
                    format!(
                        "{} is now {}",
                        self.label_for(c.field).to_lowercase(),
                        self.choice_label(req.user, c.field, c.value)
                    )
                })
                .collect();
            format!(
                "{}: {done} {noun} changed ({}).",
                action.label.replace(" selected", ""),
                changes.join(", ")
            )
        };
        if skipped > 0 {
            msg.push_str(&format!(" {skipped} skipped: you may not change them."));
        }
        Ok(Response::Redirect {
            to: back,
            flash: Some(msg),
        })
    }

    /// A bulk action the registration did not take whole: each permitted row through its
    /// [`ModelAdmin::delete_model`] or [`ModelAdmin::save_model`], one write per row. When
    /// the hook declines the first permitted row, the registration has none, and every row
    /// takes the generic write in one transaction. `Err` is the message when a row refused
    /// (the rows before it stay written, and the message says how many).
    async fn bulk_by_row(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        action: &BulkAction,
        ids: &[i64],
    ) -> Result<std::result::Result<(u64, u64), String>> {
        let rows = self.rows_by_ids(req.db, ids).await?;
        let (mut done, mut skipped) = (0_u64, 0_u64);
        let mut probed = false;
        for m in &rows {
            if !self.may(req.user, action.needs, Some(m)) {
                skipped += 1;
                continue;
            }
            let outcome = self.bulk_hook(site, req, action, m).await?;
            let outcome = match outcome {
                Some(o) => o,
                // No hook: the generic write, for every row at once.
                None if !probed => return self.generic_bulk(site, req, action, ids).await,
                // A hook that takes some rows and not others: the rest one by one.
                None => match self
                    .generic_bulk(site, req, action, &[self.id_of(m)])
                    .await?
                {
                    Ok((n, s)) => {
                        done += n;
                        skipped += s;
                        continue;
                    }
                    Err(msg) => return Ok(Err(self.partial_message(msg, done))),
                },
            };
            probed = true;
            match outcome {
                Ok(()) => done += 1,
                Err(e) => {
                    let msg = save_message(&e, &self.label_of(m));
                    return Ok(Err(self.partial_message(msg, done)));
                }
            }
        }
        Ok(Ok((done, skipped)))
    }

    /// One row of a bulk action through the registration's hook; `None` when it has none.
    async fn bulk_hook(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        action: &BulkAction,
        m: &E::Model,
    ) -> Result<Option<std::result::Result<(), SaveError>>> {
        if action.delete {
            return Ok(self.admin.delete_model(req.db, req.user, m).await);
        }
        let mut row: E::ActiveModel = m.clone().into();
        for c in &action.sets {
            if let Some(col) = self.column(c.field) {
                row.try_set(col.col, action_value(action, c, &col)?)?;
            }
        }
        // What the form would have sent: every editable field as stored, the action's
        // changes applied, and the extra fields' current values.
        let mut raw: BTreeMap<String, String> = self
            .field_specs(site, req.user, Some(m))
            .iter()
            .filter(|s| !s.readonly)
            .map(|s| {
                (
                    s.col.name.to_string(),
                    values::form_string(&m.get(s.col.col)),
                )
            })
            .collect();
        for c in &action.sets {
            raw.insert(c.field.to_string(), c.value.to_string());
        }
        if !self.admin.extra_fields(req.user).is_empty() {
            raw.extend(self.admin.extra_values(req.db, m).await);
        }
        let lock_version = self
            .lock_col()
            .map(|l| values::to_json(&m.get(l.col)).as_i64().unwrap_or(0));
        let submission = Submission {
            before: Some(m),
            row,
            raw: &raw,
            lock_version,
        };
        Ok(self
            .admin
            .save_model(req.db, req.user, submission)
            .await
            .map(|o| o.map(|_| ())))
    }

    /// A refusal's message, saying how many rows before it were already written.
    fn partial_message(&self, msg: String, done: u64) -> String {
        if done == 0 {
            return msg;
        }
        let noun = if done == 1 {
            self.info.singular
        } else {
            self.info.plural
        };
        let verb = if done == 1 { "was" } else { "were" };
        format!("{msg} The {done} {noun} before it {verb} already done.")
    }

    /// The engine's own bulk write: every row in one transaction. `Err` is the message when
    /// a row refused (and nothing was written).
    async fn generic_bulk(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        action: &BulkAction,
        ids: &[i64],
    ) -> Result<std::result::Result<(u64, u64), String>> {
        let txn = begin_write(req.db).await?;
        let rows = self.rows_by_ids(&txn, ids).await?;
        let (mut done, mut skipped) = (0_u64, 0_u64);
        for m in rows {
            if !self.may(req.user, action.needs, Some(&m)) {
                skipped += 1;
                continue;
            }
            let id = self.id_of(&m);
            let before = self.json_of(req.user, &m);
            if action.delete {
                if let Err(e) = self.admin.before_delete(&txn, req.user, &m).await {
                    txn.rollback().await?;
                    return Ok(Err(save_message(&e, &self.label_of(&m))));
                }
                let pk = self.pk()?;
                if let Err(e) = E::delete_many()
                    .filter(pk.col.eq(pk.kind.int(id)))
                    .exec(&txn)
                    .await
                {
                    txn.rollback().await?;
                    return Ok(Err(format!(
                        "Nothing was deleted: “{}” could not be. {}",
                        self.label_of(&m),
                        db_message(&e)
                    )));
                }
                self.audit(site, &txn, req.user, "delete", id, Some(before), None)
                    .await?;
            } else {
                let mut am: E::ActiveModel = m.clone().into();
                for c in &action.sets {
                    if let Some(col) = self.column(c.field) {
                        am.try_set(col.col, action_value(action, c, &col)?)?;
                    }
                }
                if let Some(lock) = self.lock_col() {
                    let cur = values::to_json(&m.get(lock.col)).as_i64().unwrap_or(0);
                    am.try_set(lock.col, lock.kind.int(cur + 1))?;
                }
                if let Err(e) = self
                    .admin
                    .before_save(&txn, req.user, &mut am, Some(&m))
                    .await
                {
                    txn.rollback().await?;
                    return Ok(Err(save_message(&e, &self.label_of(&m))));
                }
                let saved = am.update(&txn).await?;
                if let Err(e) = self
                    .admin
                    .after_save(&txn, req.user, &saved, Some(&m))
                    .await
                {
                    txn.rollback().await?;
                    return Ok(Err(save_message(&e, &self.label_of(&m))));
                }
                let after = self.json_of(req.user, &saved);
                self.audit(
                    site,
                    &txn,
                    req.user,
                    action.name,
                    id,
                    Some(before),
                    Some(after),
                )
                .await?;
            }
            done += 1;
        }
        txn.commit().await?;
        Ok(Ok((done, skipped)))
    }

    fn choice_label(&self, user: &dyn AdminUser, field: &str, value: &str) -> String {
        self.admin
            .choices(user, field)
            .and_then(|c| c.into_iter().find(|(v, _)| v == value).map(|(_, l)| l))
            .unwrap_or_else(|| value.to_string())
    }

    fn lock_col(&self) -> Option<Col<E>> {
        self.column("lock_version").filter(|c| c.kind.is_integer())
    }

    #[allow(clippy::too_many_arguments)]
    async fn audit(
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

    // ----- export ---------------------------------------------------------------------

    async fn export(&self, site: &AdminSite, req: &Request<'_>) -> Result<Response> {
        let hidden = self.admin.hidden_fields(req.user);
        let cols: Vec<Col<E>> = self
            .columns
            .iter()
            .filter(|c| !hidden.contains(&c.name))
            .cloned()
            .collect();
        let p = self.params(site, req.user, &req.query);
        let select = query::order(self.filtered(req.db, req.user, &p), &p.order);
        let mut body = cols
            .iter()
            .map(|c| values::csv_cell(c.name))
            .collect::<Vec<_>>()
            .join(",");
        body.push_str("\r\n");
        let mut offset = 0;
        while offset < MAX_EXPORT {
            let ids = query::page_ids(req.db, select.clone(), offset, 1000).await?;
            if ids.is_empty() {
                break;
            }
            for m in self.rows_by_ids(req.db, &ids).await? {
                let line = cols
                    .iter()
                    .map(|c| values::csv_cell(&values::display(&m.get(c.col))))
                    .collect::<Vec<_>>()
                    .join(",");
                body.push_str(&line);
                body.push_str("\r\n");
            }
            offset += 1000;
        }
        Ok(Response::Csv {
            filename: format!(
                "{}-{}.csv",
                self.info.slug,
                chrono::Utc::now().format("%Y%m%d-%H%M")
            ),
            body,
        })
    }

    // ----- the form -------------------------------------------------------------------

    fn field_specs(
        &self,
        site: &AdminSite,
        user: &dyn AdminUser,
        obj: Option<&E::Model>,
    ) -> Vec<FieldSpec<E>> {
        let o = self.admin.options();
        let hidden = self.admin.hidden_fields(user);
        let readonly = self.admin.readonly_fields(user, obj);
        let pk_name = self.pk.as_ref().map(|c| c.name);
        let fieldsets = self.admin.fieldsets(user, obj);
        let names: Vec<&str> = if fieldsets.is_empty() {
            self.columns.iter().map(|c| c.name).collect()
        } else {
            fieldsets
                .iter()
                .flat_map(|f| f.fields.iter().copied())
                .collect()
        };
        names
            .into_iter()
            .filter(|n| !hidden.contains(n) && Some(*n) != pk_name && *n != "lock_version")
            .filter_map(|n| {
                let col = self.column(n)?;
                let mut choices = self.admin.choices(user, n);
                // The stored value stays choosable even when this person could not pick it
                // (a role above what they may give): leaving it alone is not a change.
                if let (Some(ch), Some(m)) = (choices.as_mut(), obj) {
                    let current = values::form_string(&m.get(col.col));
                    if !current.is_empty() && !ch.iter().any(|(v, _)| *v == current) {
                        ch.insert(0, (current.clone(), current));
                    }
                }
                let fk = self.fk_target(site, n);
                let declared = o.widgets.iter().find(|(f, _)| *f == n).map(|(_, w)| *w);
                let widget = declared.unwrap_or(if choices.is_some() {
                    Widget::Select
                } else if fk.is_some() {
                    Widget::ForeignKey
                } else {
                    match col.kind {
                        Kind::Bool => Widget::Checkbox,
                        Kind::LongText => Widget::TextArea,
                        Kind::DateTimeTz | Kind::DateTime => Widget::DateTime,
                        Kind::Date => Widget::Date,
                        Kind::Json => Widget::Json,
                        k if k.is_integer() || k == Kind::Float => Widget::Number,
                        _ => Widget::Text,
                    }
                });
                Some(FieldSpec {
                    label: self.label_for(n),
                    readonly: readonly.contains(&n),
                    help: o.help.iter().find(|(f, _)| *f == n).map(|(_, h)| *h),
                    col,
                    widget,
                    choices,
                    fk,
                })
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    async fn render_form(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        obj: Option<&E::Model>,
        typed: Option<&BTreeMap<String, String>>,
        errors: &FieldErrors,
        conflict: Option<Json>,
        preview: Option<(String, String)>,
        lock_version: Option<i64>,
    ) -> Result<Response> {
        let o = self.admin.options();
        let user = req.user;
        let specs = self.field_specs(site, user, obj);
        let mut fields: BTreeMap<&str, Json> = BTreeMap::new();
        for s in &specs {
            let stored = obj.map(|m| m.get(s.col.col));
            let value = match (typed, &stored) {
                (Some(t), _) if !s.readonly => t.get(s.col.name).cloned().unwrap_or_default(),
                (_, Some(v)) => values::form_string(v),
                (None, None) => self.admin.initial(user, s.col.name).unwrap_or_default(),
                (Some(_), None) => self.admin.initial(user, s.col.name).unwrap_or_default(),
            };
            let mut choices: Vec<Json> = s
                .choices
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|(v, l)| json!({"value": v, "label": l, "selected": v == value}))
                .collect();
            let mut fk = Json::Null;
            if let Some(target) = &s.fk {
                let within = self.admin.limit_choices_to(user, s.col.name);
                let mut opts = target
                    .lookup(req.db, user, within, "", FK_CHOICES + 1)
                    .await?;
                let more = opts.len() as u64 > FK_CHOICES;
                opts.truncate(FK_CHOICES as usize);
                if let Ok(id) = value.parse::<i64>()
                    && !opts.iter().any(|(i, _)| *i == id)
                    && let Some(l) = target.labels(req.db, &[id]).await?.remove(&id)
                {
                    opts.insert(0, (id, l));
                }
                choices = opts
                    .into_iter()
                    .map(|(id, l)| json!({"value": id.to_string(), "label": l, "selected": id.to_string() == value}))
                    .collect();
                fk = json!({
                    "lookup": format!("{}/lookup?field={}", self.url(), s.col.name),
                    "target": target.options().singular,
                    "more": more,
                });
            }
            let readonly_text = if s.readonly {
                stored.as_ref().map_or_else(String::new, |v| {
                    if let Some(ch) = &s.choices {
                        let raw = values::display(v);
                        ch.iter()
                            .find(|(val, _)| *val == raw)
                            .map_or(raw, |(_, l)| l.clone())
                    } else {
                        values::display(v)
                    }
                })
            } else {
                String::new()
            };
            let preview_html = preview
                .as_ref()
                .filter(|(f, _)| f == s.col.name)
                .map(|(_, html)| html.clone());
            let describedby = [
                errors
                    .contains_key(s.col.name)
                    .then(|| format!("field-{}-error", s.col.name)),
                s.help.map(|_| format!("field-{}-help", s.col.name)),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            fields.insert(
                s.col.name,
                json!({
                    "name": s.col.name,
                    "id": format!("field-{}", s.col.name),
                    "label": s.label,
                    "widget": s.widget.as_str(),
                    "value": value,
                    "checked": matches!(value.as_str(), "on" | "true" | "1"),
                    "readonly": s.readonly,
                    "readonly_text": readonly_text,
                    "required": !s.col.nullable && !s.col.kind.is_textual() && s.col.kind != Kind::Bool,
                    "maxlength": match s.col.kind { Kind::Text { max } => max, _ => None },
                    "choices": choices,
                    "fk": fk,
                    "help": s.help,
                    "error": errors.get(s.col.name),
                    "describedby": describedby,
                    "preview": preview_html,
                    "preview_url": format!("{}/preview", self.url()),
                }),
            );
        }
        let declared = self.admin.fieldsets(user, obj);
        let mut fieldsets: Vec<Json> = if declared.is_empty() {
            vec![
                json!({"title": null, "description": null, "fields": specs.iter().filter_map(|s| fields.get(s.col.name)).collect::<Vec<_>>()}),
            ]
        } else {
            declared
                .iter()
                .map(|fs| {
                    json!({
                        "title": fs.title,
                        "description": fs.description,
                        "fields": fs.fields.iter().filter_map(|f| fields.get(f)).collect::<Vec<_>>(),
                    })
                })
                .filter(|fs| fs["fields"].as_array().is_some_and(|a| !a.is_empty()))
                .collect()
        };
        let extras = self.admin.extra_fields(user);
        if !extras.is_empty() {
            let stored = match obj {
                Some(m) => self.admin.extra_values(req.db, m).await,
                None => BTreeMap::new(),
            };
            for x in extras {
                let value = typed
                    .and_then(|t| t.get(x.name).cloned())
                    .or_else(|| stored.get(x.name).cloned())
                    .unwrap_or_default();
                let id = format!("field-{}", x.name);
                let describedby = [
                    errors.contains_key(x.name).then(|| format!("{id}-error")),
                    x.help.map(|_| format!("{id}-help")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
                let field = json!({
                    "name": x.name, "id": id, "label": x.label, "widget": "text",
                    "value": value, "readonly": false, "readonly_text": "", "required": false,
                    "choices": [], "fk": null, "help": x.help, "error": errors.get(x.name),
                    "describedby": describedby,
                });
                let at = fieldsets
                    .iter()
                    .position(|fs| fs["title"].as_str() == Some(x.fieldset))
                    .unwrap_or(fieldsets.len().saturating_sub(1));
                if let Some(list) = fieldsets
                    .get_mut(at)
                    .and_then(|fs| fs["fields"].as_array_mut())
                {
                    list.push(field);
                }
            }
        }
        let (title, object) = match obj {
            Some(m) => {
                let id = self.id_of(m);
                let panels = self.admin.panels(req.db, user, m).await;
                (
                    format!("Change {} “{}”", o.singular, self.label_of(m)),
                    json!({
                        "id": id,
                        "label": self.label_of(m),
                        "url": format!("{}/{id}", self.url()),
                        "view_on_site": o.view_on_site.and_then(|f| f(m)),
                        "panels": panels,
                    }),
                )
            }
            None => (format!("Add {}", o.singular), Json::Null),
        };
        let editable = obj.map_or_else(
            || self.may(user, Action::Add, None),
            |m| self.may(user, Action::Change, Some(m)),
        );
        let status = if conflict.is_some() {
            409
        } else if errors.is_empty() {
            200
        } else {
            422
        };
        let crumb = obj.map_or_else(|| format!("Add {}", o.singular), |m| self.label_of(m));
        let context = json!({
            "resource": self.base(site),
            "breadcrumbs": self.crumbs(site, Some((crumb, None))),
            "perms": self.perms(user, obj),
            "object": object,
            "adding": obj.is_none(),
            "editable": editable,
            "fieldsets": fieldsets,
            "errors": errors.len(),
            "form_error": errors.get("__all__"),
            "error_fields": errors.keys().filter(|k| *k != "__all__").map(|k| json!({"id": format!("field-{k}"), "label": self.label_for(k), "message": errors.get(k)})).collect::<Vec<_>>(),
            "lock_version": lock_version,
            "has_lock": lock_version.is_some(),
            "conflict": conflict,
            "action": obj.map_or_else(|| format!("{}/add", self.url()), |m| format!("{}/{}", self.url(), self.id_of(m))),
        });
        Ok(self.page("admin/engine/form.html", status, title, context))
    }

    async fn show_form(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        id: Option<i64>,
    ) -> Result<Response> {
        let obj = match id {
            Some(id) => match self.find(req.db, id).await? {
                Some(m) if self.may(req.user, Action::View, Some(&m)) => Some(m),
                Some(_) => {
                    return Ok(Response::Forbidden(format!(
                        "{}.view",
                        self.info.permission
                    )));
                }
                None => return Ok(Response::NotFound),
            },
            None => {
                if !self.may(req.user, Action::Add, None) {
                    return Ok(Response::Forbidden(format!("{}.add", self.info.permission)));
                }
                None
            }
        };
        let lock = obj.as_ref().and_then(|m| {
            self.lock_col()
                .map(|c| values::to_json(&m.get(c.col)).as_i64().unwrap_or(0))
        });
        self.render_form(
            site,
            req,
            obj.as_ref(),
            None,
            &FieldErrors::new(),
            None,
            None,
            lock,
        )
        .await
    }

    async fn save(&self, site: &AdminSite, req: &Request<'_>, id: Option<i64>) -> Result<Response> {
        let user = req.user;
        let existing = match id {
            Some(id) => match self.find(req.db, id).await? {
                Some(m) if self.may(user, Action::Change, Some(&m)) => Some(m),
                Some(_) => {
                    return Ok(Response::Forbidden(format!(
                        "{}.change",
                        self.info.permission
                    )));
                }
                None => return Ok(Response::NotFound),
            },
            None if self.may(user, Action::Add, None) => None,
            None => return Ok(Response::Forbidden(format!("{}.add", self.info.permission))),
        };
        let specs = self.field_specs(site, user, existing.as_ref());
        let mut typed: BTreeMap<String, String> = BTreeMap::new();
        for s in specs.iter().filter(|s| !s.readonly) {
            let v = first(&req.form, s.col.name).unwrap_or_default();
            typed.insert(s.col.name.to_string(), v.to_string());
        }
        let extras = self.admin.extra_fields(user);
        for x in &extras {
            let v = first(&req.form, x.name).unwrap_or_default();
            typed.insert(x.name.to_string(), v.to_string());
        }
        // Read before the save's transaction starts (SQLite has one writer).
        let before_extras = match &existing {
            Some(m) if !extras.is_empty() => self.admin.extra_values(req.db, m).await,
            _ => BTreeMap::new(),
        };
        let form_lock = first(&req.form, "lock_version").and_then(|v| v.parse::<i64>().ok());

        // "Preview" without JavaScript: show the rendered markdown, save nothing.
        if let Some(field) = first(&req.form, "_preview") {
            let html = (site.markdown)(typed.get(field).map_or("", String::as_str));
            return self
                .render_form(
                    site,
                    req,
                    existing.as_ref(),
                    Some(&typed),
                    &FieldErrors::new(),
                    None,
                    Some((field.to_string(), html)),
                    form_lock,
                )
                .await;
        }

        let mut errors = FieldErrors::new();
        let mut parsed: Vec<(Col<E>, Value)> = Vec::new();
        for s in specs.iter().filter(|s| !s.readonly) {
            let raw = typed.get(s.col.name).map_or("", String::as_str);
            if let Some(ch) = &s.choices
                && !(raw.is_empty() && s.col.nullable)
                && !ch.iter().any(|(v, _)| v == raw)
            {
                errors.insert(
                    s.col.name.to_string(),
                    "Choose one of the listed options.".to_string(),
                );
                continue;
            }
            // A field left as the form showed it keeps its stored value exactly (a time shown
            // to the minute keeps its seconds; text keeps its line endings).
            if let Some(m) = &existing {
                let shown = values::form_string(&m.get(s.col.col));
                if shown.replace("\r\n", "\n") == raw.replace("\r\n", "\n") {
                    continue;
                }
            }
            match values::parse(s.col.kind, s.col.nullable, raw) {
                Ok(v) => {
                    if let (Some(target), Some(id)) = (&s.fk, values::to_json(&v).as_i64())
                        && target.labels(req.db, &[id]).await?.is_empty()
                    {
                        errors.insert(
                            s.col.name.to_string(),
                            format!("Choose an existing {}.", target.options().singular),
                        );
                        continue;
                    }
                    parsed.push((s.col.clone(), v));
                }
                Err(msg) => {
                    errors.insert(s.col.name.to_string(), msg);
                }
            }
        }
        for (k, v) in self.admin.validate(user, &typed, existing.as_ref()) {
            errors.entry(k).or_insert(v);
        }
        if !errors.is_empty() {
            return self
                .render_form(
                    site,
                    req,
                    existing.as_ref(),
                    Some(&typed),
                    &errors,
                    None,
                    None,
                    form_lock,
                )
                .await;
        }

        // The application's own write, when the registration has one (Django's save_model).
        let mut row: E::ActiveModel = match &existing {
            Some(m) => m.clone().into(),
            None => <E::ActiveModel as ActiveModelBehavior>::new(),
        };
        for (c, v) in &parsed {
            row.try_set(c.col, v.clone())?;
        }
        if let (None, Some(lock)) = (&existing, self.lock_col()) {
            row.try_set(lock.col, lock.kind.int(0))?;
        }
        let submission = Submission {
            before: existing.as_ref(),
            row,
            raw: &typed,
            lock_version: form_lock,
        };
        if let Some(outcome) = self.admin.save_model(req.db, user, submission).await {
            return match outcome {
                Ok(saved) => {
                    self.saved(req, user, &saved, existing.as_ref(), existing.is_some())
                        .await
                }
                Err(SaveError::Conflict) => {
                    let Some(cur) = self.find(req.db, id.unwrap_or_default()).await? else {
                        return Ok(Response::NotFound);
                    };
                    let current = self.lock_col().map_or(0, |l| {
                        values::to_json(&cur.get(l.col)).as_i64().unwrap_or(0)
                    });
                    self.conflict(site, req, &cur, &typed, current).await
                }
                Err(e) => {
                    self.refused(site, req, existing.as_ref(), &typed, e, form_lock)
                        .await
                }
            };
        }

        let txn = begin_write(req.db).await?;
        let before = match id {
            Some(id) => match self.find(&txn, id).await? {
                Some(m) => Some(m),
                None => return Ok(Response::NotFound),
            },
            None => None,
        };
        let lock = self.lock_col();
        if let (Some(lock), Some(cur)) = (&lock, &before) {
            let current = values::to_json(&cur.get(lock.col)).as_i64().unwrap_or(0);
            if form_lock != Some(current) {
                txn.rollback().await?;
                return self.conflict(site, req, cur, &typed, current).await;
            }
        }
        let mut am: E::ActiveModel = match &before {
            Some(m) => m.clone().into(),
            None => <E::ActiveModel as ActiveModelBehavior>::new(),
        };
        for (c, v) in parsed {
            am.try_set(c.col, v)?;
        }
        if let (None, Some(lock)) = (&before, &lock) {
            am.try_set(lock.col, lock.kind.int(0))?;
        }
        match self
            .admin
            .before_save(&txn, user, &mut am, before.as_ref())
            .await
        {
            Ok(()) => {}
            Err(e) => {
                txn.rollback().await?;
                return self
                    .refused(site, req, existing.as_ref(), &typed, e, form_lock)
                    .await;
            }
        }
        let written = match (&before, &lock) {
            (Some(b), Some(lock)) => {
                let current = values::to_json(&b.get(lock.col)).as_i64().unwrap_or(0);
                am.try_set(lock.col, lock.kind.int(current + 1))?;
                let am = am.before_save(&txn, false).await;
                match am {
                    Ok(am) => {
                        let pk = self.pk()?;
                        let id = self.id_of(b);
                        E::update_many()
                            .set(am)
                            .filter(pk.col.eq(pk.kind.int(id)))
                            .filter(lock.col.eq(lock.kind.int(current)))
                            .exec(&txn)
                            .await
                            .map(|r| (r.rows_affected == 1).then_some(id))
                    }
                    Err(e) => Err(e),
                }
            }
            (Some(_), None) => am.update(&txn).await.map(|m| Some(self.id_of(&m))),
            (None, _) => am.insert(&txn).await.map(|m| Some(self.id_of(&m))),
        };
        let saved_id = match written {
            Ok(Some(id)) => id,
            Ok(None) => {
                txn.rollback().await?;
                let Some(cur) = self.find(req.db, id.unwrap_or_default()).await? else {
                    return Ok(Response::NotFound);
                };
                let current = lock.as_ref().map_or(0, |l| {
                    values::to_json(&cur.get(l.col)).as_i64().unwrap_or(0)
                });
                return self.conflict(site, req, &cur, &typed, current).await;
            }
            Err(e) => {
                txn.rollback().await?;
                return self
                    .refused(
                        site,
                        req,
                        existing.as_ref(),
                        &typed,
                        SaveError::Db(e),
                        form_lock,
                    )
                    .await;
            }
        };
        let Some(saved) = self.find(&txn, saved_id).await? else {
            txn.rollback().await?;
            return Ok(Response::NotFound);
        };
        if let Err(e) = self
            .admin
            .after_save(&txn, user, &saved, before.as_ref())
            .await
        {
            txn.rollback().await?;
            return self
                .refused(site, req, existing.as_ref(), &typed, e, form_lock)
                .await;
        }
        let mut before_json = before.as_ref().map(|b| self.json_of(user, b));
        let mut after_json = self.json_of(user, &saved);
        if !extras.is_empty() {
            let extra_typed: BTreeMap<String, String> = extras
                .iter()
                .filter_map(|x| typed.get(x.name).map(|v| (x.name.to_string(), v.clone())))
                .collect();
            match self
                .admin
                .save_extra(&txn, user, &saved, &extra_typed)
                .await
            {
                Ok(stored) => {
                    for (k, v) in stored {
                        after_json[k.as_str()] = Json::from(v);
                    }
                }
                Err(e) => {
                    txn.rollback().await?;
                    return self
                        .refused(site, req, existing.as_ref(), &typed, e, form_lock)
                        .await;
                }
            }
            if let Some(bj) = before_json.as_mut() {
                for (k, v) in before_extras {
                    bj[k.as_str()] = Json::from(v);
                }
            }
        }
        self.audit(
            site,
            &txn,
            user,
            if before.is_some() { "change" } else { "add" },
            saved_id,
            before_json,
            Some(after_json),
        )
        .await?;
        txn.commit().await?;
        self.saved(req, user, &saved, before.as_ref(), before.is_some())
            .await
    }

    /// After a save has committed: the follow-up work, then back with the message.
    async fn saved(
        &self,
        req: &Request<'_>,
        user: &dyn AdminUser,
        saved: &E::Model,
        before: Option<&E::Model>,
        changed: bool,
    ) -> Result<Response> {
        let saved_id = self.id_of(saved);
        // What must not happen for a save that rolled back (mail to a new person) happens
        // now; its outcome is told to the person with the save's own message.
        let followup = self.admin.after_commit(req.db, user, saved, before).await;

        let label = self.label_of(saved);
        let verb = if changed { "changed" } else { "added" };
        let (to, flash) = if first(&req.form, "_addanother").is_some() {
            (
                format!("{}/add", self.url()),
                format!(
                    "The {} “{label}” was {verb}. You may add another below.",
                    self.info.singular
                ),
            )
        } else if first(&req.form, "_continue").is_some() {
            (
                format!("{}/{saved_id}", self.url()),
                format!(
                    "The {} “{label}” was {verb}. You may edit it again below.",
                    self.info.singular
                ),
            )
        } else {
            (
                self.url(),
                format!("The {} “{label}” was {verb}.", self.info.singular),
            )
        };
        let flash = match followup {
            Some(more) => format!("{flash} {more}"),
            None => flash,
        };
        Ok(Response::Redirect {
            to,
            flash: Some(flash),
        })
    }

    async fn refused(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        obj: Option<&E::Model>,
        typed: &BTreeMap<String, String>,
        e: SaveError,
        lock: Option<i64>,
    ) -> Result<Response> {
        let errors = match e {
            SaveError::Fields(f) => f,
            SaveError::Conflict => FieldErrors::from([(
                "__all__".to_string(),
                "Somebody saved this meanwhile: reload it to see their version.".to_string(),
            )]),
            SaveError::Db(e) => {
                let mut f = FieldErrors::new();
                match e.sql_err() {
                    Some(SqlErr::UniqueConstraintViolation(msg)) => {
                        let field = typed
                            .keys()
                            .find(|k| msg.contains(k.as_str()))
                            .cloned()
                            .unwrap_or_else(|| "__all__".to_string());
                        f.insert(field, "That value is already taken.".to_string());
                    }
                    _ => {
                        tracing::warn!(error = %e, resource = self.info.slug, "admin save failed");
                        f.insert(
                            "__all__".to_string(),
                            format!("Nothing was saved: {}", db_message(&e)),
                        );
                    }
                }
                f
            }
        };
        self.render_form(site, req, obj, Some(typed), &errors, None, None, lock)
            .await
    }

    /// Somebody saved first: show what differs between their saved version and what this
    /// person typed, keep what they typed, and let them save again over the new version.
    async fn conflict(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        current: &E::Model,
        typed: &BTreeMap<String, String>,
        current_lock: i64,
    ) -> Result<Response> {
        let specs = self.field_specs(site, req.user, Some(current));
        let diffs: Vec<Json> = specs
            .iter()
            .filter(|s| !s.readonly)
            .filter_map(|s| {
                let theirs = values::form_string(&current.get(s.col.col));
                let yours = typed.get(s.col.name).cloned().unwrap_or_default();
                (!values::same_text(&theirs, &yours))
                    .then(|| json!({"field": s.label, "theirs": theirs, "yours": yours}))
            })
            .collect();
        let conflict = json!({"fields": diffs});
        self.render_form(
            site,
            req,
            Some(current),
            Some(typed),
            &FieldErrors::new(),
            Some(conflict),
            None,
            Some(current_lock),
        )
        .await
    }

    // ----- delete ---------------------------------------------------------------------

    async fn dependents(
        &self,
        site: &AdminSite,
        db: &DatabaseConnection,
        id: i64,
    ) -> Result<Vec<Dependent>> {
        let mut out = Vec::new();
        for r in site.resources() {
            out.extend(r.references(site, db, &self.info.table, id).await?);
        }
        Ok(out)
    }

    async fn delete(&self, site: &AdminSite, req: &Request<'_>, id: i64) -> Result<Response> {
        let Some(obj) = self.find(req.db, id).await? else {
            return Ok(Response::NotFound);
        };
        if !self.may(req.user, Action::Delete, Some(&obj)) {
            return Ok(Response::Forbidden(format!(
                "{}.delete",
                self.info.permission
            )));
        }
        let mut error = None;
        let deps = self.dependents(site, req.db, id).await?;
        let blocked = deps.iter().any(|d| d.effect == "blocks");
        if req.post && blocked {
            error = Some("other records still refer to it.".to_string());
        } else if req.post
            && let Some(outcome) = self.admin.delete_model(req.db, req.user, &obj).await
        {
            match outcome {
                Ok(()) => {
                    return Ok(Response::Redirect {
                        to: self.url(),
                        flash: Some(format!(
                            "The {} “{}” was deleted.",
                            self.info.singular,
                            self.label_of(&obj)
                        )),
                    });
                }
                Err(e) => error = Some(save_message(&e, &self.label_of(&obj))),
            }
        } else if req.post {
            let txn = begin_write(req.db).await?;
            let before = self.json_of(req.user, &obj);
            let outcome = match self.admin.before_delete(&txn, req.user, &obj).await {
                Err(e) => Err(save_message(&e, &self.label_of(&obj))),
                Ok(()) => {
                    let pk = self.pk()?;
                    E::delete_many()
                        .filter(pk.col.eq(pk.kind.int(id)))
                        .exec(&txn)
                        .await
                        .map_err(|e| db_message(&e))
                }
            };
            match outcome {
                Ok(_) => {
                    self.audit(site, &txn, req.user, "delete", id, Some(before), None)
                        .await?;
                    txn.commit().await?;
                    return Ok(Response::Redirect {
                        to: self.url(),
                        flash: Some(format!(
                            "The {} “{}” was deleted.",
                            self.info.singular,
                            self.label_of(&obj)
                        )),
                    });
                }
                Err(msg) => {
                    txn.rollback().await?;
                    error = Some(msg);
                }
            }
        }
        let context = json!({
            "resource": self.base(site),
            "breadcrumbs": self.crumbs(site, Some((self.label_of(&obj), Some(format!("{}/{id}", self.url()))))),
            "object": {"id": id, "label": self.label_of(&obj), "url": format!("{}/{id}", self.url())},
            "dependents": deps,
            "blocked": blocked,
            "error": error,
        });
        let status = if error.is_some() { 409 } else { 200 };
        Ok(self.page(
            "admin/engine/delete.html",
            status,
            format!("Delete {} “{}”", self.info.singular, self.label_of(&obj)),
            context,
        ))
    }

    // ----- history --------------------------------------------------------------------

    async fn history(&self, site: &AdminSite, req: &Request<'_>, id: i64) -> Result<Response> {
        let obj = self.find(req.db, id).await?;
        if let Some(m) = &obj
            && !self.may(req.user, Action::View, Some(m))
        {
            return Ok(Response::Forbidden(format!(
                "{}.view",
                self.info.permission
            )));
        }
        if obj.is_none() && !self.may(req.user, Action::View, None) {
            return Ok(Response::Forbidden(format!(
                "{}.view",
                self.info.permission
            )));
        }
        if obj.is_none() && self.owner_scoped(req.user) {
            return Ok(Response::NotFound);
        }
        let mut entries = site
            .audit
            .history(
                req.db,
                req.user,
                self.admin.options().audit_type,
                &id.to_string(),
                200,
            )
            .await?;
        // What a person may not see on the page they may not read in its history either.
        let hidden = self.admin.hidden_fields(req.user);
        for e in &mut entries {
            e.changes.retain(|c| !hidden.contains(&c.field.as_str()));
            for c in &mut e.changes {
                c.field = self.label_for(&c.field);
            }
        }
        if obj.is_none() && entries.is_empty() {
            return Ok(Response::NotFound);
        }
        let label = obj.as_ref().map_or_else(
            || format!("{} #{id} (deleted)", self.info.singular),
            |m| self.label_of(m),
        );
        let context = json!({
            "resource": self.base(site),
            "breadcrumbs": self.crumbs(site, Some((label.clone(), obj.as_ref().map(|_| format!("{}/{id}", self.url()))))),
            "object": {"id": id, "label": label, "url": obj.as_ref().map(|_| format!("{}/{id}", self.url()))},
            "entries": entries,
        });
        Ok(self.page(
            "admin/engine/history.html",
            200,
            format!("History of {label}"),
            context,
        ))
    }

    fn owner_scoped(&self, user: &dyn AdminUser) -> bool {
        !matches!(
            user.grant(&format!("{}.view", self.info.permission)),
            Some(Grant::All)
        )
    }

    // ----- lookup and preview ---------------------------------------------------------

    async fn lookup_page(&self, site: &AdminSite, req: &Request<'_>) -> Result<Response> {
        if !self.may(req.user, Action::Add, None) && !self.may(req.user, Action::Change, None) {
            return Ok(Response::Forbidden(format!(
                "{}.change",
                self.info.permission
            )));
        }
        let Some(field) = first(&req.query, "field") else {
            return Ok(Response::NotFound);
        };
        let Some(target) = self.fk_target(site, field) else {
            return Ok(Response::NotFound);
        };
        // Only a field this person can set, or filter the list by, has a picker.
        let settable = self
            .field_specs(site, req.user, None)
            .iter()
            .any(|s| s.col.name == field && !s.readonly);
        let filterable = self
            .filter_kinds(site, req.user)
            .iter()
            .any(|(f, _)| *f == field);
        if !settable && !filterable {
            return Ok(Response::Forbidden(format!(
                "{}.change",
                self.info.permission
            )));
        }
        let term = first(&req.query, "term").unwrap_or_default();
        let selected = first(&req.query, field).unwrap_or_default();
        let within = self.admin.limit_choices_to(req.user, field);
        let opts = target.lookup(req.db, req.user, within, term, 50).await?;
        let options: Vec<Json> = opts
            .into_iter()
            .map(|(id, l)| json!({"value": id.to_string(), "label": l, "selected": id.to_string() == selected}))
            .collect();
        let context = json!({"options": options, "term": term});
        Ok(self.page("admin/engine/fk_options.html", 200, String::new(), context))
    }

    async fn preview(&self, site: &AdminSite, req: &Request<'_>) -> Result<Response> {
        if !self.may(req.user, Action::Add, None) && !self.may(req.user, Action::Change, None) {
            return Ok(Response::Forbidden(format!(
                "{}.change",
                self.info.permission
            )));
        }
        let field = first(&req.form, "_preview").unwrap_or_default();
        let markdown = first(&req.form, field).unwrap_or_default();
        let html = (site.markdown)(markdown);
        Ok(self.page(
            "admin/engine/preview.html",
            200,
            String::new(),
            json!({"html": html, "field": field}),
        ))
    }

    // ----- saved filters --------------------------------------------------------------

    async fn save_filter(&self, site: &AdminSite, req: &Request<'_>) -> Result<Response> {
        let name = first(&req.form, "name").unwrap_or_default().trim();
        let query_string = first(&req.form, "query").unwrap_or_default();
        // Keep only what the list itself would accept (and send people back to that).
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query_string.as_bytes())
            .into_owned()
            .collect();
        let p = self.params(site, req.user, &pairs);
        let mut keep = p.pairs();
        let order = p.order_param();
        if pairs.iter().any(|(k, _)| k == "o") && !order.is_empty() {
            keep.push(("o".to_string(), order));
        }
        let back = with_query(&self.url(), &keep);
        if name.is_empty() || name.chars().count() > 80 {
            return Ok(Response::Redirect {
                to: back,
                flash: Some("Give the filter a name of 1 to 80 characters.".to_string()),
            });
        }
        let role = first(&req.form, "share_role")
            .filter(|r| site.roles.iter().any(|x| x == r))
            .map(str::to_string);
        let txn = begin_write(req.db).await?;
        let row = saved_filters::create(
            &txn,
            req.user.id(),
            self.info.section,
            self.info.slug,
            name,
            &encode(&keep),
            role.as_deref(),
        )
        .await?;
        site.audit
            .record(
                &txn,
                req.user,
                AuditEntry {
                    action: "saved_filter.add".to_string(),
                    target_type: "saved_filter".to_string(),
                    target_id: row.id.to_string(),
                    before: None,
                    after: serde_json::to_value(&row).ok(),
                },
            )
            .await?;
        txn.commit().await?;
        Ok(Response::Redirect {
            to: back,
            flash: Some(format!("Saved the filter “{name}”.")),
        })
    }

    async fn delete_filter(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        id: i64,
    ) -> Result<Response> {
        let txn = begin_write(req.db).await?;
        let Some(row) = saved_filters::Entity::find_by_id(id).one(&txn).await? else {
            return Ok(Response::NotFound);
        };
        if row.owner_id != req.user.id()
            || row.resource != saved_filters::key(self.info.section, self.info.slug)
        {
            return Ok(Response::Forbidden("saved_filter.delete".to_string()));
        }
        saved_filters::Entity::delete_by_id(id).exec(&txn).await?;
        site.audit
            .record(
                &txn,
                req.user,
                AuditEntry {
                    action: "saved_filter.delete".to_string(),
                    target_type: "saved_filter".to_string(),
                    target_id: id.to_string(),
                    before: serde_json::to_value(&row).ok(),
                    after: None,
                },
            )
            .await?;
        txn.commit().await?;
        Ok(Response::Redirect {
            to: self.url(),
            flash: Some(format!("Deleted the saved filter “{}”.", row.name)),
        })
    }
}

/// The value a bulk action sets, parsed for its column.
fn action_value<E: EntityTrait>(action: &BulkAction, c: &Change, col: &Col<E>) -> Result<Value> {
    values::parse(col.kind, col.nullable, c.value).map_err(|msg| {
        crate::Error::Config(format!(
            "action {}: {} = {:?}: {msg}",
            action.name, c.field, c.value
        ))
    })
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

#[async_trait]
impl<E: AdminEntity, A: ModelAdmin<E>> Resource for Registered<E, A> {
    fn options(&self) -> &ResourceInfo {
        &self.info
    }

    async fn handle(&self, site: &AdminSite, req: &Request<'_>) -> Result<Response> {
        let rest: Vec<&str> = req.rest.iter().map(String::as_str).collect();
        if !self.may(req.user, Action::View, None) {
            return Ok(Response::Forbidden(format!(
                "{}.view",
                self.info.permission
            )));
        }
        let id = |s: &str| s.parse::<i64>().ok();
        match (req.post, rest.as_slice()) {
            (false, []) => self.changelist(site, req, None).await,
            (true, []) => self.bulk(site, req).await,
            (false, ["export.csv"]) => self.export(site, req).await,
            (false, ["add"]) => self.show_form(site, req, None).await,
            (true, ["add"]) => self.save(site, req, None).await,
            (false, ["lookup"]) => self.lookup_page(site, req).await,
            (true, ["preview"]) => self.preview(site, req).await,
            (true, ["filters"]) => self.save_filter(site, req).await,
            (true, ["filters", n, "delete"]) => match id(n) {
                Some(n) => self.delete_filter(site, req, n).await,
                None => Ok(Response::NotFound),
            },
            (post, [n]) => match id(n) {
                Some(n) if post => self.save(site, req, Some(n)).await,
                Some(n) => self.show_form(site, req, Some(n)).await,
                None => Ok(Response::NotFound),
            },
            (_, [n, "delete"]) => match id(n) {
                Some(n) => self.delete(site, req, n).await,
                None => Ok(Response::NotFound),
            },
            (false, [n, "history"]) => match id(n) {
                Some(n) => self.history(site, req, n).await,
                None => Ok(Response::NotFound),
            },
            _ => Ok(Response::NotFound),
        }
    }

    async fn count(&self, _site: &AdminSite, req: &Request<'_>) -> Result<Option<u64>> {
        let select = E::find().filter(self.scope(req.user));
        let (n, exact) =
            query::bounded_count(req.db, select, self.admin.options().count_limit).await?;
        Ok(exact.then_some(n))
    }

    async fn references(
        &self,
        _site: &AdminSite,
        db: &DatabaseConnection,
        table: &str,
        id: i64,
    ) -> Result<Vec<Dependent>> {
        let mut out = Vec::new();
        for (field, to, on_delete) in owned_relations::<E>() {
            if to != table {
                continue;
            }
            let Some(c) = self.column(&field) else {
                continue;
            };
            let select = E::find().filter(c.col.eq(c.kind.int(id)));
            let (count, _) = query::bounded_count(db, select.clone(), 100_000).await?;
            if count == 0 {
                continue;
            }
            let ids = query::page_ids(db, query::order(select, &[]), 0, 5).await?;
            let examples: Vec<Example> = self
                .rows_by_ids(db, &ids)
                .await?
                .iter()
                .map(|m| Example {
                    label: self.label_of(m),
                    href: format!("{}/{}", self.url(), self.id_of(m)),
                })
                .collect();
            out.push(Dependent {
                resource: self.info.plural.to_string(),
                field: humanize(&field).to_lowercase(),
                effect: match on_delete {
                    Some(ForeignKeyAction::Cascade) => "deleted",
                    Some(ForeignKeyAction::SetNull) => "unlinked",
                    _ => "blocks",
                },
                count,
                more: count.saturating_sub(examples.len() as u64),
                examples,
            });
        }
        Ok(out)
    }

    async fn labels(&self, db: &DatabaseConnection, ids: &[i64]) -> Result<BTreeMap<i64, String>> {
        Ok(self
            .rows_by_ids(db, ids)
            .await?
            .iter()
            .map(|m| (self.id_of(m), self.label_of(m)))
            .collect())
    }

    async fn lookup(
        &self,
        db: &DatabaseConnection,
        user: &dyn AdminUser,
        within: Option<Condition>,
        term: &str,
        limit: u64,
    ) -> Result<Vec<(i64, String)>> {
        if !self.may(user, Action::View, None) {
            return Ok(Vec::new());
        }
        let o = self.admin.options();
        let pk = self.pk()?;
        let mut select = E::find().filter(self.scope(user));
        if let Some(c) = within {
            select = select.filter(c);
        }
        let term = term.trim();
        if !term.is_empty() {
            let mut fields = self.search_fields_for(user);
            if !fields.contains(&o.display_field) {
                fields.extend(self.visible(user, vec![o.display_field]));
            }
            let mut cond = Condition::any().add(query::search_condition::<E>(
                db.get_database_backend(),
                term,
                &fields,
                None,
            ));
            if let Ok(n) = term.parse::<i64>() {
                cond = cond.add(pk.col.eq(pk.kind.int(n)));
            }
            select = select.filter(cond);
        }
        if let Some(d) = self.column(o.display_field) {
            select = select.order_by_asc(d.col);
        }
        let ids = query::page_ids(db, select.order_by_asc(pk.col), 0, limit).await?;
        Ok(self
            .rows_by_ids(db, &ids)
            .await?
            .iter()
            .map(|m| (self.id_of(m), self.label_of(m)))
            .collect())
    }
}
