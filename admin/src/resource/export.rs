//! The CSV export of the filtered list.

use sea_orm::ModelTrait;

use super::{MAX_EXPORT, Registered};
use crate::{
    AdminSite, Request, Response, Result,
    options::ModelAdmin,
    query::{self, AdminEntity, Col},
    values::{self},
};

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) async fn export(&self, site: &AdminSite, req: &Request<'_>) -> Result<Response> {
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
}
