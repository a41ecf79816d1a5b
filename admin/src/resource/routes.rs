//! What the site asks of a registered resource: which page answers which path, counts,
//! references, labels and lookups.
use std::collections::BTreeMap;

use async_trait::async_trait;
use sea_orm::{Condition, DatabaseConnection, QueryFilter};

use super::Registered;
use crate::{
    Action, AdminSite, AdminUser, Dependent, Request, Resource, ResourceInfo, Response, Result,
    options::ModelAdmin,
    query::{self, AdminEntity},
};

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
        self.references_to(db, table, id).await
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
        self.lookup_rows(db, user, within, term, limit).await
    }
}
