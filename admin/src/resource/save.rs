//! Saving the form: checking what was typed, the write, and the pages for a refusal and
//! for an edit conflict.
use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ModelTrait, QueryFilter, SqlErr, Value,
};
use serde_json::{Value as Json, json};

use super::{Registered, begin_write, db_message, first};
use crate::{
    Action, AdminSite, AdminUser, Request, Response, Result,
    options::{FieldErrors, ModelAdmin, SaveError, Submission},
    query::{AdminEntity, Col},
    values::{self},
};

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) async fn save(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        id: Option<i64>,
    ) -> Result<Response> {
        let user = req.user;
        let existing = match id {
            Some(id) => match self.find(req.db, id).await? {
                Some(m) if self.may(user, Action::Change, Some(&m)) => Some(m),
                Some(_) => {
                    return Ok(Response::Forbidden(format!(
                        "{}.change",
                        self.info.permission
                    )));
                }
                None => return Ok(Response::NotFound),
            },
            None if self.may(user, Action::Add, None) => None,
            None => return Ok(Response::Forbidden(format!("{}.add", self.info.permission))),
        };
        let specs = self.field_specs(site, user, existing.as_ref());
        let mut typed: BTreeMap<String, String> = BTreeMap::new();
        for s in specs.iter().filter(|s| !s.readonly) {
            let v = first(&req.form, s.col.name).unwrap_or_default();
            typed.insert(s.col.name.to_string(), v.to_string());
        }
        let extras = self.admin.extra_fields(user);
        for x in &extras {
            let v = first(&req.form, x.name).unwrap_or_default();
            typed.insert(x.name.to_string(), v.to_string());
        }
        // Read before the save's transaction starts (SQLite has one writer).
        let before_extras = match &existing {
            Some(m) if !extras.is_empty() => self.admin.extra_values(req.db, m).await,
            _ => BTreeMap::new(),
        };
        let form_lock = first(&req.form, "lock_version").and_then(|v| v.parse::<i64>().ok());

        // "Preview" without JavaScript: show the rendered markdown, save nothing.
        if let Some(field) = first(&req.form, "_preview") {
            let html = (site.markdown)(typed.get(field).map_or("", String::as_str));
            return self
                .render_form(
                    site,
                    req,
                    existing.as_ref(),
                    Some(&typed),
                    &FieldErrors::new(),
                    None,
                    Some((field.to_string(), html)),
                    form_lock,
                )
                .await;
        }

        let mut errors = FieldErrors::new();
        let mut parsed: Vec<(Col<E>, Value)> = Vec::new();
        for s in specs.iter().filter(|s| !s.readonly) {
            let raw = typed.get(s.col.name).map_or("", String::as_str);
            if let Some(ch) = &s.choices
                && !(raw.is_empty() && s.col.nullable)
                && !ch.iter().any(|(v, _)| v == raw)
            {
                errors.insert(
                    s.col.name.to_string(),
                    "Choose one of the listed options.".to_string(),
                );
                continue;
            }
            // A field left as the form showed it keeps its stored value exactly (a time shown
            // to the minute keeps its seconds; text keeps its line endings).
            if let Some(m) = &existing {
                let shown = values::form_string(&m.get(s.col.col));
                if shown.replace("\r\n", "\n") == raw.replace("\r\n", "\n") {
                    continue;
                }
            }
            match values::parse(s.col.kind, s.col.nullable, raw) {
                Ok(v) => {
                    if let (Some(target), Some(id)) = (&s.fk, values::to_json(&v).as_i64())
                        && target.labels(req.db, &[id]).await?.is_empty()
                    {
                        errors.insert(
                            s.col.name.to_string(),
                            format!("Choose an existing {}.", target.options().singular),
                        );
                        continue;
                    }
                    parsed.push((s.col.clone(), v));
                }
                Err(msg) => {
                    errors.insert(s.col.name.to_string(), msg);
                }
            }
        }
        for (k, v) in self.admin.validate(user, &typed, existing.as_ref()) {
            errors.entry(k).or_insert(v);
        }
        if !errors.is_empty() {
            return self
                .render_form(
                    site,
                    req,
                    existing.as_ref(),
                    Some(&typed),
                    &errors,
                    None,
                    None,
                    form_lock,
                )
                .await;
        }

        // The application's own write, when the registration has one (Django's save_model).
        let mut row: E::ActiveModel = match &existing {
            Some(m) => m.clone().into(),
            None => <E::ActiveModel as ActiveModelBehavior>::new(),
        };
        for (c, v) in &parsed {
            row.try_set(c.col, v.clone())?;
        }
        if let (None, Some(lock)) = (&existing, self.lock_col()) {
            row.try_set(lock.col, lock.kind.int(0))?;
        }
        let submission = Submission {
            before: existing.as_ref(),
            row,
            raw: &typed,
            lock_version: form_lock,
        };
        if let Some(outcome) = self.admin.save_model(req.db, user, submission).await {
            return match outcome {
                Ok(saved) => {
                    self.saved(req, user, &saved, existing.as_ref(), existing.is_some())
                        .await
                }
                Err(SaveError::Conflict) => {
                    let Some(cur) = self.find(req.db, id.unwrap_or_default()).await? else {
                        return Ok(Response::NotFound);
                    };
                    let current = self.lock_col().map_or(0, |l| {
                        values::to_json(&cur.get(l.col)).as_i64().unwrap_or(0)
                    });
                    self.conflict(site, req, &cur, &typed, current).await
                }
                Err(e) => {
                    self.refused(site, req, existing.as_ref(), &typed, e, form_lock)
                        .await
                }
            };
        }

        let txn = begin_write(req.db).await?;
        let before = match id {
            Some(id) => match self.find(&txn, id).await? {
                Some(m) => Some(m),
                None => return Ok(Response::NotFound),
            },
            None => None,
        };
        let lock = self.lock_col();
        if let (Some(lock), Some(cur)) = (&lock, &before) {
            let current = values::to_json(&cur.get(lock.col)).as_i64().unwrap_or(0);
            if form_lock != Some(current) {
                txn.rollback().await?;
                return self.conflict(site, req, cur, &typed, current).await;
            }
        }
        let mut am: E::ActiveModel = match &before {
            Some(m) => m.clone().into(),
            None => <E::ActiveModel as ActiveModelBehavior>::new(),
        };
        for (c, v) in parsed {
            am.try_set(c.col, v)?;
        }
        if let (None, Some(lock)) = (&before, &lock) {
            am.try_set(lock.col, lock.kind.int(0))?;
        }
        match self
            .admin
            .before_save(&txn, user, &mut am, before.as_ref())
            .await
        {
            Ok(()) => {}
            Err(e) => {
                txn.rollback().await?;
                return self
                    .refused(site, req, existing.as_ref(), &typed, e, form_lock)
                    .await;
            }
        }
        let written = match (&before, &lock) {
            (Some(b), Some(lock)) => {
                let current = values::to_json(&b.get(lock.col)).as_i64().unwrap_or(0);
                am.try_set(lock.col, lock.kind.int(current + 1))?;
                let am = am.before_save(&txn, false).await;
                match am {
                    Ok(am) => {
                        let pk = self.pk()?;
                        let id = self.id_of(b);
                        E::update_many()
                            .set(am)
                            .filter(pk.col.eq(pk.kind.int(id)))
                            .filter(lock.col.eq(lock.kind.int(current)))
                            .exec(&txn)
                            .await
                            .map(|r| (r.rows_affected == 1).then_some(id))
                    }
                    Err(e) => Err(e),
                }
            }
            (Some(_), None) => am.update(&txn).await.map(|m| Some(self.id_of(&m))),
            (None, _) => am.insert(&txn).await.map(|m| Some(self.id_of(&m))),
        };
        let saved_id = match written {
            Ok(Some(id)) => id,
            Ok(None) => {
                txn.rollback().await?;
                let Some(cur) = self.find(req.db, id.unwrap_or_default()).await? else {
                    return Ok(Response::NotFound);
                };
                let current = lock.as_ref().map_or(0, |l| {
                    values::to_json(&cur.get(l.col)).as_i64().unwrap_or(0)
                });
                return self.conflict(site, req, &cur, &typed, current).await;
            }
            Err(e) => {
                txn.rollback().await?;
                return self
                    .refused(
                        site,
                        req,
                        existing.as_ref(),
                        &typed,
                        SaveError::Db(e),
                        form_lock,
                    )
                    .await;
            }
        };
        let Some(saved) = self.find(&txn, saved_id).await? else {
            txn.rollback().await?;
            return Ok(Response::NotFound);
        };
        if let Err(e) = self
            .admin
            .after_save(&txn, user, &saved, before.as_ref())
            .await
        {
            txn.rollback().await?;
            return self
                .refused(site, req, existing.as_ref(), &typed, e, form_lock)
                .await;
        }
        let mut before_json = before.as_ref().map(|b| self.json_of(user, b));
        let mut after_json = self.json_of(user, &saved);
        if !extras.is_empty() {
            let extra_typed: BTreeMap<String, String> = extras
                .iter()
                .filter_map(|x| typed.get(x.name).map(|v| (x.name.to_string(), v.clone())))
                .collect();
            match self
                .admin
                .save_extra(&txn, user, &saved, &extra_typed)
                .await
            {
                Ok(stored) => {
                    for (k, v) in stored {
                        after_json[k.as_str()] = Json::from(v);
                    }
                }
                Err(e) => {
                    txn.rollback().await?;
                    return self
                        .refused(site, req, existing.as_ref(), &typed, e, form_lock)
                        .await;
                }
            }
            if let Some(bj) = before_json.as_mut() {
                for (k, v) in before_extras {
                    bj[k.as_str()] = Json::from(v);
                }
            }
        }
        self.audit(
            site,
            &txn,
            user,
            if before.is_some() { "change" } else { "add" },
            saved_id,
            before_json,
            Some(after_json),
        )
        .await?;
        txn.commit().await?;
        self.saved(req, user, &saved, before.as_ref(), before.is_some())
            .await
    }

    /// After a save has committed: the follow-up work, then back with the message.
    pub(super) async fn saved(
        &self,
        req: &Request<'_>,
        user: &dyn AdminUser,
        saved: &E::Model,
        before: Option<&E::Model>,
        changed: bool,
    ) -> Result<Response> {
        let saved_id = self.id_of(saved);
        // What must not happen for a save that rolled back (mail to a new person) happens
        // now; its outcome is told to the person with the save's own message.
        let followup = self.admin.after_commit(req.db, user, saved, before).await;

        let label = self.label_of(saved);
        let verb = if changed { "changed" } else { "added" };
        let (to, flash) = if first(&req.form, "_addanother").is_some() {
            (
                format!("{}/add", self.url()),
                format!(
                    "The {} “{label}” was {verb}. You may add another below.",
                    self.info.singular
                ),
            )
        } else if first(&req.form, "_continue").is_some() {
            (
                format!("{}/{saved_id}", self.url()),
                format!(
                    "The {} “{label}” was {verb}. You may edit it again below.",
                    self.info.singular
                ),
            )
        } else {
            (
                self.url(),
                format!("The {} “{label}” was {verb}.", self.info.singular),
            )
        };
        let flash = match followup {
            Some(more) => format!("{flash} {more}"),
            None => flash,
        };
        Ok(Response::Redirect {
            to,
            flash: Some(flash),
        })
    }

    pub(super) async fn refused(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        obj: Option<&E::Model>,
        typed: &BTreeMap<String, String>,
        e: SaveError,
        lock: Option<i64>,
    ) -> Result<Response> {
        let errors = match e {
            SaveError::Fields(f) => f,
            SaveError::Conflict => FieldErrors::from([(
                "__all__".to_string(),
                "Somebody saved this meanwhile: reload it to see their version.".to_string(),
            )]),
            SaveError::Db(e) => {
                let mut f = FieldErrors::new();
                match e.sql_err() {
                    Some(SqlErr::UniqueConstraintViolation(msg)) => {
                        let field = typed
                            .keys()
                            .find(|k| msg.contains(k.as_str()))
                            .cloned()
                            .unwrap_or_else(|| "__all__".to_string());
                        f.insert(field, "That value is already taken.".to_string());
                    }
                    _ => {
                        tracing::warn!(error = %e, resource = self.info.slug, "admin save failed");
                        f.insert(
                            "__all__".to_string(),
                            format!("Nothing was saved: {}", db_message(&e)),
                        );
                    }
                }
                f
            }
        };
        self.render_form(site, req, obj, Some(typed), &errors, None, None, lock)
            .await
    }

    /// Somebody saved first: show what differs between their saved version and what this
    /// person typed, keep what they typed, and let them save again over the new version.
    pub(super) async fn conflict(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        current: &E::Model,
        typed: &BTreeMap<String, String>,
        current_lock: i64,
    ) -> Result<Response> {
        let specs = self.field_specs(site, req.user, Some(current));
        let diffs: Vec<Json> = specs
            .iter()
            .filter(|s| !s.readonly)
            .filter_map(|s| {
                let theirs = values::form_string(&current.get(s.col.col));
                let yours = typed.get(s.col.name).cloned().unwrap_or_default();
                (!values::same_text(&theirs, &yours))
                    .then(|| json!({"field": s.label, "theirs": theirs, "yours": yours}))
            })
            .collect();
        let conflict = json!({"fields": diffs});
        self.render_form(
            site,
            req,
            Some(current),
            Some(typed),
            &FieldErrors::new(),
            Some(conflict),
            None,
            Some(current_lock),
        )
        .await
    }
}
