//! The form: what each field shows, the add and change pages, and the markdown preview.
use std::{collections::BTreeMap, sync::Arc};

use sea_orm::{EntityTrait, ModelTrait};

use super::{FK_CHOICES, Registered, first};
use crate::{
    Action, AdminSite, AdminUser, Request, Resource, Response, Result,
    options::{FieldErrors, ModelAdmin, Widget},
    query::{AdminEntity, Col},
    values::{self, Kind},
    views::{
        ChoiceView, ConflictView, ErrorLink, FieldsetView, FkPicker, FormField, FormObject,
        FormPage, PreviewPage,
    },
};

/// What a form field shows.
pub(super) struct FieldSpec<E: EntityTrait> {
    pub(super) col: Col<E>,
    pub(super) label: String,
    pub(super) widget: Widget,
    pub(super) readonly: bool,
    pub(super) choices: Option<Vec<(String, String)>>,
    pub(super) fk: Option<Arc<dyn Resource>>,
    pub(super) help: Option<&'static str>,
}

impl<E: AdminEntity, A: ModelAdmin<E>> Registered<E, A> {
    pub(super) fn field_specs(
        &self,
        site: &AdminSite,
        user: &dyn AdminUser,
        obj: Option<&E::Model>,
    ) -> Vec<FieldSpec<E>> {
        let o = self.admin.options();
        let hidden = self.admin.hidden_fields(user);
        let readonly = self.admin.readonly_fields(user, obj);
        let pk_name = self.pk.as_ref().map(|c| c.name);
        let fieldsets = self.admin.fieldsets(user, obj);
        let names: Vec<&str> = if fieldsets.is_empty() {
            self.columns.iter().map(|c| c.name).collect()
        } else {
            fieldsets
                .iter()
                .flat_map(|f| f.fields.iter().copied())
                .collect()
        };
        names
            .into_iter()
            .filter(|n| !hidden.contains(n) && Some(*n) != pk_name && *n != "lock_version")
            .filter_map(|n| {
                let col = self.column(n)?;
                let mut choices = self.admin.choices(user, n);
                // The stored value stays choosable even when this person could not pick it
                // (a role above what they may give): leaving it alone is not a change.
                if let (Some(ch), Some(m)) = (choices.as_mut(), obj) {
                    let current = values::form_string(&m.get(col.col));
                    if !current.is_empty() && !ch.iter().any(|(v, _)| *v == current) {
                        ch.insert(0, (current.clone(), current));
                    }
                }
                let fk = self.fk_target(site, n);
                let declared = o.widgets.iter().find(|(f, _)| *f == n).map(|(_, w)| *w);
                let widget = declared.unwrap_or(if choices.is_some() {
                    Widget::Select
                } else if fk.is_some() {
                    Widget::ForeignKey
                } else {
                    match col.kind {
                        Kind::Bool => Widget::Checkbox,
                        Kind::LongText => Widget::TextArea,
                        Kind::DateTimeTz | Kind::DateTime => Widget::DateTime,
                        Kind::Date => Widget::Date,
                        Kind::Json => Widget::Json,
                        k if k.is_integer() || k == Kind::Float => Widget::Number,
                        _ => Widget::Text,
                    }
                });
                Some(FieldSpec {
                    label: self.label_for(n),
                    readonly: readonly.contains(&n),
                    help: o.help.iter().find(|(f, _)| *f == n).map(|(_, h)| *h),
                    col,
                    widget,
                    choices,
                    fk,
                })
            })
            .collect()
    }

