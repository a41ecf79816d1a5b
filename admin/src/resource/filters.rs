//! The changelist's filters: which fields filter how, the parameters they accept, and the
//! panels of links beside the list.

use sea_orm::{DatabaseConnection, QueryFilter};
use serde_json::{Value as Json, json};

use super::{MAX_VALUES, Registered, with_query};
use crate::{
    AdminSite, AdminUser, Request, Result,
    options::ModelAdmin,
    query::{self, AdminEntity, FilterKind, ListParams},
    values::Kind,
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
}
