//! Reading and acting on the SQL store, as Sidekiq's API and Web UI do on Redis.

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, TransactionTrait};

use super::{SqlStore, entries, placeholders, schema::state, set_state};
use crate::{
    error::Result,
    status::{JobStatus, STATUS_TTL_SECS},
    store::{
        Counters, Inspect, PROCESS_TTL_SECS, ProcessRecord, QueueRecord, SetEntry, Signal,
        SortedSet, WorkRecord,
    },
};

#[async_trait]
impl Inspect for SqlStore {
    async fn signal(&self, identity: &str, signal: Signal) -> Result<()> {
        self.db
            .execute_raw(self.st(
                "INSERT INTO worker_signals (identity, signal) VALUES ($1, $2)",
                vec![identity.into(), signal.name().into()],
            ))
            .await?;
        Ok(())
    }

    async fn counters(&self, dates: &[String]) -> Result<Counters> {
        let mut names = vec!["processed".to_string(), "failed".to_string()];
        for stat in ["processed", "failed"] {
            names.extend(dates.iter().map(|d| format!("{stat}:{d}")));
        }
        let sql = format!(
            "SELECT name, value FROM worker_stats WHERE name IN ({})",
            placeholders(1, names.len())
        );
        let rows = self
            .rows(&sql, names.iter().map(|n| n.clone().into()).collect())
            .await?;
        let mut found = std::collections::HashMap::new();
        for row in rows {
            let name: String = row.try_get_by_index(0)?;
            let value: i64 = row.try_get_by_index(1)?;
            found.insert(name, value.max(0) as u64);
        }
        let get = |name: &str| found.get(name).copied().unwrap_or(0);
        let daily = |stat: &str| dates.iter().map(|d| get(&format!("{stat}:{d}"))).collect();
        Ok(Counters {
            processed: get("processed"),
            failed: get("failed"),
            processed_daily: daily("processed"),
            failed_daily: daily("failed"),
        })
    }

    async fn queues(&self) -> Result<Vec<QueueRecord>> {
        let rows = self
            .rows(
                "SELECT q.name, (SELECT COUNT(*) FROM worker_jobs j WHERE j.state = $1 AND \
                 j.queue = q.name), (SELECT j.payload FROM worker_jobs j WHERE j.state = $1 AND \
                 j.queue = q.name ORDER BY j.score, j.id LIMIT 1) FROM worker_queues q ORDER BY \
                 q.name",
                vec![state::QUEUED.into()],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let size: i64 = row.try_get_by_index(1)?;
            out.push(QueueRecord {
                name: row.try_get_by_index(0)?,
                size: size as u64,
                oldest: row.try_get_by_index(2)?,
            });
        }
        Ok(out)
    }

