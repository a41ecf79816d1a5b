//! Bulk actions: the rows they touch, the confirmation page, and the write (the
//! registration's own, row by row through its hooks, or the generic one).
use std::collections::BTreeMap;

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, ModelTrait, QueryFilter, Value};

use super::{MAX_SET, Registered, begin_write, db_message, first, save_message};
use crate::{
    Action, AdminSite, AdminUser, Request, Response, Result,
    options::{BulkAction, BulkOutcome, Change, ModelAdmin, SaveError, Submission},
    query::{self, AdminEntity, Col},
    values::{self},
};

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) fn action_allowed(&self, user: &dyn AdminUser, a: &BulkAction) -> bool {
        self.admin.has_permission(user, a.needs, None)
            && a.also_needs.is_none_or(|p| user.grant(p).is_some())
            && (!a.delete || self.admin.has_permission(user, Action::Delete, None))
    }

    /// The ids a bulk action will touch: the selection or the whole filtered set, always
    /// within what the user may see.
    pub(super) async fn action_ids(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
    ) -> Result<std::result::Result<Vec<i64>, String>> {
        let pk = self.pk()?;
        if first(&req.form, "_across") == Some("1") {
            let p = self.params(site, req.user, &req.form);
            let select = query::order(self.filtered(req.db, req.user, &p), &p.order);
            let ids = query::page_ids(req.db, select, 0, MAX_SET + 1).await?;
            if ids.len() as u64 > MAX_SET {
                return Ok(Err(format!(
                    "That is more than {MAX_SET} {}. Narrow the filter first.",
                    self.info.plural
                )));
            }
            return Ok(Ok(ids));
        }
        let wanted: Vec<i64> = req
            .form
            .iter()
            .filter(|(k, _)| k == "_selected")
            .filter_map(|(_, v)| v.parse().ok())
            .take(MAX_SET as usize)
            .collect();
        if wanted.is_empty() {
            return Ok(Err("Select at least one row first.".to_string()));
        }
        let select = E::find()
            .filter(self.scope(req.user))
            .filter(pk.col.is_in(wanted.iter().map(|i| pk.kind.int(*i))));
        let ids = query::page_ids(req.db, query::order(select, &[]), 0, MAX_SET).await?;
        Ok(Ok(ids))
    }

    pub(super) async fn bulk(&self, site: &AdminSite, req: &Request<'_>) -> Result<Response> {
        let o = self.admin.options();
        // A row's own button: `_row=id:action`, an inline action on that one row, at once.
        if let Some(row) = first(&req.form, "_row") {
            let Some((id, name)) = row.split_once(':') else {
                return Ok(Response::NotFound);
            };
            let Some(action) = o.actions.iter().find(|a| a.name == name && a.inline) else {
                return Ok(Response::NotFound);
            };
            let back = first(&req.form, "_back").unwrap_or_default().to_string();
            let form = vec![
                ("_action".to_string(), action.name.to_string()),
                ("_selected".to_string(), id.to_string()),
                ("_confirm".to_string(), "yes".to_string()),
                ("_back".to_string(), back),
            ];
            let one = Request {
                db: req.db,
                user: req.user,
                post: true,
                rest: Vec::new(),
                query: Vec::new(),
                form,
                htmx: req.htmx,
            };
            return Box::pin(self.bulk(site, &one)).await;
        }
        // Where to go afterwards: the list the form came from (with its filters).
        let back = first(&req.form, "_back")
            .filter(|b| b.starts_with(&self.url()))
            .map_or_else(|| self.url(), str::to_string);
        let Some(action) =
            first(&req.form, "_action").and_then(|name| o.actions.iter().find(|a| a.name == name))
        else {
            return Ok(Response::Redirect {
                to: back,
                flash: Some("Choose an action first.".to_string()),
            });
        };
        if !self.action_allowed(req.user, action) {
            return Ok(Response::Forbidden(format!(
                "{}.{}",
                o.permission,
                action.needs.as_str()
            )));
        }
        let ids = match self.action_ids(site, req).await? {
            Ok(ids) => ids,
            Err(msg) => {
                return Ok(Response::Redirect {
                    to: back,
                    flash: Some(msg),
                });
            }
        };
        if first(&req.form, "_confirm") != Some("yes") {
            return self.confirm_page(site, req, action, ids, back).await;
        }
        let (done, skipped) = match self.admin.bulk_action(req.db, req.user, action, &ids).await {
            Some(Ok(BulkOutcome { done, skipped })) => (done, skipped),
            Some(Err(e)) => {
                return Ok(Response::Redirect {
                    to: back,
                    flash: Some(save_message(&e, action.label)),
                });
            }
            None => match self.bulk_by_row(site, req, action, &ids).await? {
                Ok(counts) => counts,
                Err(msg) => {
                    return Ok(Response::Redirect {
                        to: back,
                        flash: Some(msg),
                    });
                }
            },
        };
        let noun = if done == 1 {
            self.info.singular
        } else {
            self.info.plural
        };
        let mut msg = if action.delete {
            format!("Deleted {done} {noun}.")
        } else {
            let changes: Vec<String> = action
                .sets
                .iter()
                .map(|c| {
                    format!(
                        "{} is now {}",
                        self.label_for(c.field).to_lowercase(),
                        self.choice_label(req.user, c.field, c.value)
                    )
                })
                .collect();
            format!(
                "{}: {done} {noun} changed ({}).",
                action.label.replace(" selected", ""),
                changes.join(", ")
            )
        };
        if skipped > 0 {
            msg.push_str(&format!(" {skipped} skipped: you may not change them."));
        }
        Ok(Response::Redirect {
            to: back,
            flash: Some(msg),
        })
    }

    /// A bulk action the registration did not take whole: each permitted row through its
    /// [`ModelAdmin::delete_model`] or [`ModelAdmin::save_model`], one write per row. When
    /// the hook declines the first permitted row, the registration has none, and every row
    /// takes the generic write in one transaction. `Err` is the message when a row refused
    /// (the rows before it stay written, and the message says how many).
    pub(super) async fn bulk_by_row(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        action: &BulkAction,
        ids: &[i64],
    ) -> Result<std::result::Result<(u64, u64), String>> {
        let rows = self.rows_by_ids(req.db, ids).await?;
        let (mut done, mut skipped) = (0_u64, 0_u64);
        let mut probed = false;
        for m in &rows {
            if !self.may(req.user, action.needs, Some(m)) {
                skipped += 1;
                continue;
            }
            let outcome = self.bulk_hook(site, req, action, m).await?;
            let outcome = match outcome {
                Some(o) => o,
                // No hook: the generic write, for every row at once.
                None if !probed => return self.generic_bulk(site, req, action, ids).await,
                // A hook that takes some rows and not others: the rest one by one.
                None => match self
                    .generic_bulk(site, req, action, &[self.id_of(m)])
                    .await?
                {
                    Ok((n, s)) => {
                        done += n;
                        skipped += s;
                        continue;
                    }
                    Err(msg) => return Ok(Err(self.partial_message(action, msg, done))),
                },
            };
            probed = true;
            match outcome {
                Ok(()) => done += 1,
                Err(e) => {
                    let msg = save_message(&e, &self.label_of(m));
                    return Ok(Err(self.partial_message(action, msg, done)));
                }
            }
        }
        Ok(Ok((done, skipped)))
    }

    /// One row of a bulk action through the registration's hook; `None` when it has none.
    pub(super) async fn bulk_hook(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        action: &BulkAction,
        m: &E::Model,
    ) -> Result<Option<std::result::Result<(), SaveError>>> {
        if action.delete {
            return Ok(self.admin.delete_model(req.db, req.user, m).await);
        }
        let mut row: E::ActiveModel = m.clone().into();
        for c in &action.sets {
            if let Some(col) = self.column(c.field) {
                row.try_set(col.col, action_value(action, c, &col)?)?;
            }
        }
        // What the form would have sent: every editable field as stored, the action's
        // changes applied, and the extra fields' current values.
        let mut raw: BTreeMap<String, String> = self
            .field_specs(site, req.user, Some(m))
            .iter()
            .filter(|s| !s.readonly)
            .map(|s| {
                (
                    s.col.name.to_string(),
                    values::form_string(&m.get(s.col.col)),
                )
            })
            .collect();
        for c in &action.sets {
            raw.insert(c.field.to_string(), c.value.to_string());
        }
        if !self.admin.extra_fields(req.user).is_empty() {
            raw.extend(self.admin.extra_values(req.db, m).await);
        }
        let lock_version = self
            .lock_col()
            .map(|l| values::to_json(&m.get(l.col)).as_i64().unwrap_or(0));
        let submission = Submission {
            before: Some(m),
            row,
            raw: &raw,
            lock_version,
        };
        Ok(self
            .admin
            .save_model(req.db, req.user, submission)
            .await
            .map(|o| o.map(|_| ())))
    }

    /// A refusal's message, saying how many rows before it were already written.
    pub(super) fn partial_message(&self, action: &BulkAction, msg: String, done: u64) -> String {
        if done == 0 {
            return msg;
        }
        let noun = if done == 1 {
            self.info.singular
        } else {
            self.info.plural
        };
        let reason = ["Nothing was changed: ", "Nothing was deleted: "]
            .iter()
            .find_map(|p| msg.strip_prefix(p))
            .unwrap_or(&msg);
        format!(
            "{} stopped after {done} {noun}: {reason}",
            action.label.replace(" selected", "")
        )
    }

    /// The engine's own bulk write: every row in one transaction. `Err` is the message when
    /// a row refused (and nothing was written).
    pub(super) async fn generic_bulk(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        action: &BulkAction,
        ids: &[i64],
    ) -> Result<std::result::Result<(u64, u64), String>> {
        let txn = begin_write(req.db).await?;
        let rows = self.rows_by_ids(&txn, ids).await?;
        let (mut done, mut skipped) = (0_u64, 0_u64);
        for m in rows {
            if !self.may(req.user, action.needs, Some(&m)) {
                skipped += 1;
                continue;
            }
            let id = self.id_of(&m);
            let before = self.json_of(req.user, &m);
            if action.delete {
                if let Err(e) = self.admin.before_delete(&txn, req.user, &m).await {
                    txn.rollback().await?;
                    return Ok(Err(save_message(&e, &self.label_of(&m))));
                }
                let pk = self.pk()?;
                if let Err(e) = E::delete_many()
                    .filter(pk.col.eq(pk.kind.int(id)))
                    .exec(&txn)
                    .await
                {
                    txn.rollback().await?;
                    return Ok(Err(format!(
                        "Nothing was deleted: “{}” could not be. {}",
                        self.label_of(&m),
                        db_message(&e)
                    )));
                }
                self.audit(site, &txn, req.user, "delete", id, Some(before), None)
                    .await?;
            } else {
                let mut am: E::ActiveModel = m.clone().into();
                for c in &action.sets {
                    if let Some(col) = self.column(c.field) {
                        am.try_set(col.col, action_value(action, c, &col)?)?;
                    }
                }
                if let Some(lock) = self.lock_col() {
                    let cur = values::to_json(&m.get(lock.col)).as_i64().unwrap_or(0);
                    am.try_set(lock.col, lock.kind.int(cur + 1))?;
                }
                if let Err(e) = self
                    .admin
                    .before_save(&txn, req.user, &mut am, Some(&m))
                    .await
                {
                    txn.rollback().await?;
                    return Ok(Err(save_message(&e, &self.label_of(&m))));
                }
                let saved = am.update(&txn).await?;
                if let Err(e) = self
                    .admin
                    .after_save(&txn, req.user, &saved, Some(&m))
                    .await
                {
                    txn.rollback().await?;
                    return Ok(Err(save_message(&e, &self.label_of(&m))));
                }
                let after = self.json_of(req.user, &saved);
                self.audit(
                    site,
                    &txn,
                    req.user,
                    action.name,
                    id,
                    Some(before),
                    Some(after),
                )
                .await?;
            }
            done += 1;
        }
        txn.commit().await?;
        Ok(Ok((done, skipped)))
    }
}

/// The value a bulk action sets, parsed for its column.
fn action_value<E: EntityTrait>(action: &BulkAction, c: &Change, col: &Col<E>) -> Result<Value> {
    values::parse(col.kind, col.nullable, c.value).map_err(|msg| {
        crate::Error::Config(format!(
            "action {}: {} = {:?}: {msg}",
            action.name, c.field, c.value
        ))
    })
}
