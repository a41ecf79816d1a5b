//! The SQL store: Sidekiq's data model in tables, through SeaORM (SQLite or PostgreSQL).

mod inspect;
mod schema;

use async_trait::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, TransactionTrait, Value,
};

use schema::state;
pub use schema::{TABLES, create_tables, drop_tables};

use super::{
    Completion, DEAD_MAX_JOBS, DEAD_TIMEOUT_SECS, Fetched, Fetcher, Heartbeat, Move, Outcome,
    PROCESS_TTL_SECS, SetEntry, Signal, SortedSet, Store,
};
use crate::{clock::utc_date, error::Result, payload::Payload};

/// Rows per multi-row INSERT: 4 parameters each, far below SQLite's and PostgreSQL's limits.
const INSERT_CHUNK: usize = 500;

/// Jobs in SQL tables (see [`create_tables`]). On PostgreSQL, fetches and the scheduled
/// poller lock rows with `FOR UPDATE SKIP LOCKED`, so any number of worker processes share
/// the tables; on SQLite the database serialises writers.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: DatabaseConnection,
    backend: DbBackend,
}

fn set_state(set: SortedSet) -> i64 {
    match set {
        SortedSet::Schedule => state::SCHEDULE,
        SortedSet::Retry => state::RETRY,
        SortedSet::Dead => state::DEAD,
    }
}

/// `$1, $2, ...` from `first` on.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn jid_and_time(raw: &str) -> (String, Option<f64>) {
    Payload::parse(raw).map_or((String::new(), None), |p| {
        (p.jid().to_string(), p.enqueued_at())
    })
}

