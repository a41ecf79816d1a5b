//! The foreign-key picker's lookup, and saved filters.

use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::{Registered, begin_write, encode, first, with_query};
use crate::{
    Action, AdminSite, AdminUser, AuditEntry, Request, Response, Result,
    options::ModelAdmin,
    query::{self, AdminEntity},
    saved_filters,
    views::{ChoiceView, OptionsPage},
};

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) async fn lookup_page(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
    ) -> Result<Response> {
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
        let options = opts
            .into_iter()
            .map(|(id, label)| ChoiceView {
                selected: id.to_string() == selected,
                value: id.to_string(),
                label,
            })
            .collect();
        let view = OptionsPage { options, term };
        self.view("admin/engine/fk_options.html", 200, String::new(), &view)
    }

    pub(super) async fn save_filter(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
    ) -> Result<Response> {
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

    pub(super) async fn delete_filter(
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

    /// Choices for a foreign-key picker elsewhere: see [`Resource::lookup`].
    pub(super) async fn lookup_rows(
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
