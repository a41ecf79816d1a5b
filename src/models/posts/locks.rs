//! The editing lock (as Payload has it): opening a post's change page takes the post's lock,
//! so others see "Ines Okafor is editing since 10:32"; the page renews it while it is open
//! and gives it back on save or when the person leaves; a lock nobody renewed for
//! `editorial.lock_quiet_minutes` is free. An editor may take it over, and the first person
//! is told on their next look. The lock only informs: the post's version check still refuses
//! a save made over a newer one.
use chrono::{DateTime, Duration, FixedOffset};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait, sea_query::OnConflict,
};
use serde_json::json;

pub use crate::models::_entities::post_locks::{ActiveModel, Column, Entity, Model};
use crate::{
    actor::{Actor, RequestMeta},
    auth::{AuthError, Capability, permissions::Grant},
    models::{WriteError, audit, now},
};

impl sea_orm::ActiveModelBehavior for ActiveModel {}

/// Who holds a post's lock, as one person sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// They do, since then.
    Mine { since: DateTime<FixedOffset> },
    /// Someone else does; `took_it_from_you` when they took it over from this person.
    Other {
        user_id: i32,
        since: DateTime<FixedOffset>,
        took_it_from_you: Option<DateTime<FixedOffset>>,
    },
}

/// Takes or renews post `post_id`'s lock for `by` (someone who may change it): theirs when
/// nobody holds it, they hold it already, or its holder went quiet for `quiet_minutes`;
/// otherwise says who holds it. Two people opening the post at once cannot both get it.
///
/// # Errors
/// [`WriteError::Auth`] for someone who may not change the post, [`WriteError::NotFound`],
/// or a database error.
pub async fn open<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    post_id: i32,
    quiet_minutes: i64,
) -> Result<Standing, WriteError> {
    let txn = crate::db::begin_write(db).await?;
    let post = crate::models::write::found::<super::Entity, _>(&txn, post_id).await?;
    by.require_for(Capability::POSTS_CHANGE, post.author_id)?;
    let at = now();
    let cutoff = at - Duration::minutes(quiet_minutes);
    // Renew my own, or take one whose holder went quiet — one UPDATE, so two cannot both.
    Entity::update_many()
        .col_expr(Column::SeenAt, sea_orm::sea_query::Expr::value(at))
        .filter(Column::PostId.eq(post_id))
        .filter(Column::UserId.eq(by.user.id))
        .exec(&txn)
        .await?;
    Entity::update_many()
        .col_expr(Column::UserId, sea_orm::sea_query::Expr::value(by.user.id))
        .col_expr(Column::Since, sea_orm::sea_query::Expr::value(at))
        .col_expr(Column::SeenAt, sea_orm::sea_query::Expr::value(at))
        .col_expr(
            Column::TakenFromId,
            sea_orm::sea_query::Expr::value(Option::<i32>::None),
        )
        .col_expr(
            Column::TakenAt,
            sea_orm::sea_query::Expr::value(Option::<DateTime<FixedOffset>>::None),
        )
        .filter(Column::PostId.eq(post_id))
        .filter(Column::UserId.ne(by.user.id))
        .filter(Column::SeenAt.lt(cutoff))
        .exec(&txn)
        .await?;
    Entity::insert(ActiveModel {
        post_id: Set(post_id),
        user_id: Set(by.user.id),
        since: Set(at),
        seen_at: Set(at),
        taken_from_id: Set(None),
        taken_at: Set(None),
    })
    .on_conflict(OnConflict::column(Column::PostId).do_nothing().to_owned())
    .exec_without_returning(&txn)
    .await?;
    let lock = Entity::find_by_id(post_id)
        .one(&txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    txn.commit().await?;
    Ok(standing_of(&lock, by))
}

fn standing_of(lock: &Model, by: &Actor) -> Standing {
    if lock.user_id == by.user.id {
        Standing::Mine { since: lock.since }
    } else {
        Standing::Other {
            user_id: lock.user_id,
            since: lock.since,
            took_it_from_you: lock
                .taken_at
                .filter(|_| lock.taken_from_id == Some(by.user.id)),
        }
    }
}

/// Gives post `post_id`'s lock back, if `by` holds it (on save, or leaving the page).
///
/// # Errors
/// Database errors.
pub async fn release<C: ConnectionTrait>(
    db: &C,
    by: &Actor,
    post_id: i32,
) -> Result<(), WriteError> {
    Entity::delete_many()
        .filter(Column::PostId.eq(post_id))
        .filter(Column::UserId.eq(by.user.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes post `post_id`'s lock from whoever holds it, for `by` — an editor or admin (who may
/// change every post). The one who had it is told on their next look. Audited as
/// `post.lock_take_over`.
///
/// # Errors
/// [`WriteError::Auth`] for anyone else, [`WriteError::Field`] when nobody else holds it,
/// [`WriteError::NotFound`], or a database error.
pub async fn take_over<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    post_id: i32,
) -> Result<Model, WriteError> {
    if by.grant(Capability::POSTS_CHANGE) != Some(Grant::All) {
        return Err(WriteError::Auth(AuthError::Forbidden("take over editing")));
    }
    let txn = crate::db::begin_write(db).await?;
    crate::models::write::found::<super::Entity, _>(&txn, post_id).await?;
    let Some(lock) = Entity::find_by_id(post_id).one(&txn).await? else {
        return Err(WriteError::field(
            "__all__",
            "Nobody is editing this post now.",
        ));
    };
    if lock.user_id == by.user.id {
        return Err(WriteError::field(
            "__all__",
            "You are editing this post already.",
        ));
    }
    let at = now();
    let res = Entity::update_many()
        .col_expr(Column::UserId, sea_orm::sea_query::Expr::value(by.user.id))
        .col_expr(Column::Since, sea_orm::sea_query::Expr::value(at))
        .col_expr(Column::SeenAt, sea_orm::sea_query::Expr::value(at))
        .col_expr(
            Column::TakenFromId,
            sea_orm::sea_query::Expr::value(lock.user_id),
        )
        .col_expr(Column::TakenAt, sea_orm::sea_query::Expr::value(at))
        .filter(Column::PostId.eq(post_id))
        .filter(Column::UserId.eq(lock.user_id))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(WriteError::Stale { current: 0 });
    }
    audit::record(
        &txn,
        meta,
        audit::of(
            audit::Action::PostLockTakeOver,
            by,
            post_id,
            Some(json!({"editing": lock.user_id, "since": lock.since})),
            Some(json!({"editing": by.user.id, "since": at})),
        ),
    )
    .await?;
    let saved = Entity::find_by_id(post_id)
        .one(&txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    txn.commit().await?;
    Ok(saved)
}

/// What the change page of a post tells `by` about editing it: the lock (taken or renewed
/// now), their autosave if it holds text the post does not, and the names it mentions.
#[derive(Debug, Clone)]
pub struct Look {
    pub standing: Standing,
    pub autosave: Option<super::autosaves::Model>,
    pub names: std::collections::HashMap<i32, String>,
    /// The post's version now.
    pub lock_version: i32,
    /// `by` may take the lock over (an editor or admin).
    pub may_take_over: bool,
}

/// Opens post `post` for editing by `by` ([`open`]) and gathers what the page says about it;
/// nothing for someone who may not change the post.
///
/// # Errors
/// Database errors.
pub async fn look<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    by: &Actor,
    post: &super::Model,
    quiet_minutes: i64,
) -> Result<Option<Look>, WriteError> {
    let standing = match open(db, by, post.id, quiet_minutes).await {
        Ok(s) => s,
        Err(WriteError::Auth(_) | WriteError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let autosave = super::autosaves::offered(db, by, post).await?;
    let ids: Vec<i32> = match &standing {
        Standing::Other { user_id, .. } => vec![*user_id],
        Standing::Mine { .. } => Vec::new(),
    };
    let names = crate::models::users::display_names(db, ids).await?;
    Ok(Some(Look {
        standing,
        autosave,
        names,
        lock_version: post.lock_version,
        may_take_over: by.grant(Capability::POSTS_CHANGE) == Some(Grant::All),
    }))
}