    /// One field of the form, as the template shows it.
    async fn form_field(
        &self,
        req: &Request<'_>,
        s: &FieldSpec<E>,
        obj: Option<&E::Model>,
        typed: Option<&BTreeMap<String, String>>,
        errors: &FieldErrors,
        preview: Option<&(String, String)>,
    ) -> Result<FormField> {
        let user = req.user;
        let stored = obj.map(|m| m.get(s.col.col));
        let value = match (typed, &stored) {
            (Some(t), _) if !s.readonly => t.get(s.col.name).cloned().unwrap_or_default(),
            (_, Some(v)) => values::form_string(v),
            (None, None) => self.admin.initial(user, s.col.name).unwrap_or_default(),
            (Some(_), None) => self.admin.initial(user, s.col.name).unwrap_or_default(),
        };
        let mut choices: Vec<ChoiceView> = s
            .choices
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|(v, label)| ChoiceView {
                selected: v == value,
                value: v,
                label,
            })
            .collect();
        let mut fk = None;
        if let Some(target) = &s.fk {
            let (fk_choices, picker) = self.fk_choices(req, s, target, &value).await?;
            (choices, fk) = (fk_choices, Some(picker));
        }
        let readonly_text = if s.readonly {
            stored.as_ref().map_or_else(String::new, |v| {
                if let Some(ch) = &s.choices {
                    let raw = values::display(v);
                    ch.iter()
                        .find(|(val, _)| *val == raw)
                        .map_or(raw, |(_, l)| l.clone())
                } else {
                    values::display(v)
                }
            })
        } else {
            String::new()
        };
        let preview_html = preview
            .filter(|(f, _)| f == s.col.name)
            .map(|(_, html)| html.clone());
        let describedby = [
            errors
                .contains_key(s.col.name)
                .then(|| format!("field-{}-error", s.col.name)),
            s.help.map(|_| format!("field-{}-help", s.col.name)),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        Ok(FormField {
            name: s.col.name,
            id: format!("field-{}", s.col.name),
            label: s.label.clone(),
            widget: s.widget.as_str(),
            checked: Some(matches!(value.as_str(), "on" | "true" | "1")),
            value,
            readonly: s.readonly,
            readonly_text,
            required: !s.col.nullable && !s.col.kind.is_textual() && s.col.kind != Kind::Bool,
            maxlength: Some(match s.col.kind {
                Kind::Text { max } => max,
                _ => None,
            }),
            choices,
            fk,
            help: s.help,
            error: errors.get(s.col.name).cloned(),
            describedby,
            preview: Some(preview_html),
            preview_url: Some(format!("{}/preview", self.url())),
        })
    }

    /// A foreign-key field's choices (the first rows, and the current one) and its picker.
    async fn fk_choices(
        &self,
        req: &Request<'_>,
        s: &FieldSpec<E>,
        target: &Arc<dyn Resource>,
        value: &str,
    ) -> Result<(Vec<ChoiceView>, FkPicker)> {
        let user = req.user;
        let within = self.admin.limit_choices_to(user, s.col.name);
        let mut opts = target
            .lookup(req.db, user, within, "", FK_CHOICES + 1)
            .await?;
        let more = opts.len() as u64 > FK_CHOICES;
        opts.truncate(FK_CHOICES as usize);
        if let Ok(id) = value.parse::<i64>()
            && !opts.iter().any(|(i, _)| *i == id)
            && let Some(l) = target.labels(req.db, &[id]).await?.remove(&id)
        {
            opts.insert(0, (id, l));
        }
        let choices = opts
            .into_iter()
            .map(|(id, label)| ChoiceView {
                value: id.to_string(),
                selected: id.to_string() == value,
                label,
            })
            .collect();
        let fk = FkPicker {
            lookup: format!("{}/lookup?field={}", self.url(), s.col.name),
            target: target.options().singular,
            more,
        };
        Ok((choices, fk))
    }

