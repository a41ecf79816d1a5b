//! The page that confirms a bulk action: what it will do, to which rows, and what else a
//! delete takes with it.
use super::Registered;
use crate::{
    AdminSite, Request, Response, Result,
    options::{BulkAction, ModelAdmin},
    query::AdminEntity,
    views::{ActionView, ChangeView, ConfirmPage, ConfirmRow},
};

/// The confirmation page names at most this many rows (and counts the rest).
const LISTED: usize = 100;

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) async fn confirm_page(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        action: &BulkAction,
        ids: Vec<i64>,
        back: String,
    ) -> Result<Response> {
        let shown: Vec<i64> = ids.iter().take(LISTED).copied().collect();
        let rows: Vec<ConfirmRow> = self
            .rows_by_ids(req.db, &shown)
            .await?
            .iter()
            .map(|m| ConfirmRow {
                id: self.id_of(m),
                label: self.label_of(m),
                href: format!("{}/{}", self.url(), self.id_of(m)),
                allowed: self.may(req.user, action.needs, Some(m)),
            })
            .collect();
        let mut dependents = Vec::new();
        if action.delete && ids.len() <= LISTED {
            for id in &ids {
                dependents.extend(self.dependents(site, req.db, *id).await?);
            }
        }
        let changes = action
            .sets
            .iter()
            .map(|c| ChangeView {
                field: self.label_for(c.field),
                value: self.choice_label(req.user, c.field, c.value),
            })
            .collect();
        let view = ConfirmPage {
            resource: self.base(site),
            breadcrumbs: self.crumbs(site, Some((action.label.to_string(), None))),
            action: ActionView {
                name: action.name,
                label: action.label,
                describe: action.describe,
                delete: action.delete,
            },
            changes,
            count: ids.len(),
            more: ids.len().saturating_sub(rows.len()),
            ids,
            rows,
            dependents,
            back,
        };
        self.view(
            "admin/engine/confirm.html",
            200,
            format!("{} — confirm", action.label),
            &view,
        )
    }
}
