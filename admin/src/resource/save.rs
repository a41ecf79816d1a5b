//! Saving the form: checking what was typed, the write, and the pages for a refusal and
//! for an edit conflict.
use std::collections::BTreeMap;

use sea_orm::{ActiveModelBehavior, ActiveModelTrait, EntityTrait, ModelTrait, SqlErr, Value};

use super::{Registered, db_message, first, form::FieldSpec};
use crate::{
    Action, AdminSite, AdminUser, Request, Response, Result,
    options::{ExtraField, FieldErrors, ModelAdmin, SaveError, Submission},
    query::{AdminEntity, Col},
    values::{self},
    views::{ConflictField, ConflictView},
};

/// A checked submission on its way to the write.
pub(super) struct Checked<'a, E: EntityTrait> {
    pub(super) id: Option<i64>,
    /// The row as it stood before the save (read outside its transaction).
    pub(super) existing: Option<&'a E::Model>,
    pub(super) typed: &'a BTreeMap<String, String>,
    /// The fields that changed, parsed.
    pub(super) parsed: Vec<(Col<E>, Value)>,
    pub(super) extras: &'a [ExtraField],
    pub(super) before_extras: BTreeMap<String, String>,
    pub(super) form_lock: Option<i64>,
}

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) async fn save(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        id: Option<i64>,
    ) -> Result<Response> {
        let user = req.user;
        let existing = match self.row_to_save(user, req, id).await? {
            Ok(m) => m,
            Err(refusal) => return Ok(refusal),
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

        let (mut errors, parsed) = self
            .check_fields(req, &specs, existing.as_ref(), &typed)
            .await?;
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
        let checked = Checked {
            id,
            existing: existing.as_ref(),
            typed: &typed,
            parsed,
            extras: &extras,
            before_extras,
            form_lock,
        };
        if let Some(response) = self.save_by_hook(site, req, &checked).await? {
            return Ok(response);
        }
        self.save_generic(site, req, checked).await
    }

    /// The row a save changes (`None` when adding), or the refusal to send instead.
    async fn row_to_save(
        &self,
        user: &dyn AdminUser,
        req: &Request<'_>,
        id: Option<i64>,
    ) -> Result<std::result::Result<Option<E::Model>, Response>> {
        let permission = self.info.permission;
        Ok(match id {
            Some(id) => match self.find(req.db, id).await? {
                Some(m) if self.may(user, Action::Change, Some(&m)) => Ok(Some(m)),
                Some(_) => Err(Response::Forbidden(format!("{permission}.change"))),
                None => Err(Response::NotFound),
            },
            None if self.may(user, Action::Add, None) => Ok(None),
            None => Err(Response::Forbidden(format!("{permission}.add"))),
        })
    }

    /// Parses what was typed for each editable field: the changed values, and the messages
    /// for those that do not fit (not a listed choice, not of the column's type, a missing
    /// related row).
    async fn check_fields(
        &self,
        req: &Request<'_>,
        specs: &[FieldSpec<E>],
        existing: Option<&E::Model>,
        typed: &BTreeMap<String, String>,
    ) -> Result<(FieldErrors, Vec<(Col<E>, Value)>)> {
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
            if let Some(m) = existing {
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
        Ok((errors, parsed))
    }

    /// The application's own write, when the registration has one (Django's save_model);
    /// `None` when it has none.
    async fn save_by_hook(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        checked: &Checked<'_, E>,
    ) -> Result<Option<Response>> {
        let existing = checked.existing;
        let mut row: E::ActiveModel = match existing {
            Some(m) => m.clone().into(),
            None => <E::ActiveModel as ActiveModelBehavior>::new(),
        };
        for (c, v) in &checked.parsed {
            row.try_set(c.col, v.clone())?;
        }
        if let (None, Some(lock)) = (existing, self.lock_col()) {
            row.try_set(lock.col, lock.kind.int(0))?;
        }
        let submission = Submission {
            before: existing,
            row,
            raw: checked.typed,
            lock_version: checked.form_lock,
        };
        let Some(outcome) = self.admin.save_model(req.db, req.user, submission).await else {
            return Ok(None);
        };
        let response = match outcome {
            Ok(saved) => {
                self.saved(req, req.user, &saved, existing, existing.is_some())
                    .await?
            }
            Err(SaveError::Conflict) => self.conflict_now(site, req, checked).await?,
            Err(e) => {
                self.refused(site, req, existing, checked.typed, e, checked.form_lock)
                    .await?
            }
        };
        Ok(Some(response))
    }

    /// The row's `lock_version` as stored (0 for an entity without one).
    pub(super) fn current_lock(&self, m: &E::Model) -> i64 {
        self.lock_col()
            .map_or(0, |l| values::to_json(&m.get(l.col)).as_i64().unwrap_or(0))
    }

    /// Somebody saved first: the conflict page over the row as it now stands.
    pub(super) async fn conflict_now(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        checked: &Checked<'_, E>,
    ) -> Result<Response> {
        let Some(id) = checked.id else {
            return Ok(Response::NotFound);
        };
        let Some(cur) = self.find(req.db, id).await? else {
            return Ok(Response::NotFound);
        };
        let current = self.current_lock(&cur);
        self.conflict(site, req, &cur, checked.typed, current).await
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
        let fields = specs
            .iter()
            .filter(|s| !s.readonly)
            .filter_map(|s| {
                let theirs = values::form_string(&current.get(s.col.col));
                let yours = typed.get(s.col.name).cloned().unwrap_or_default();
                (!values::same_text(&theirs, &yours)).then(|| ConflictField {
                    field: s.label.clone(),
                    theirs,
                    yours,
                })
            })
            .collect();
        let conflict = ConflictView { fields };
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
