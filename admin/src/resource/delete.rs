//! The delete page: what refers to a row, what blocks its deletion, and the delete.

use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter};
use serde_json::json;

use super::{Registered, begin_write, db_message, save_message};
use crate::{
    Action, AdminSite, Dependent, Request, Response, Result, options::ModelAdmin,
    query::AdminEntity,
};

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) async fn dependents(
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

    pub(super) async fn delete(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        id: i64,
    ) -> Result<Response> {
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
}
