//! The generic write of a form save: the registration's hooks, the row, its extra fields
//! and the audit entry, in one transaction, guarded by the row's `lock_version`.
use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, QueryFilter,
};
use serde_json::Value as Json;

use super::{Registered, begin_write, save::Checked};
use crate::{
    AdminSite, AdminUser, Request, Response, Result,
    options::{ModelAdmin, SaveError},
    query::{AdminEntity, Col},
};

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) async fn save_generic(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        checked: Checked<'_, E>,
    ) -> Result<Response> {
        let user = req.user;
        let (existing, typed, form_lock) = (checked.existing, checked.typed, checked.form_lock);
        let txn = begin_write(req.db).await?;
        let before = match checked.id {
            Some(id) => match self.find(&txn, id).await? {
                Some(m) => Some(m),
                None => return Ok(Response::NotFound),
            },
            None => None,
        };
        let lock = self.lock_col();
        if let (Some(_), Some(cur)) = (&lock, &before) {
            let current = self.current_lock(cur);
            if form_lock != Some(current) {
                txn.rollback().await?;
                return self.conflict(site, req, cur, typed, current).await;
            }
        }
        let mut am: E::ActiveModel = match &before {
            Some(m) => m.clone().into(),
            None => <E::ActiveModel as ActiveModelBehavior>::new(),
        };
        for (c, v) in &checked.parsed {
            am.try_set(c.col, v.clone())?;
        }
        if let (None, Some(lock)) = (&before, &lock) {
            am.try_set(lock.col, lock.kind.int(0))?;
        }
        if let Err(e) = self
            .admin
            .before_save(&txn, user, &mut am, before.as_ref())
            .await
        {
            txn.rollback().await?;
            return self.refused(site, req, existing, typed, e, form_lock).await;
        }
        let saved_id = match self
            .write_row(&txn, before.as_ref(), am, lock.as_ref())
            .await?
        {
            Ok(Some(id)) => id,
            Ok(None) => {
                txn.rollback().await?;
                return self.conflict_now(site, req, &checked).await;
            }
            Err(e) => {
                txn.rollback().await?;
                return self
                    .refused(site, req, existing, typed, SaveError::Db(e), form_lock)
                    .await;
            }
        };
        let Some(saved) = self.find(&txn, saved_id).await? else {
            txn.rollback().await?;
            return Ok(Response::NotFound);
        };
        let audited = match self
            .admin
            .after_save(&txn, user, &saved, before.as_ref())
            .await
        {
            Ok(()) => {
                self.audit_values(&txn, user, &checked, before.as_ref(), &saved)
                    .await
            }
            Err(e) => Err(e),
        };
        let (before_json, after_json) = match audited {
            Ok(pair) => pair,
            Err(e) => {
                txn.rollback().await?;
                return self.refused(site, req, existing, typed, e, form_lock).await;
            }
        };
        let action = if before.is_some() { "change" } else { "add" };
        self.audit(
            site,
            &txn,
            user,
            action,
            saved_id,
            before_json,
            Some(after_json),
        )
        .await?;
        txn.commit().await?;
        self.saved(req, user, &saved, before.as_ref(), before.is_some())
            .await
    }

    /// Writes the row: an update guarded by its `lock_version` (which it moves on), a plain
    /// update, or an insert. `Ok(None)`: the guard found the row changed meanwhile.
    async fn write_row(
        &self,
        txn: &DatabaseTransaction,
        before: Option<&E::Model>,
        mut am: E::ActiveModel,
        lock: Option<&Col<E>>,
    ) -> Result<std::result::Result<Option<i64>, DbErr>> {
        Ok(match (before, lock) {
            (Some(b), Some(lock)) => {
                let current = self.current_lock(b);
                am.try_set(lock.col, lock.kind.int(current + 1))?;
                match am.before_save(txn, false).await {
                    Ok(am) => {
                        let pk = self.pk()?;
                        let id = self.id_of(b);
                        E::update_many()
                            .set(am)
                            .filter(pk.col.eq(pk.kind.int(id)))
                            .filter(lock.col.eq(lock.kind.int(current)))
                            .exec(txn)
                            .await
                            .map(|r| (r.rows_affected == 1).then_some(id))
                    }
                    Err(e) => Err(e),
                }
            }
            (Some(_), None) => am.update(txn).await.map(|m| Some(self.id_of(&m))),
            (None, _) => am.insert(txn).await.map(|m| Some(self.id_of(&m))),
        })
    }

    /// The audit entry's before and after, the extra fields included (which are saved
    /// here, inside the transaction).
    async fn audit_values(
        &self,
        txn: &DatabaseTransaction,
        user: &dyn AdminUser,
        checked: &Checked<'_, E>,
        before: Option<&E::Model>,
        saved: &E::Model,
    ) -> std::result::Result<(Option<Json>, Json), SaveError> {
        let mut before_json = before.map(|b| self.json_of(user, b));
        let mut after_json = self.json_of(user, saved);
        if checked.extras.is_empty() {
            return Ok((before_json, after_json));
        }
        let extra_typed: BTreeMap<String, String> = checked
            .extras
            .iter()
            .filter_map(|x| {
                checked
                    .typed
                    .get(x.name)
                    .map(|v| (x.name.to_string(), v.clone()))
            })
            .collect();
        let stored = self
            .admin
            .save_extra(txn, user, saved, &extra_typed)
            .await?;
        for (k, v) in stored {
            after_json[k.as_str()] = Json::from(v);
        }
        if let Some(bj) = before_json.as_mut() {
            for (k, v) in &checked.before_extras {
                bj[k.as_str()] = Json::from(v.clone());
            }
        }
        Ok((before_json, after_json))
    }
}