    /// The extra fields (not columns), each in the fieldset it names.
    async fn add_extra_fields(
        &self,
        req: &Request<'_>,
        obj: Option<&E::Model>,
        typed: Option<&BTreeMap<String, String>>,
        errors: &FieldErrors,
        fieldsets: &mut [FieldsetView],
    ) {
        let extras = self.admin.extra_fields(req.user);
        if extras.is_empty() {
            return;
        }
        let stored = match obj {
            Some(m) => self.admin.extra_values(req.db, m).await,
            None => BTreeMap::new(),
        };
        for x in extras {
            let value = typed
                .and_then(|t| t.get(x.name).cloned())
                .or_else(|| stored.get(x.name).cloned())
                .unwrap_or_default();
            let id = format!("field-{}", x.name);
            let describedby = [
                errors.contains_key(x.name).then(|| format!("{id}-error")),
                x.help.map(|_| format!("{id}-help")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            let field = FormField {
                name: x.name,
                id,
                label: x.label.to_string(),
                widget: "text",
                value,
                checked: None,
                readonly: false,
                readonly_text: String::new(),
                required: false,
                maxlength: None,
                choices: Vec::new(),
                fk: None,
                help: x.help,
                error: errors.get(x.name).cloned(),
                describedby,
                preview: None,
                preview_url: None,
            };
            let at = fieldsets
                .iter()
                .position(|fs| fs.title == Some(x.fieldset))
                .unwrap_or(fieldsets.len().saturating_sub(1));
            if let Some(fs) = fieldsets.get_mut(at) {
                fs.fields.push(field);
            }
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the form is drawn from many independent parts"
    )]
    pub(super) async fn render_form(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        obj: Option<&E::Model>,
        typed: Option<&BTreeMap<String, String>>,
        errors: &FieldErrors,
        conflict: Option<ConflictView>,
        preview: Option<(String, String)>,
        lock_version: Option<i64>,
    ) -> Result<Response> {
        let o = self.admin.options();
        let user = req.user;
        let specs = self.field_specs(site, user, obj);
        let mut fields: BTreeMap<&str, FormField> = BTreeMap::new();
        for s in &specs {
            let field = self
                .form_field(req, s, obj, typed, errors, preview.as_ref())
                .await?;
            fields.insert(s.col.name, field);
        }
        let declared = self.admin.fieldsets(user, obj);
        let mut fieldsets: Vec<FieldsetView> = if declared.is_empty() {
            vec![FieldsetView {
                title: None,
                description: None,
                fields: specs
                    .iter()
                    .filter_map(|s| fields.get(s.col.name).cloned())
                    .collect(),
            }]
        } else {
            declared
                .iter()
                .map(|fs| FieldsetView {
                    title: Some(fs.title),
                    description: fs.description,
                    fields: fs
                        .fields
                        .iter()
                        .filter_map(|f| fields.get(f).cloned())
                        .collect(),
                })
                .filter(|fs| !fs.fields.is_empty())
                .collect()
        };
        self.add_extra_fields(req, obj, typed, errors, &mut fieldsets)
            .await;
        let (title, object) = match obj {
            Some(m) => {
                let id = self.id_of(m);
                let object = FormObject {
                    id,
                    label: self.label_of(m),
                    url: format!("{}/{id}", self.url()),
                    view_on_site: o.view_on_site.and_then(|f| f(m)),
                    banner: self.admin.banner(req.db, user, m).await,
                    notes: self.admin.field_notes(req.db, user, m).await,
                    panels: self.admin.panels(req.db, user, m).await,
                };
                (
                    format!("Change {} “{}”", o.singular, object.label),
                    Some(object),
                )
            }
            None => (format!("Add {}", o.singular), None),
        };
        let editable = obj.map_or_else(
            || self.may(user, Action::Add, None),
            |m| self.may(user, Action::Change, Some(m)),
        );
        let status = if conflict.is_some() {
            409
        } else if errors.is_empty() {
            200
        } else {
            422
        };
        let crumb = obj.map_or_else(|| format!("Add {}", o.singular), |m| self.label_of(m));
        let error_fields = errors
            .iter()
            .filter(|(k, _)| *k != "__all__")
            .map(|(k, message)| ErrorLink {
                id: format!("field-{k}"),
                label: self.label_for(k),
                message: message.clone(),
            })
            .collect();
        let view = FormPage {
            resource: self.base(site),
            breadcrumbs: self.crumbs(site, Some((crumb, None))),
            perms: self.perms(user, obj),
            action: object
                .as_ref()
                .map_or_else(|| format!("{}/add", self.url()), |ob| ob.url.clone()),
            object,
            adding: obj.is_none(),
            editable,
            fieldsets,
            errors: errors.len(),
            form_error: errors.get("__all__").cloned(),
            error_fields,
            lock_version,
            has_lock: lock_version.is_some(),
            conflict,
        };
        self.view("admin/engine/form.html", status, title, &view)
    }

    pub(super) async fn show_form(
        &self,
        site: &AdminSite,
        req: &Request<'_>,
        id: Option<i64>,
    ) -> Result<Response> {
        let obj = match id {
            Some(id) => match self.find(req.db, id).await? {
                Some(m) if self.may(req.user, Action::View, Some(&m)) => Some(m),
                Some(_) => {
                    return Ok(Response::Forbidden(format!(
                        "{}.view",
                        self.info.permission
                    )));
                }
                None => return Ok(Response::NotFound),
            },
            None => {
                if !self.may(req.user, Action::Add, None) {
                    return Ok(Response::Forbidden(format!("{}.add", self.info.permission)));
                }
                None
            }
        };
        let lock = obj.as_ref().and_then(|m| {
            self.lock_col()
                .map(|c| values::to_json(&m.get(c.col)).as_i64().unwrap_or(0))
        });
        self.render_form(
            site,
            req,
            obj.as_ref(),
            None,
            &FieldErrors::new(),
            None,
            None,
            lock,
        )
        .await
    }

    pub(super) async fn preview(&self, site: &AdminSite, req: &Request<'_>) -> Result<Response> {
        if !self.may(req.user, Action::Add, None) && !self.may(req.user, Action::Change, None) {
            return Ok(Response::Forbidden(format!(
                "{}.change",
                self.info.permission
            )));
        }
        let field = first(&req.form, "_preview").unwrap_or_default();
        let markdown = first(&req.form, field).unwrap_or_default();
        let html = (site.markdown)(markdown);
        self.view(
            "admin/engine/preview.html",
            200,
            String::new(),
            &PreviewPage { html, field },
        )
    }
}