impl SqlStore {
    /// A store on an open connection whose tables exist.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        let backend = db.get_database_backend();
        Self { db, backend }
    }

    fn st(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, values)
    }

    fn skip_locked(&self) -> &'static str {
        if self.backend == DbBackend::Postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        }
    }

    /// On PostgreSQL, let this transaction commit without waiting for its WAL flush.
    ///
    /// Used only for fetches and acknowledgements, whose loss in a server crash is
    /// harmless: a lost fetch leaves the job queued, a lost acknowledgement leaves it in
    /// progress under its owner, and orphan recovery runs it again (at least once, as with
    /// every crash). Enqueues, retries written by the API, and stats stay synchronous.
    async fn relax_commit<C: ConnectionTrait>(&self, conn: &C) -> Result<()> {
        if self.backend == DbBackend::Postgres {
            conn.execute_unprepared("SET LOCAL synchronous_commit TO OFF")
                .await?;
        }
        Ok(())
    }

    /// Insert jobs in one state, chunked multi-row INSERTs on `conn`.
    async fn insert<C: ConnectionTrait>(
        &self,
        conn: &C,
        state: i64,
        rows: &[(String, String, f64, String)],
    ) -> Result<()> {
        for chunk in rows.chunks(INSERT_CHUNK) {
            let mut values = Vec::with_capacity(chunk.len() * 4 + 1);
            values.push(state.into());
            let tuples: Vec<String> = chunk
                .iter()
                .enumerate()
                .map(|(i, (queue, jid, score, payload))| {
                    values.push(queue.clone().into());
                    values.push(jid.clone().into());
                    values.push((*score).into());
                    values.push(payload.clone().into());
                    format!("($1, {})", placeholders(2 + i * 4, 4))
                })
                .collect();
            let sql = format!(
                "INSERT INTO worker_jobs (state, queue, jid, score, payload) VALUES {}",
                tuples.join(", ")
            );
            conn.execute_raw(self.st(&sql, values)).await?;
        }
        Ok(())
    }

    async fn register_queues<C: ConnectionTrait>(&self, conn: &C, queues: &[&str]) -> Result<()> {
        let mut names: Vec<&str> = queues.to_vec();
        names.sort_unstable();
        names.dedup();
        if names.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO worker_queues (name) VALUES {} ON CONFLICT DO NOTHING",
            (1..=names.len())
                .map(|i| format!("(${i})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let values = names.iter().map(|n| Value::from(n.to_string())).collect();
        conn.execute_raw(self.st(&sql, values)).await?;
        Ok(())
    }

    async fn trim_dead<C: ConnectionTrait>(&self, conn: &C, now: f64) -> Result<()> {
        conn.execute_raw(self.st(
            "DELETE FROM worker_jobs WHERE state = $1 AND score < $2",
            vec![state::DEAD.into(), (now - DEAD_TIMEOUT_SECS).into()],
        ))
        .await?;
        let count = self.count(
            conn,
            "SELECT COUNT(*) FROM worker_jobs WHERE state = $1",
            vec![state::DEAD.into()],
        );
        // Like DeadSet#kill's `zremrangebyrank(name, 0, -max_jobs)`: keep the newest
        // max_jobs - 1 entries.
        if count.await? >= DEAD_MAX_JOBS as u64 {
            conn.execute_raw(self.st(
                "DELETE FROM worker_jobs WHERE state = $1 AND id NOT IN (SELECT id FROM \
                 worker_jobs WHERE state = $1 ORDER BY score DESC, id DESC LIMIT $2)",
                vec![state::DEAD.into(), (DEAD_MAX_JOBS - 1).into()],
            ))
            .await?;
        }
        Ok(())
    }

    async fn count<C: ConnectionTrait>(
        &self,
        conn: &C,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<u64> {
        let row = conn.query_one_raw(self.st(sql, values)).await?;
        Ok(row
            .map(|r| r.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0) as u64)
    }

    async fn rows(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>> {
        Ok(self.db.query_all_raw(self.st(sql, values)).await?)
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn push(&self, jobs: &[(String, String)]) -> Result<()> {
        if jobs.is_empty() {
            return Ok(());
        }
        let rows: Vec<_> = jobs
            .iter()
            .map(|(queue, raw)| {
                let (jid, at) = jid_and_time(raw);
                (queue.clone(), jid, at.unwrap_or(0.0), raw.clone())
            })
            .collect();
        let txn = self.db.begin().await?;
        let queues: Vec<&str> = jobs.iter().map(|(q, _)| q.as_str()).collect();
        self.register_queues(&txn, &queues).await?;
        self.insert(&txn, state::QUEUED, &rows).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn add_to_set(&self, set: SortedSet, entries: &[(f64, String)], now: f64) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let rows: Vec<_> = entries
            .iter()
            .map(|(score, raw)| {
                let p = Payload::parse(raw).ok();
                let queue = p.as_ref().map_or("default", |p| p.queue()).to_string();
                let jid = p.as_ref().map_or("", |p| p.jid()).to_string();
                (queue, jid, *score, raw.clone())
            })
            .collect();
        let txn = self.db.begin().await?;
        self.insert(&txn, set_state(set), &rows).await?;
        if set == SortedSet::Dead {
            self.trim_dead(&txn, now).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    async fn fetch(&self, identity: &str, queues: &[String], max: usize) -> Result<Vec<Fetched>> {
        let mut out = Vec::new();
        for queue in queues {
            let need = max.saturating_sub(out.len());
            if need == 0 {
                break;
            }
            let sql = format!(
                "UPDATE worker_jobs SET state = $1, owner = $2 WHERE id IN (SELECT id FROM \
                 worker_jobs WHERE state = $3 AND queue = $4 ORDER BY score, id LIMIT $5{}) \
                 RETURNING id, payload",
                self.skip_locked()
            );
            let values = vec![
                state::WORKING.into(),
                identity.into(),
                state::QUEUED.into(),
                queue.clone().into(),
                (need as i64).into(),
            ];
            let txn = self.db.begin().await?;
            self.relax_commit(&txn).await?;
            let rows = txn.query_all_raw(self.st(&sql, values)).await?;
            txn.commit().await?;
            let mut got = Vec::new();
            for row in rows {
                let id: i64 = row.try_get_by_index(0)?;
                let raw: String = row.try_get_by_index(1)?;
                got.push(Fetched {
                    queue: queue.clone(),
                    raw,
                    id,
                });
            }
            got.sort_by_key(|f| f.id);
            out.extend(got);
        }
        Ok(out)
    }

    async fn complete(&self, _identity: &str, done: &[Completion], now: f64) -> Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin().await?;
        self.relax_commit(&txn).await?;
        let gone: Vec<i64> = done
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Done | Outcome::Discard))
            .map(|c| c.job.id)
            .collect();
        for chunk in gone.chunks(INSERT_CHUNK) {
            let sql = format!(
                "DELETE FROM worker_jobs WHERE id IN ({})",
                placeholders(1, chunk.len())
            );
            txn.execute_raw(self.st(&sql, chunk.iter().map(|&id| id.into()).collect()))
                .await?;
        }
        let mut killed = false;
        for c in done {
            let (state, score, payload) = match &c.outcome {
                Outcome::Done | Outcome::Discard => continue,
                Outcome::Retry { at, payload } => (state::RETRY, *at, payload),
                Outcome::Dead { payload } => {
                    killed = true;
                    (state::DEAD, now, payload)
                }
            };
            let queue = Payload::parse(payload).map_or(c.job.queue.clone(), |p| p.queue().into());
            txn.execute_raw(self.st(
                "UPDATE worker_jobs SET state = $1, score = $2, payload = $3, queue = $4, \
                 owner = NULL WHERE id = $5",
                vec![
                    state.into(),
                    score.into(),
                    payload.clone().into(),
                    queue.into(),
                    c.job.id.into(),
                ],
            ))
            .await?;
        }
        if killed {
            self.trim_dead(&txn, now).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    async fn register_fetcher(&self, _identity: &str) -> Result<()> {
        // In-progress rows carry their owner; nothing to register.
        Ok(())
    }

    async fn fetchers(&self, now: f64) -> Result<Vec<Fetcher>> {
        let rows = self
            .rows(
                "SELECT DISTINCT j.owner, (SELECT COUNT(*) FROM worker_processes p WHERE \
                 p.identity = j.owner AND p.beat >= $1) FROM worker_jobs j WHERE j.state = $2",
                vec![
                    (now - PROCESS_TTL_SECS as f64).into(),
                    state::WORKING.into(),
                ],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let identity: Option<String> = row.try_get_by_index(0)?;
            let alive: i64 = row.try_get_by_index(1)?;
            if let Some(identity) = identity {
                out.push(Fetcher {
                    identity,
                    alive: alive > 0,
                });
            }
        }
        Ok(out)
    }

    async fn recover(&self, identity: &str) -> Result<u64> {
        let done = self
            .db
            .execute_raw(self.st(
                "UPDATE worker_jobs SET state = $1, owner = NULL WHERE state = $2 AND owner = $3",
                vec![state::QUEUED.into(), state::WORKING.into(), identity.into()],
            ))
            .await?;
        Ok(done.rows_affected())
    }

    async fn in_progress(&self, identity: &str) -> Result<Vec<Fetched>> {
        let rows = self
            .rows(
                "SELECT id, queue, payload FROM worker_jobs WHERE state = $1 AND owner = $2",
                vec![state::WORKING.into(), identity.into()],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(Fetched {
                id: row.try_get_by_index(0)?,
                queue: row.try_get_by_index(1)?,
                raw: row.try_get_by_index(2)?,
            });
        }
        Ok(out)
    }

    async fn requeue(&self, identity: &str, jobs: &[Fetched]) -> Result<u64> {
        let mut moved = 0;
        for chunk in jobs.chunks(INSERT_CHUNK) {
            let sql = format!(
                "UPDATE worker_jobs SET state = $1, owner = NULL WHERE state = $2 AND owner = $3 \
                 AND id IN ({})",
                placeholders(4, chunk.len())
            );
            let mut values = vec![state::QUEUED.into(), state::WORKING.into(), identity.into()];
            values.extend(chunk.iter().map(|j| Value::from(j.id)));
            moved += self
                .db
                .execute_raw(self.st(&sql, values))
                .await?
                .rows_affected();
        }
        Ok(moved)
    }

    async fn due(&self, set: SortedSet, now: f64, limit: usize) -> Result<Vec<SetEntry>> {
        let rows = self
            .rows(
                "SELECT id, score, payload FROM worker_jobs WHERE state = $1 AND score <= $2 \
                 ORDER BY score, id LIMIT $3",
                vec![set_state(set).into(), now.into(), (limit as i64).into()],
            )
            .await?;
        entries(rows)
    }

    async fn move_to_queues(&self, set: SortedSet, moves: &[Move], now: f64) -> Result<u64> {
        if moves.is_empty() {
            return Ok(0);
        }
        let txn = self.db.begin().await?;
        let queues: Vec<&str> = moves.iter().map(|m| m.queue.as_str()).collect();
        self.register_queues(&txn, &queues).await?;
        let mut moved = 0;
        for m in moves {
            let done = txn
                .execute_raw(self.st(
                    "UPDATE worker_jobs SET state = $1, queue = $2, payload = $3, score = $4 \
                     WHERE id = $5 AND state = $6",
                    vec![
                        state::QUEUED.into(),
                        m.queue.clone().into(),
                        m.payload.clone().into(),
                        now.into(),
                        m.entry.id.into(),
                        set_state(set).into(),
                    ],
                ))
                .await?;
            moved += done.rows_affected();
        }
        txn.commit().await?;
        Ok(moved)
    }

    async fn heartbeat(&self, beat: &Heartbeat) -> Result<Option<Signal>> {
        let txn = self.db.begin().await?;
        let date = utc_date(beat.beat);
        for (stat, n) in [("processed", beat.processed), ("failed", beat.failed)] {
            if n == 0 {
                continue;
            }
            for name in [stat.to_string(), format!("{stat}:{date}")] {
                txn.execute_raw(self.st(
                    "INSERT INTO worker_stats (name, value) VALUES ($1, $2) ON CONFLICT (name) \
                     DO UPDATE SET value = worker_stats.value + excluded.value",
                    vec![name.into(), (n as i64).into()],
                ))
                .await?;
            }
        }
        txn.execute_raw(self.st(
            "INSERT INTO worker_processes (identity, info, busy, beat, quiet, rss) VALUES ($1, \
             $2, $3, $4, $5, $6) ON CONFLICT (identity) DO UPDATE SET info = excluded.info, busy \
             = excluded.busy, beat = excluded.beat, quiet = excluded.quiet, rss = excluded.rss",
            vec![
                beat.identity.clone().into(),
                beat.info.clone().into(),
                (beat.work.len() as i64).into(),
                beat.beat.into(),
                i64::from(beat.quiet).into(),
                (beat.rss_kb as i64).into(),
            ],
        ))
        .await?;
        txn.execute_raw(self.st(
            "DELETE FROM worker_work WHERE identity = $1",
            vec![beat.identity.clone().into()],
        ))
        .await?;
        for chunk in beat.work.chunks(INSERT_CHUNK) {
            let mut values: Vec<Value> = vec![beat.identity.clone().into()];
            let tuples: Vec<String> = chunk
                .iter()
                .enumerate()
                .map(|(i, (tid, work))| {
                    values.push(tid.clone().into());
                    values.push(work.clone().into());
                    format!("($1, ${}, ${})", 2 + i * 2, 3 + i * 2)
                })
                .collect();
            let sql = format!(
                "INSERT INTO worker_work (identity, tid, work) VALUES {}",
                tuples.join(", ")
            );
            txn.execute_raw(self.st(&sql, values)).await?;
        }
        let signal = txn
            .query_one_raw(self.st(
                "SELECT id, signal FROM worker_signals WHERE identity = $1 ORDER BY id LIMIT 1",
                vec![beat.identity.clone().into()],
            ))
            .await?;
        let mut popped = None;
        if let Some(row) = signal {
            let id: i64 = row.try_get_by_index(0)?;
            let name: String = row.try_get_by_index(1)?;
            txn.execute_raw(self.st("DELETE FROM worker_signals WHERE id = $1", vec![id.into()]))
                .await?;
            popped = Signal::parse(&name);
        }
        txn.commit().await?;
        Ok(popped)
    }

    async fn clear_process(&self, identity: &str) -> Result<()> {
        let txn = self.db.begin().await?;
        for table in ["worker_processes", "worker_work", "worker_signals"] {
            let sql = format!("DELETE FROM {table} WHERE identity = $1");
            txn.execute_raw(self.st(&sql, vec![identity.into()]))
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    async fn claim_tick(&self, name: &str, tick: i64) -> Result<bool> {
        let done = self
            .db
            .execute_raw(self.st(
                "INSERT INTO worker_cron (name, tick) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                vec![name.into(), tick.into()],
            ))
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn entries(rows: Vec<QueryResult>) -> Result<Vec<SetEntry>> {
    rows.into_iter()
        .map(|row| {
            Ok(SetEntry {
                id: row.try_get_by_index(0)?,
                score: row.try_get_by_index(1)?,
                raw: row.try_get_by_index(2)?,
            })
        })
        .collect()
}
