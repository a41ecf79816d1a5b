//! A Jobs-screen action and its audit entry, kept together: the entry is committed only
//! when the store action succeeded.
//!
//! The order is: open a write transaction, write the entries known beforehand, run the
//! store action, write the entries that depend on its result, commit; a failed action rolls
//! the transaction back. When the job store is the SQL store in the app's own SQLite
//! database, holding that transaction open across the action would block the store's own
//! write (SQLite has one writer), so there the action runs first and the entries are
//! written after it succeeded, in one transaction.
use std::future::Future;

use loco_rs::app::AppContext;

use crate::{
    auth::RequestMeta,
    errors::{AppError, AppResult},
    jobs::Jobs,
    models::audit,
};

/// What an action did, for its audit: `Some` keeps (and audits) it; `None` means there was
/// nothing to do (the job was gone), and nothing is audited.
pub(super) type Outcome<T> = Option<T>;

/// Runs `action` and audits it: `before` entries are written ahead of the action, `after`
/// builds the rest from its result.
///
/// # Errors
/// The action fails (nothing audited), or the audit cannot be written (on the shared-writer
/// SQLite path the action then stands unaudited, and the error says so).
pub(super) async fn audited<'a, T, Fut, After>(
    ctx: &AppContext,
    meta: &RequestMeta,
    before: Vec<audit::Entry<'a>>,
    action: Fut,
    after: After,
) -> AppResult<Outcome<T>>
where
    Fut: Future<Output = Result<Outcome<T>, copydesk_workers::Error>>,
    After: FnOnce(&T) -> Vec<audit::Entry<'a>>,
{
    if Jobs::get(ctx)?.shares_sqlite_writer {
        let Some(done) = action.await? else {
            return Ok(None);
        };
        let txn = crate::db::begin_write(&ctx.db).await?;
        for entry in before.into_iter().chain(after(&done)) {
            audit::record(&txn, meta, entry).await?;
        }
        txn.commit().await?;
        return Ok(Some(done));
    }
    let txn = crate::db::begin_write(&ctx.db).await?;
    for entry in before {
        audit::record(&txn, meta, entry).await?;
    }
    let done = match action.await {
        Ok(Some(done)) => done,
        Ok(None) => {
            txn.rollback().await?;
            return Ok(None);
        }
        Err(e) => {
            txn.rollback().await?;
            return Err(AppError::from(e));
        }
    };
    for entry in after(&done) {
        audit::record(&txn, meta, entry).await?;
    }
    txn.commit().await?;
    Ok(Some(done))
}

/// [`audited`] for an action that returns whether it found its job.
///
/// # Errors
/// As [`audited`].
pub(super) async fn audited_found<'a, Fut>(
    ctx: &AppContext,
    meta: &RequestMeta,
    entries: Vec<audit::Entry<'a>>,
    action: Fut,
) -> AppResult<bool>
where
    Fut: Future<Output = Result<bool, copydesk_workers::Error>>,
{
    let found = audited(
        ctx,
        meta,
        entries,
        async { Ok(action.await?.then_some(())) },
        |()| Vec::new(),
    )
    .await?;
    Ok(found.is_some())
}