    async fn queue_range(&self, queue: &str, start: u64, count: u64) -> Result<Vec<String>> {
        let rows = self
            .rows(
                "SELECT payload FROM worker_jobs WHERE state = $1 AND queue = $2 ORDER BY score, \
                 id LIMIT $3 OFFSET $4",
                vec![
                    state::QUEUED.into(),
                    queue.into(),
                    (count as i64).into(),
                    (start as i64).into(),
                ],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get_by_index(0))
            .collect::<Result<_, _>>()?)
    }

    async fn processes(&self, now: f64) -> Result<Vec<ProcessRecord>> {
        let rows = self
            .rows(
                "SELECT identity, info, busy, beat, quiet FROM worker_processes WHERE beat >= $1 \
                 ORDER BY identity",
                vec![(now - PROCESS_TTL_SECS as f64).into()],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let info: String = row.try_get_by_index(1)?;
            let busy: i64 = row.try_get_by_index(2)?;
            let quiet: i64 = row.try_get_by_index(4)?;
            out.push(ProcessRecord {
                identity: row.try_get_by_index(0)?,
                info: serde_json::from_str(&info).unwrap_or_default(),
                busy: busy.max(0) as u64,
                beat: row.try_get_by_index(3)?,
                quiet: quiet != 0,
            });
        }
        Ok(out)
    }

    async fn work(&self, now: f64) -> Result<Vec<WorkRecord>> {
        let rows = self
            .rows(
                "SELECT w.identity, w.tid, w.work FROM worker_work w JOIN worker_processes p ON \
                 p.identity = w.identity WHERE p.beat >= $1 ORDER BY w.identity, w.tid",
                vec![(now - PROCESS_TTL_SECS as f64).into()],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(WorkRecord {
                identity: row.try_get_by_index(0)?,
                tid: row.try_get_by_index(1)?,
                work: row.try_get_by_index(2)?,
            });
        }
        Ok(out)
    }

    async fn set_size(&self, set: SortedSet) -> Result<u64> {
        self.count(
            &self.db,
            "SELECT COUNT(*) FROM worker_jobs WHERE state = $1",
            vec![set_state(set).into()],
        )
        .await
    }

    async fn set_range(
        &self,
        set: SortedSet,
        start: u64,
        count: u64,
        descending: bool,
    ) -> Result<Vec<SetEntry>> {
        let order = if descending {
            "score DESC, id DESC"
        } else {
            "score, id"
        };
        let sql = format!(
            "SELECT id, score, payload FROM worker_jobs WHERE state = $1 ORDER BY {order} LIMIT \
             $2 OFFSET $3"
        );
        let rows = self
            .rows(
                &sql,
                vec![
                    set_state(set).into(),
                    (count as i64).into(),
                    (start as i64).into(),
                ],
            )
            .await?;
        entries(rows)
    }

    async fn take(&self, set: SortedSet, score: f64, jid: &str) -> Result<Option<String>> {
        let sql = format!(
            "DELETE FROM worker_jobs WHERE id = (SELECT id FROM worker_jobs WHERE state = $1 AND \
             jid = $2 AND score BETWEEN $3 AND $4 ORDER BY id LIMIT 1{}) RETURNING payload",
            self.skip_locked()
        );
        let row = self
            .db
            .query_one_raw(self.st(
                &sql,
                vec![
                    set_state(set).into(),
                    jid.into(),
                    (score - 1e-6).into(),
                    (score + 1e-6).into(),
                ],
            ))
            .await?;
        Ok(row.map(|r| r.try_get_by_index(0)).transpose()?)
    }

    async fn clear_set(&self, set: SortedSet) -> Result<u64> {
        let done = self
            .db
            .execute_raw(self.st(
                "DELETE FROM worker_jobs WHERE state = $1",
                vec![set_state(set).into()],
            ))
            .await?;
        Ok(done.rows_affected())
    }

    async fn clear_queue(&self, queue: &str) -> Result<u64> {
        let txn = self.db.begin().await?;
        let done = txn
            .execute_raw(self.st(
                "DELETE FROM worker_jobs WHERE state = $1 AND queue = $2",
                vec![state::QUEUED.into(), queue.into()],
            ))
            .await?;
        txn.execute_raw(self.st(
            "DELETE FROM worker_queues WHERE name = $1",
            vec![queue.into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(done.rows_affected())
    }

    async fn take_from_queue(&self, queue: &str, jid: &str) -> Result<Option<String>> {
        let sql = format!(
            "DELETE FROM worker_jobs WHERE id = (SELECT id FROM worker_jobs WHERE state = $1 AND \
             queue = $2 AND jid = $3 ORDER BY id LIMIT 1{}) RETURNING payload",
            self.skip_locked()
        );
        let row = self
            .db
            .query_one_raw(self.st(&sql, vec![state::QUEUED.into(), queue.into(), jid.into()]))
            .await?;
        Ok(row.map(|r| r.try_get_by_index(0)).transpose()?)
    }

    async fn put_status(&self, status: &JobStatus) -> Result<()> {
        let txn = self.db.begin().await?;
        txn.execute_raw(self.st(
            "INSERT INTO worker_status (jid, record, data, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (jid) DO UPDATE SET record = excluded.record, data = excluded.data, \
             updated_at = excluded.updated_at",
            vec![
                status.jid.clone().into(),
                status.record.clone().into(),
                serde_json::to_string(status)?.into(),
                status.updated_at.into(),
            ],
        ))
        .await?;
        txn.execute_raw(self.st(
            "DELETE FROM worker_status WHERE updated_at < $1",
            vec![(status.updated_at - STATUS_TTL_SECS as f64).into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(())
    }

    async fn statuses(&self, record: &str, limit: u64) -> Result<Vec<JobStatus>> {
        let rows = self
            .rows(
                "SELECT data FROM worker_status WHERE record = $1 ORDER BY updated_at DESC LIMIT $2",
                vec![record.into(), (limit as i64).into()],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let data: String = row.try_get_by_index(0)?;
            if let Ok(status) = serde_json::from_str(&data) {
                out.push(status);
            }
        }
        Ok(out)
    }
}
