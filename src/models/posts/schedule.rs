//! Scheduled publishing and unpublishing, as the jobs run them: each function checks the
//! post is still due in the same UPDATE that changes it, so a job that runs twice, late or
//! after the post was rescheduled does nothing more. What went late or is overdue is kept
//! (the audit entry says how late) and listed for the dashboard, never silent.
use chrono::{DateTime, Duration, FixedOffset};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use super::{Column, Entity, Model, PostState};
use crate::models::{_entities::audit_log, audit, mail, notifications, now};

/// A publish more than this late is reported as late.
pub const LATE_AFTER_SECS: i64 = 120;

/// Scheduled posts whose time has come, oldest first.
///
/// # Errors
/// When the database cannot be queried.
pub async fn due_posts<C: ConnectionTrait>(db: &C) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::State.eq(PostState::Scheduled.as_str()))
        .filter(Column::ScheduledAt.lte(now()))
        .order_by_asc(Column::ScheduledAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Published posts whose time to come down has come, oldest first.
///
/// # Errors
/// When the database cannot be queried.
pub async fn due_unpublish<C: ConnectionTrait>(db: &C) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::State.eq(PostState::Published.as_str()))
        .filter(Column::UnpublishAt.lte(now()))
        .order_by_asc(Column::UnpublishAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Posts whose publish or unpublish is more than [`LATE_AFTER_SECS`] overdue: the worker
/// is down or their job failed. At most `limit`.
///
/// # Errors
/// When the database cannot be queried.
pub async fn overdue<C: ConnectionTrait>(db: &C, limit: u64) -> Result<Vec<Model>, DbErr> {
    let cutoff = now() - Duration::seconds(LATE_AFTER_SECS);
    Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(
                    Column::State
                        .eq(PostState::Scheduled.as_str())
                        .and(Column::ScheduledAt.lte(cutoff)),
                )
                .add(
                    Column::State
                        .eq(PostState::Published.as_str())
                        .and(Column::UnpublishAt.lte(cutoff)),
                ),
        )
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

fn seconds_late(due: Option<DateTime<FixedOffset>>) -> i64 {
    due.map_or(0, |d| std::cmp::Ord::max((now() - d).num_seconds(), 0))
}

/// Publishes post `id` if it is scheduled and its time has come, dated at its scheduled
/// time, with an audit row that says how late it went and the author's notice, in one
/// transaction. Returns the notice's messages when it published it (hand them to
/// [`crate::models::mail::dispatch_all`]), `None` when not: a post already published, gone,
/// moved out of `scheduled` or rescheduled to later is left as it is, so running this twice
/// is harmless and mails nobody twice.
///
/// # Errors
/// When the database cannot be queried or written.
pub async fn publish_scheduled<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<Vec<mail::Model>>, DbErr> {
    // Write first: on SQLite a transaction that reads and then writes cannot take the write
    // lock once another publish has written meanwhile.
    let txn = crate::db::begin_write(db).await?;
    let res = Entity::update_many()
        .col_expr(Column::State, Expr::value(PostState::Published.as_str()))
        .col_expr(Column::PublishedAt, Expr::col(Column::ScheduledAt))
        .col_expr(Column::UpdatedAt, Expr::value(now()))
        .col_expr(Column::LockVersion, Expr::col(Column::LockVersion).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(PostState::Scheduled.as_str()))
        .filter(Column::ScheduledAt.lte(now()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Ok(None);
    }
    let Some(post) = Entity::find_by_id(id).one(&txn).await? else {
        return Ok(None);
    };
    let published_at = post.published_at;
    audit::record(
        &txn,
        &crate::auth::RequestMeta::system("scheduled publishing"),
        audit::post_published_on_schedule(
            audit::Who::system("scheduled publishing"),
            id,
            json!({"state": "scheduled", "published_at": null, "late_seconds": null}),
            json!({"state": "published", "published_at": published_at, "late_seconds": seconds_late(published_at)}),
        ),
    )
    .await?;
    let notice = notifications::Notice {
        kind: notifications::Kind::Published,
        post: &post,
        by: "Scheduled publishing".into(),
        by_id: None,
        note: "",
        stage: None,
        at: None,
        site_tz: chrono_tz::UTC,
    };
    let queued = notifications::queue(&txn, &notice).await?;
    txn.commit().await?;
    Ok(Some(queued))
}

/// Takes post `id` down if it is published and its `unpublish_at` has come: it goes back
/// to `approved` (ready to publish again), audited as `post.unpublish_scheduled` with how
/// late that was. Returns whether it did; running it twice is harmless.
///
/// # Errors
/// When the database cannot be queried or written.
pub async fn unpublish_scheduled<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<bool, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let Some(before) = Entity::find_by_id(id).one(&txn).await? else {
        return Ok(false);
    };
    let res = Entity::update_many()
        .col_expr(Column::State, Expr::value(PostState::Approved.as_str()))
        .col_expr(
            Column::UnpublishAt,
            Expr::value(Option::<DateTime<FixedOffset>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now()))
        .col_expr(Column::LockVersion, Expr::col(Column::LockVersion).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(PostState::Published.as_str()))
        .filter(Column::UnpublishAt.lte(now()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Ok(false);
    }
    audit::record(
        &txn,
        &crate::auth::RequestMeta::system("scheduled unpublishing"),
        audit::of(
            audit::Action::PostUnpublishScheduled,
            audit::Who::system("scheduled unpublishing"),
            id,
            Some(json!({"state": "published", "unpublish_at": before.unpublish_at, "late_seconds": null})),
            Some(json!({"state": "approved", "unpublish_at": null, "late_seconds": seconds_late(before.unpublish_at)})),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Publishes every scheduled post whose time has come ([`publish_scheduled`] for each of
/// [`due_posts`]) and takes down every post due to come down. Returns how many it changed.
///
/// # Errors
/// When the database cannot be queried or written.
pub async fn publish_due<C: TransactionTrait + ConnectionTrait>(db: &C) -> Result<usize, DbErr> {
    let mut changed = 0;
    for post in due_posts(db).await? {
        // Its notice waits in the outbox for the sweep: this runs without the job runtime.
        if publish_scheduled(db, post.id).await?.is_some() {
            changed += 1;
        }
    }
    for post in due_unpublish(db).await? {
        if unpublish_scheduled(db, post.id).await? {
            changed += 1;
        }
    }
    Ok(changed)
}

/// A scheduled publish or unpublish that happened late.
#[derive(Debug, Clone)]
pub struct Late {
    pub post_id: i32,
    /// `post.publish_scheduled` or `post.unpublish_scheduled`.
    pub action: String,
    pub at: DateTime<FixedOffset>,
    pub seconds: i64,
}

/// Scheduled publishes and unpublishes of the last `days` days that went more than
/// [`LATE_AFTER_SECS`] late, newest first, at most `limit`; for one post when `post` is
/// given.
///
/// # Errors
/// When the database cannot be queried.
pub async fn late_publishes<C: ConnectionTrait>(
    db: &C,
    post: Option<i32>,
    days: i64,
    limit: u64,
) -> Result<Vec<Late>, DbErr> {
    let mut q = audit_log::Entity::find()
        .filter(audit_log::Column::Action.is_in([
            audit::Action::PostPublishScheduled.as_str(),
            audit::Action::PostUnpublishScheduled.as_str(),
        ]))
        .filter(audit_log::Column::CreatedAt.gte(now() - Duration::days(days)));
    if let Some(id) = post {
        q = q
            .filter(audit_log::Column::TargetType.eq("post"))
            .filter(audit_log::Column::TargetId.eq(id.to_string()));
    }
    // Late ones are few; read a bounded window and keep those.
    let rows = q
        .order_by_desc(audit_log::Column::Id)
        .limit(limit.saturating_mul(20))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let changes: serde_json::Value = serde_json::from_str(&r.changes).ok()?;
            let seconds = changes.get("late_seconds")?.get(1)?.as_i64()?;
            let post_id = r.target_id.parse().ok()?;
            (seconds > LATE_AFTER_SECS).then_some(Late {
                post_id,
                action: r.action,
                at: r.created_at,
                seconds,
            })
        })
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect())
}
