//! The changelist's filters: which fields filter how, the parameters they accept, and the
//! panels of links beside the list.

use sea_orm::{DatabaseConnection, QueryFilter};

use super::{MAX_VALUES, Registered, with_query};
use crate::{
    AdminSite, AdminUser, Request, Result,
    options::ModelAdmin,
    query::{self, AdminEntity, FilterKind, ListParams},
    values::Kind,
    views::{FilterOption, FilterPanel},
};

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) fn filter_kinds(
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

    pub(super) fn params(
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

    pub(super) fn filtered(
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

    pub(super) async fn filter_panels(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        p: &ListParams,
    ) -> Result<Vec<FilterPanel>> {
        let links = Links {
            url: self.url(),
            pairs: p.pairs(),
            order: p.order_param(),
        };
        let mut panels = Vec::new();
        for (field, kind) in self.filter_kinds(site, req.user) {
            let options = match kind {
                FilterKind::Choices(_) | FilterKind::Bool | FilterKind::ForeignKey => {
                    let choices: Vec<(String, String)> = match kind {
                        FilterKind::Bool => vec![
                            ("true".to_string(), "Yes".to_string()),
                            ("false".to_string(), "No".to_string()),
                        ],
                        FilterKind::ForeignKey => self.fk_filter_choices(site, req, field).await?,
                        _ => self.admin.choices(req.user, field).unwrap_or_default(),
                    };
                    let isnull = format!("{field}__isnull");
                    let cur = current(p, field);
                    let mut options = vec![FilterOption {
                        label: "All".to_string(),
                        href: links.link(&[field, &isnull], vec![]),
                        selected: cur.is_none() && current(p, &isnull).is_none(),
                    }];
                    for (v, label) in choices {
                        options.push(FilterOption {
                            href: links
                                .link(&[field, &isnull], vec![(field.to_string(), v.clone())]),
                            selected: cur == Some(v.as_str()),
                            label,
                        });
                    }
                    options
                }
                FilterKind::Values => self.value_options(req, p, &links, field).await?,
                FilterKind::Dates => self.date_options(p, &links, field),
            };
            panels.push(FilterPanel {
                field,
                label: self.label_for(field),
                options,
            });
        }
        Ok(panels)
    }

    /// The rows a foreign-key filter offers: the first the person may see.
    async fn fk_filter_choices(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        field: &str,
    ) -> Result<Vec<(String, String)>> {
        let Some(target) = self.fk_target(site, field) else {
            return Ok(Vec::new());
        };
        let within = self.admin.limit_choices_to(req.user, field);
        Ok(target
            .lookup(req.db, req.user, within, "", 50)
            .await?
            .into_iter()
            .map(|(id, l)| (id.to_string(), l))
            .collect())
    }

    /// A plain column's filter: "All", then each value it holds (the most frequent).
    async fn value_options(
        &self,
        req: &Request<'_>,
        p: &ListParams,
        links: &Links,
        field: &str,
    ) -> Result<Vec<FilterOption>> {
        let cur = current(p, field);
        let mut options = vec![FilterOption {
            label: "All".to_string(),
            href: links.link(&[field], vec![]),
            selected: cur.is_none(),
        }];
        let mut seen = match self.column(field) {
            Some(c) => {
                let select = E::find().filter(self.scope(req.user));
                query::distinct_values(req.db, select, &c, MAX_VALUES).await?
            }
            None => Vec::new(),
        };
        // The value filtered on stays offered, however rare.
        if let Some(v) = cur.filter(|v| !seen.iter().any(|s| s == v)) {
            seen.push(v.to_string());
        }
        for v in seen {
            options.push(FilterOption {
                label: self.choice_label(req.user, field, &v),
                href: links.link(&[field], vec![(field.to_string(), v.clone())]),
                selected: cur == Some(v.as_str()),
            });
        }
        Ok(options)
    }

    /// A date's filter: any date, today, the past week, month and year, and for a
    /// nullable column whether it has one.
    fn date_options(&self, p: &ListParams, links: &Links, field: &str) -> Vec<FilterOption> {
        let now = chrono::Utc::now();
        let day = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d").to_string();
        let tomorrow = day(now + chrono::Duration::days(1));
        let ranges = [
            ("Today", day(now)),
            ("Past 7 days", day(now - chrono::Duration::days(7))),
            ("Past 30 days", day(now - chrono::Duration::days(30))),
            ("Past year", day(now - chrono::Duration::days(365))),
        ];
        let gte = format!("{field}__gte");
        let lt = format!("{field}__lt");
        let isnull = format!("{field}__isnull");
        let drop = [gte.as_str(), lt.as_str(), isnull.as_str()];
        let option = |label: &str, add: Vec<(String, String)>, selected: bool| FilterOption {
            label: label.to_string(),
            href: links.link(&drop, add),
            selected,
        };
        let none_set = current(p, &gte).is_none()
            && current(p, &lt).is_none()
            && current(p, &isnull).is_none();
        let mut options = vec![option("Any date", vec![], none_set)];
        for (label, from) in ranges {
            let selected = current(p, &gte) == Some(from.as_str())
                && current(p, &lt) == Some(tomorrow.as_str());
            options.push(option(
                label,
                vec![(gte.clone(), from), (lt.clone(), tomorrow.clone())],
                selected,
            ));
        }
        if self.column(field).is_some_and(|c| c.nullable) {
            let null = current(p, &isnull);
            options.push(option(
                "No date",
                vec![(isnull.clone(), "true".into())],
                null == Some("true"),
            ));
            options.push(option(
                "Has date",
                vec![(isnull.clone(), "false".into())],
                null == Some("false"),
            ));
        }
        options
    }
}

/// The value of a filter parameter in force.
fn current<'p>(p: &'p ListParams, param: &str) -> Option<&'p str> {
    p.filters
        .iter()
        .find(|f| f.param == param)
        .map(|f| f.value.as_str())
}

/// Links to the list that keep its query, ordering included.
struct Links {
    url: String,
    pairs: Vec<(String, String)>,
    order: String,
}

impl Links {
    /// The list without the parameters in `drop`, with those in `add`.
    fn link(&self, drop: &[&str], add: Vec<(String, String)>) -> String {
        let mut pairs: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(k, _)| !drop.contains(&k.as_str()))
            .cloned()
            .collect();
        pairs.extend(add);
        if !self.order.is_empty() {
            pairs.push(("o".to_string(), self.order.clone()));
        }
        with_query(&self.url, &pairs)
    }
}
