//! Claims are leases: a moderator claims a case with the version they saw, so of two
//! claiming at once exactly one wins; others see who holds it; a claim lapses after a quiet
//! period (`moderation.claim_minutes`) and is released when the case is decided. A case can
//! be assigned to a named colleague, who then holds it and is told by mail.
use chrono::Duration;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use super::{Case, cases, log};
use crate::{
    auth::{Actor, Capability, RequestMeta},
    models::{WriteError, mail, now, users},
    settings::Moderation,
};

/// Whether `case` is held by someone now (a claim that has not lapsed).
#[must_use]
pub fn holder(case: &Case) -> Option<i32> {
    match (case.claimed_by_id, case.claim_expires_at) {
        (Some(by), Some(until)) if until > now() => Some(by),
        _ => None,
    }
}

/// Refuses when someone other than `by` holds `case`, naming them.
///
/// # Errors
/// [`WriteError::Field`] (`__all__`) saying who holds it and until when.
pub(crate) async fn not_held_by_other<C: ConnectionTrait>(
    db: &C,
    by: &Actor,
    case: &Case,
) -> Result<(), WriteError> {
    match holder(case) {
        Some(id) if id != by.user.id => {
            let name = users::display_names(db, [id])
                .await?
                .remove(&id)
                .unwrap_or_else(|| format!("person #{id}"));
            Err(WriteError::field(
                "__all__",
                format!(
                    "{name} has claimed this case (until {} UTC). Ask them, or wait for the claim to lapse.",
                    case.claim_expires_at
                        .map(|t| t.format("%H:%M").to_string())
                        .unwrap_or_default()
                ),
            ))
        }
        _ => Ok(()),
    }
}

async fn found<C: ConnectionTrait>(db: &C, id: i32) -> Result<Case, WriteError> {
    cases::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(WriteError::NotFound)
}

/// Claims case `id` for `by` (`moderate`), if it is still at `seen_version` and nobody else
/// holds it; renews `by`'s own claim. One conditional update decides, so of two claims at
/// once exactly one wins.
///
/// # Errors
/// [`WriteError::Stale`] when the case changed since it was seen, [`WriteError::Field`] when
/// someone else holds it, [`WriteError::Auth`], [`WriteError::NotFound`], or a database error.
pub async fn claim<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    settings: &Moderation,
    id: i32,
    seen_version: i32,
) -> Result<Case, WriteError> {
    by.require(Capability::MODERATE)?;
    let txn = crate::db::begin_write(db).await?;
    let at = now();
    let until = at + Duration::minutes(settings.claim_minutes);
    let won = cases::Entity::update_many()
        .col_expr(cases::Column::ClaimedById, Expr::value(by.user.id))
        .col_expr(cases::Column::ClaimExpiresAt, Expr::value(until))
        .col_expr(cases::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            cases::Column::LockVersion,
            Expr::col(cases::Column::LockVersion).add(1),
        )
        .filter(cases::Column::Id.eq(id))
        .filter(cases::Column::LockVersion.eq(seen_version))
        .filter(
            Condition::any()
                .add(cases::Column::ClaimedById.is_null())
                .add(cases::Column::ClaimedById.eq(by.user.id))
                .add(cases::Column::ClaimExpiresAt.lt(at)),
        )
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    let case = found(&txn, id).await?;
    if !won {
        not_held_by_other(&txn, by, &case).await?;
        return Err(WriteError::Stale {
            current: case.lock_version,
        });
    }
    log::write(&txn, meta, Some(by), "", log::Entry::claimed(&case)).await?;
    txn.commit().await?;
    Ok(case)
}

/// Lets go of `by`'s claim on case `id` (an admin may release anyone's).
///
/// # Errors
/// [`WriteError::Field`] when someone else holds it, [`WriteError::Auth`],
/// [`WriteError::NotFound`], or a database error.
pub async fn release<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
) -> Result<Case, WriteError> {
    by.require(Capability::MODERATE)?;
    let txn = crate::db::begin_write(db).await?;
    let case = found(&txn, id).await?;
    if by.role() != users::Role::Admin {
        not_held_by_other(&txn, by, &case).await?;
    }
    if case.claimed_by_id.is_none() {
        return Ok(case);
    }
    let case = set_claim(&txn, case, None, None).await?;
    log::write(&txn, meta, Some(by), "", log::Entry::released(&case)).await?;
    txn.commit().await?;
    Ok(case)
}

/// Writes a case's claim (and bumps its version).
pub(crate) async fn set_claim<C: ConnectionTrait>(
    txn: &C,
    case: Case,
    to: Option<i32>,
    until: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> Result<Case, WriteError> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let version = case.lock_version;
    let mut row: cases::ActiveModel = case.into();
    row.claimed_by_id = Set(to);
    row.claim_expires_at = Set(until);
    row.updated_at = Set(now());
    row.lock_version = Set(version + 1);
    Ok(row.update(txn).await?)
}

/// Gives case `id` to colleague `to_id`, who must be an active person who moderates: they
/// hold its claim from now, and are told by mail (returned for dispatch after the commit).
/// Assigning needs `moderate`, and the case must not be held by someone else.
///
/// # Errors
/// [`WriteError::Field`] (`assign_to`) for someone who cannot take it,
/// [`WriteError::Auth`], [`WriteError::NotFound`], or a database error.
pub async fn assign<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    settings: &Moderation,
    id: i32,
    to_id: i32,
) -> Result<(Case, Vec<mail::Model>), WriteError> {
    by.require(Capability::MODERATE)?;
    let txn = crate::db::begin_write(db).await?;
    let case = found(&txn, id).await?;
    not_held_by_other(&txn, by, &case).await?;
    let to = users::Entity::find_by_id(to_id)
        .one(&txn)
        .await?
        .filter(|u| {
            u.status == users::UserStatus::Active.as_str()
                && crate::auth::permissions::grant(u.role(), Capability::MODERATE).is_some()
        })
        .ok_or_else(|| {
            WriteError::field("assign_to", "Choose an active colleague who moderates.")
        })?;
    let until = now() + Duration::minutes(std::cmp::max(settings.claim_minutes, 60 * 24));
    let version = case.lock_version;
    let mut row: cases::ActiveModel = case.into();
    {
        use sea_orm::ActiveValue::Set;
        row.assigned_to_id = Set(Some(to.id));
        row.claimed_by_id = Set(Some(to.id));
        row.claim_expires_at = Set(Some(until));
        row.updated_at = Set(now());
        row.lock_version = Set(version + 1);
    }
    let case = sea_orm::ActiveModelTrait::update(row, &txn).await?;
    log::write(
        &txn,
        meta,
        Some(by),
        "",
        log::Entry::assigned(&case, to.id, &to.display_name),
    )
    .await?;
    let mut mail = Vec::new();
    if to.id != by.user.id {
        mail.push(
            super::notice(
                &txn,
                &to,
                &format!(
                    "{} gave you moderation case #{}",
                    by.user.display_name, case.id
                ),
                &format!(
                    "{} assigned case #{} ({} {}) to you. You hold its claim for a day.",
                    by.user.display_name, case.id, case.target_type, case.target_id
                ),
                "",
                &format!("/admin/moderation/cases/{}", case.id),
                "Open the case",
            )
            .await?,
        );
    }
    txn.commit().await?;
    Ok((case, mail))
}
