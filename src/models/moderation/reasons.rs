//! Reason presets: the labels a moderator picks from on a decision or sanction form (the
//! label is what the decision or sanction stores as its reason), each with a longer text
//! saying what it covers. Moderators keep their own presets (`moderate`); each change is
//! audited in its transaction.
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};
use serde::Deserialize;

pub use crate::models::_entities::mod_reasons::{self as entity, Model as Preset};
use crate::{
    auth::{Actor, Capability, RequestMeta},
    models::{WriteError, audit, now},
};

string_enum! {
    /// Which form offers a preset.
    pub enum Applies {
        Decision => "decision",
        Sanction => "sanction",
        Any => "any",
    }
}

/// The longest label (it is stored as a decision's or sanction's reason, which keeps 120).
pub const MAX_LABEL: usize = 120;
/// The longest explanation.
pub const MAX_TEXT: usize = 2000;

/// The active presets a form offers: those for `form` and those for any form (for
/// [`Applies::Any`], every active one), by position, then label.
///
/// # Errors
/// Database errors.
pub async fn list<C: ConnectionTrait>(db: &C, form: Applies) -> Result<Vec<Preset>, DbErr> {
    let mut q = entity::Entity::find().filter(entity::Column::Active.eq(true));
    if form != Applies::Any {
        q = q.filter(entity::Column::Applies.is_in([form.as_str(), Applies::Any.as_str()]));
    }
    q.order_by_asc(entity::Column::Position)
        .order_by_asc(entity::Column::Label)
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await
}

/// A preset as a form sends it.
#[derive(Debug, Clone, Deserialize)]
pub struct ReasonForm {
    /// `decision`, `sanction` or `any`.
    #[serde(default)]
    pub applies: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub position: i32,
    /// Whether forms offer it (an inactive preset is kept, not offered).
    #[serde(default = "yes")]
    pub active: bool,
}

const fn yes() -> bool {
    true
}

impl Default for ReasonForm {
    fn default() -> Self {
        Self {
            applies: Applies::Any.as_str().into(),
            label: String::new(),
            text: String::new(),
            position: 0,
            active: true,
        }
    }
}

impl ReasonForm {
    /// The form checked: its kind, label and text as they will be stored.
    fn check(&self) -> Result<(Applies, &str, &str), WriteError> {
        let applies = Applies::parse(self.applies.trim())
            .ok_or_else(|| WriteError::field("applies", "Choose decision, sanction or any."))?;
        let label = self.label.trim();
        let text = self.text.trim();
        for (field, value) in [("label", label), ("text", text)] {
            if value.contains('\0') {
                return Err(WriteError::field(
                    field,
                    "Remove the invisible control character (a NUL byte).",
                ));
            }
        }
        let n = label.chars().count();
        if n == 0 || n > MAX_LABEL {
            return Err(WriteError::field(
                "label",
                format!("Enter a label of 1 to {MAX_LABEL} characters."),
            ));
        }
        if text.chars().count() > MAX_TEXT {
            return Err(WriteError::field("text", "Keep it under 2,000 characters."));
        }
        Ok((applies, label, text))
    }
}

fn audit_view(p: &Preset) -> serde_json::Value {
    serde_json::json!({
        "applies": p.applies,
        "label": p.label,
        "text": p.text,
        "position": p.position,
        "active": p.active,
    })
}

/// Adds a preset for `by` (`moderate`). Audited as `moderation.reason_add`.
///
/// # Errors
/// [`WriteError::Field`], [`WriteError::Auth`], or a database error.
pub async fn add<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    form: &ReasonForm,
) -> Result<Preset, WriteError> {
    by.require(Capability::MODERATE)?;
    let (applies, label, text) = form.check()?;
    let txn = crate::db::begin_write(db).await?;
    let at = now();
    let preset = entity::ActiveModel {
        applies: Set(applies.as_str().to_string()),
        label: Set(label.to_string()),
        text: Set(text.to_string()),
        position: Set(form.position),
        active: Set(form.active),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        meta,
        audit::mod_reason_added(by, preset.id, audit_view(&preset)),
    )
    .await?;
    txn.commit().await?;
    Ok(preset)
}

/// Changes preset `id` for `by` (`moderate`). Decisions and sanctions keep the label they
/// were given; only later forms see the change. Audited as `moderation.reason_change`.
///
/// # Errors
/// [`WriteError::Field`], [`WriteError::Auth`], [`WriteError::NotFound`], or a database
/// error.
pub async fn update<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
    form: &ReasonForm,
) -> Result<Preset, WriteError> {
    by.require(Capability::MODERATE)?;
    let (applies, label, text) = form.check()?;
    let txn = crate::db::begin_write(db).await?;
    let current = crate::models::write::found::<entity::Entity, _>(&txn, id).await?;
    let mut row: entity::ActiveModel = current.clone().into();
    row.applies = Set(applies.as_str().to_string());
    row.label = Set(label.to_string());
    row.text = Set(text.to_string());
    row.position = Set(form.position);
    row.active = Set(form.active);
    row.updated_at = Set(now());
    let saved = row.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        audit::mod_reason_changed(by, id, audit_view(&current), audit_view(&saved)),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes preset `id` for `by` (`moderate`); what was decided with it keeps its label.
/// Audited as `moderation.reason_delete`.
///
/// # Errors
/// [`WriteError::Auth`], [`WriteError::NotFound`], or a database error.
pub async fn delete<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
) -> Result<(), WriteError> {
    by.require(Capability::MODERATE)?;
    crate::models::write::delete_audited::<entity::Entity, _>(
        db,
        meta,
        id,
        |_| Ok(()),
        |p| audit::mod_reason_deleted(by, id, audit_view(p)),
    )
    .await
}
