//! The changelist: columns, rows and their cells, paging, and the links that keep the
//! query.
use std::collections::{BTreeMap, BTreeSet};

use sea_orm::ModelTrait;

use super::{MAX_SET, Registered, encode, with_query};
use crate::{
    Action, AdminSite, AdminUser, Request, Response, Result,
    options::{BulkAction, ListColumn, ModelAdmin},
    query::{self, AdminEntity, ListParams},
    saved_filters,
    values::{self, Kind},
    views::{
        ActionButton, AppliedFilter, Cell, ColumnHead, CountView, HiddenPair, ListPage, ListRow,
        PageLink, Paging, SavedFilterLink, SortLink,
    },
};

/// Foreign-key labels of a page of rows: field → id → (label, link).
type FkLabels = BTreeMap<String, BTreeMap<i64, (String, Option<String>)>>;

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    /// Foreign-key labels for the given rows: field → id → (label, link).
    pub(super) async fn fk_labels(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        fields: &[&str],
        rows: &[E::Model],
    ) -> Result<FkLabels> {
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

    /// One cell: the text, and as the column needs a link (a foreign key), the raw value
    /// for a badge (a choice) or the boolean (a check mark).
    pub(super) fn cell(
        &self,
        user: &dyn AdminUser,
        m: &E::Model,
        column: &ListColumn<E>,
        fks: &FkLabels,
        label: &str,
    ) -> Cell {
        let text = |text: String| Cell {
            text,
            href: None,
            badge: None,
            bool: None,
            label: label.to_string(),
        };
        let f = match column {
            ListColumn::Computed { value, .. } => return text(value(m)),
            ListColumn::Field(f) => f,
        };
        let Some(c) = self.column(f) else {
            return text(String::new());
        };
        let v = m.get(c.col);
        if let Some(map) = fks.get(*f) {
            let id = values::to_json(&v).as_i64();
            return match id.and_then(|i| map.get(&i)) {
                Some((name, href)) => Cell {
                    href: Some(href.clone()),
                    ..text(name.clone())
                },
                None => text(values::display(&v)),
            };
        }
        if let Some(ch) = self.admin.choices(user, f) {
            let raw = values::display(&v);
            let shown = ch
                .into_iter()
                .find(|(val, _)| *val == raw)
                .map_or_else(|| raw.clone(), |(_, l)| l);
            return Cell {
                badge: Some(raw),
                ..text(shown)
            };
        }
        if c.kind == Kind::Bool {
            return Cell {
                bool: Some(values::to_json(&v)),
                ..text(values::display(&v))
            };
        }
        text(values::display(&v))
    }

    pub(super) async fn changelist(
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
        let fk_fields: Vec<&str> = list_display
            .iter()
            .filter_map(|c| match c {
                ListColumn::Field(f) => Some(*f),
                ListColumn::Computed { .. } => None,
            })
            .collect();
        let fks = self.fk_labels(site, req, &fk_fields, &rows).await?;
        let columns = self.column_heads(user, &list_display, &p);
        let inline_actions: Vec<&BulkAction> = o
            .actions
            .iter()
            .filter(|a| a.inline && self.action_allowed(user, a))
            .collect();
        let list_rows = self.list_rows(user, &rows, &list_display, &columns, &fks, &inline_actions);

        let order_param = p.order_param();
        let mut keep = p.pairs();
        if !order_param.is_empty() {
            keep.push(("o".to_string(), order_param.clone()));
        }
        let full_page = rows.len() as u64 == per_page;
        let known_total = if exact { Some(count) } else { estimate };
        let page = self.paging(
            &p,
            &keep,
            full_page,
            known_total.map(|t| t.div_ceil(per_page).max(1)),
            exact,
        );
        let page = Paging {
            empty_past_end: rows.is_empty() && p.page > 1,
            ..page
        };
        let count_text = if exact {
            format!("{count} {}", if count == 1 { o.singular } else { o.plural })
        } else if let Some(e) = estimate {
            format!("about {e} {}", o.plural)
        } else {
            format!("more than {count} {}", o.plural)
        };
        let actions = o
            .actions
            .iter()
            .filter(|a| self.action_allowed(user, a))
            .map(|a| ActionButton {
                name: a.name,
                label: a.label.to_string(),
            })
            .collect();
        let search_labels: Vec<String> = self
            .search_fields_for(user)
            .iter()
            .map(|f| self.label_for(f).to_lowercase())
            .collect();
        let view = ListPage {
            resource: self.base(site),
            breadcrumbs: self.crumbs(site, None),
            perms: self.perms(user, None),
            columns,
            rows: list_rows,
            search: (!search_labels.is_empty()).then(|| search_labels.join(", ")),
            filters: self.filter_panels(site, req, &p).await?,
            applied: self.applied_filters(user, &p),
            order: order_param,
            count: CountView {
                n: count,
                exact,
                estimate,
                text: count_text,
            },
            page,
            actions,
            has_inline: !inline_actions.is_empty(),
            list: true,
            list_href: with_query(&self.url(), &keep),
            export_href: with_query(&format!("{}/export.csv", self.url()), &keep),
            saved: self.saved_links(req).await?,
            saved_query: encode(&keep),
            keep: keep
                .into_iter()
                .map(|(name, value)| HiddenPair { name, value })
                .collect(),
            roles: site.roles.clone(),
            notice,
            select_across_max: MAX_SET,
            q: p.q,
        };
        let template = if req.htmx {
            "admin/engine/list_results.html"
        } else {
            "admin/engine/list.html"
        };
        self.view(template, 200, o.plural.to_string(), &view)
    }

    /// The columns' headings; a sortable one links to the list sorted by it (descending
    /// when it already sorts ascending).
    fn column_heads(
        &self,
        user: &dyn AdminUser,
        list_display: &[&ListColumn<E>],
        p: &ListParams,
    ) -> Vec<ColumnHead> {
        let sortable = self.sortable_for(user);
        let pairs = p.pairs();
        list_display
            .iter()
            .map(|c| match c {
                ListColumn::Computed { label, .. } => ColumnHead {
                    label: (*label).to_string(),
                    sort: None,
                },
                ListColumn::Field(f) => {
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
                    ColumnHead {
                        label: self.label_for(f),
                        sort: sortable.contains(f).then(|| SortLink {
                            href: with_query(&self.url(), &link_pairs),
                            active: current == Some(0),
                            desc: desc_now,
                        }),
                    }
                }
            })
            .collect()
    }

    fn list_rows(
        &self,
        user: &dyn AdminUser,
        rows: &[E::Model],
        list_display: &[&ListColumn<E>],
        columns: &[ColumnHead],
        fks: &FkLabels,
        inline_actions: &[&BulkAction],
    ) -> Vec<ListRow> {
        let may_change = self.may(user, Action::Change, None);
        rows.iter()
            .map(|m| {
                let id = self.id_of(m);
                let cells = list_display
                    .iter()
                    .zip(columns)
                    .map(|(c, head)| self.cell(user, m, c, fks, &head.label))
                    .collect();
                let inline = inline_actions
                    .iter()
                    .filter(|a| self.may(user, a.needs, Some(m)))
                    .filter(|a| {
                        // Not offered where it would change nothing.
                        !a.sets.iter().all(|c| {
                            self.column(c.field)
                                .is_some_and(|col| values::display(&m.get(col.col)) == c.value)
                        })
                    })
                    .map(|a| ActionButton {
                        name: a.name,
                        label: a.label.replace(" selected", ""),
                    })
                    .collect();
                ListRow {
                    id,
                    inline,
                    href: format!("{}/{id}", self.url()),
                    label: self.label_of(m),
                    editable: may_change && self.may(user, Action::Change, Some(m)),
                    cells,
                }
            })
            .collect()
    }

    /// The pager: the first pages, those around this one, and the last when it is known.
    fn paging(
        &self,
        p: &ListParams,
        keep: &[(String, String)],
        full_page: bool,
        last_page: Option<u64>,
        exact: bool,
    ) -> Paging {
        let page_link = |n: u64| {
            let mut pp = keep.to_vec();
            if n > 1 {
                pp.push(("p".to_string(), n.to_string()));
            }
            with_query(&self.url(), &pp)
        };
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
            if n >= 1 && last_page.is_none_or(|l| n <= l) && (n <= p.page || full_page) {
                wanted.insert(n);
            }
        }
        if let Some(l) = last_page.filter(|_| exact) {
            wanted.insert(l);
            wanted.insert(l.saturating_sub(1).max(1));
        }
        let mut pages = Vec::new();
        let mut prev_n = 0;
        for n in wanted {
            if prev_n != 0 && n > prev_n + 1 {
                pages.push(PageLink::Gap { gap: true });
            }
            pages.push(PageLink::Page {
                n,
                href: page_link(n),
                current: n == p.page,
            });
            prev_n = n;
        }
        let has_next = full_page && last_page.is_none_or(|l| p.page < l);
        Paging {
            number: p.page,
            pages,
            prev: (p.page > 1).then(|| page_link(p.page - 1)),
            next: has_next.then(|| page_link(p.page + 1)),
            last: last_page,
            empty_past_end: false,
        }
    }

    /// The filters in force, each with the link that drops it.
    fn applied_filters(&self, user: &dyn AdminUser, p: &ListParams) -> Vec<AppliedFilter> {
        let pairs = p.pairs();
        let order_param = p.order_param();
        p.filters
            .iter()
            .map(|f| {
                let mut rest: Vec<(String, String)> = pairs
                    .iter()
                    .filter(|(k, _)| *k != f.param)
                    .cloned()
                    .collect();
                if !order_param.is_empty() {
                    rest.push(("o".to_string(), order_param.clone()));
                }
                AppliedFilter {
                    label: self.label_for(&f.field),
                    value: self.choice_label(user, &f.field, &f.value),
                    op: f.param.split_once("__").map(|(_, o)| o.to_string()),
                    remove: with_query(&self.url(), &rest),
                }
            })
            .collect()
    }

    /// The saved filters this person sees on this list.
    async fn saved_links(&self, req: &Request<'_>) -> Result<Vec<SavedFilterLink>> {
        let saved =
            saved_filters::visible(req.db, req.user, self.info.section, self.info.slug).await?;
        Ok(saved
            .into_iter()
            .map(|s| SavedFilterLink {
                href: if s.query.is_empty() {
                    self.url()
                } else {
                    format!("{}?{}", self.url(), s.query)
                },
                mine: s.owner_id == req.user.id(),
                id: s.id,
                name: s.name,
                shared_role: s.shared_role,
            })
            .collect())
    }
}
