//! The history page: a row's audit entries.

use super::Registered;
use crate::{
    Action, AdminSite, AdminUser, Grant, Request, Response, Result,
    options::ModelAdmin,
    query::AdminEntity,
    views::{HistoryPage, ObjectRef},
};

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) async fn history(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        id: i64,
    ) -> Result<Response> {
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
        let url = obj.as_ref().map(|_| format!("{}/{id}", self.url()));
        let view = HistoryPage {
            resource: self.base(site),
            breadcrumbs: self.crumbs(site, Some((label.clone(), url.clone()))),
            object: ObjectRef {
                id,
                label: label.clone(),
                url,
            },
            entries,
        };
        self.view(
            "admin/engine/history.html",
            200,
            format!("History of {label}"),
            &view,
        )
    }

    pub(super) fn owner_scoped(&self, user: &dyn AdminUser) -> bool {
        !matches!(
            user.grant(&format!("{}.view", self.info.permission)),
            Some(Grant::All)
        )
    }
}
