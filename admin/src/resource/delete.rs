//! The delete page: what refers to a row, what blocks its deletion, and the delete.

use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter, sea_query::ForeignKeyAction};

use super::{Registered, begin_write, db_message, humanize, owned_relations, save_message};
use crate::{
    Action, AdminSite, Dependent, Example, Request, Response, Result,
    options::ModelAdmin,
    query::{self, AdminEntity},
    views::{DeletePage, ObjectRef},
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
        let url = format!("{}/{id}", self.url());
        let label = self.label_of(&obj);
        let status = if error.is_some() { 409 } else { 200 };
        let view = DeletePage {
            resource: self.base(site),
            breadcrumbs: self.crumbs(site, Some((label.clone(), Some(url.clone())))),
            object: ObjectRef {
                id,
                label: label.clone(),
                url,
            },
            dependents: deps,
            blocked,
            error,
        };
        self.view(
            "admin/engine/delete.html",
            status,
            format!("Delete {} “{label}”", self.info.singular),
            &view,
        )
    }

    /// Rows of this resource that reference `table.id = id`, grouped by foreign key.
    pub(super) async fn references_to(
        &self,
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
}
