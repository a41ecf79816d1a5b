//! The Redis store: Sidekiq's own keys and types, so Sidekiq's tools read the runtime's data.

use async_trait::async_trait;
use redis::{Value as RValue, aio::ConnectionManager, cmd, pipe};

mod inspect;
mod scripts;

use super::{
    Completion, DEAD_MAX_JOBS, DEAD_TIMEOUT_SECS, Fetched, Fetcher, Heartbeat, Move, Outcome,
    PROCESS_TTL_SECS, STATS_TTL_SECS, SetEntry, Signal, SortedSet, Store,
};
use crate::{clock::utc_date, error::Result, payload::Payload};
use scripts::{FETCH, MOVE_TO_QUEUES, RECOVER, REQUEUE};

/// Jobs on Redis, under Sidekiq's key names.
///
/// Beyond Sidekiq's keys it keeps extension keys under a namespace of its own (default
/// [`DEFAULT_NAMESPACE`], set with [`RedisStore::with_namespace`]): one list per process,
/// `<ns>:working:<identity>`, holding the jobs that process has taken and not finished
/// (reliable fetch); the set `<ns>:fetchers` of processes that own such a list; job statuses
/// (`<ns>:status:<jid>`, `<ns>:record:<record>`) and periodic-job claims (`<ns>:cron:…`).
/// Sidekiq's own keys (`queues`, `queue:*`, `schedule`, `retry`, `dead`, `processes`,
/// `stat:*`) never carry the namespace, so Ruby Sidekiq and its Web UI read the same data.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
    namespace: String,
}

/// The namespace of the store's extension keys unless [`RedisStore::with_namespace`] sets one.
pub const DEFAULT_NAMESPACE: &str = "workers";

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connect to `url` (`redis://host:port/db`). The connection reconnects by itself
    /// after a network error or a server restart.
    ///
    /// # Errors
    /// The URL is invalid or the server unreachable.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with_prefix(url, "").await
    }

    /// Connect, with every key under `prefix` (Sidekiq itself uses none; tests use one to
    /// share a database).
    ///
    /// # Errors
    /// The URL is invalid or the server unreachable.
    pub async fn connect_with_prefix(url: &str, prefix: &str) -> Result<Self> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(std::time::Duration::from_secs(5)))
            .set_number_of_retries(3);
        let conn = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self {
            conn,
            prefix: prefix.to_string(),
            namespace: DEFAULT_NAMESPACE.to_string(),
        })
    }

    /// The same store with its extension keys (in-progress lists, fetchers, statuses, cron
    /// claims) under `namespace` instead of [`DEFAULT_NAMESPACE`]. Sidekiq's own keys are
    /// unchanged. Every process sharing one Redis must use the same namespace, or one will
    /// not see (and recover) another's in-progress jobs.
    #[must_use]
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// The key prefix.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The namespace of the extension keys.
    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// An extension key: `<prefix><namespace>:<name>`.
    fn ext(&self, name: &str) -> String {
        format!("{}{}:{name}", self.prefix, self.namespace)
    }

    /// A connection handle, for tests and tools.
    #[must_use]
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn working(&self, identity: &str) -> String {
        self.ext(&format!("working:{identity}"))
    }

    fn trim_dead(&self, p: &mut redis::Pipeline, now: f64) {
        let dead = self.key("dead");
        // Exactly DeadSet#kill: drop entries older than 180 days, then all but the newest
        // (`zremrangebyrank(name, 0, -max_jobs)`).
        p.cmd("ZREMRANGEBYSCORE")
            .arg(&dead)
            .arg("-inf")
            .arg(now - DEAD_TIMEOUT_SECS)
            .ignore();
        p.cmd("ZREMRANGEBYRANK")
            .arg(&dead)
            .arg(0)
            .arg(-DEAD_MAX_JOBS)
            .ignore();
    }
}

fn daily(stat: &str, date: &str) -> String {
    format!("stat:{stat}:{date}")
}

#[async_trait]
impl Store for RedisStore {
    async fn push(&self, jobs: &[(String, String)]) -> Result<()> {
        if jobs.is_empty() {
            return Ok(());
        }
        let mut p = pipe();
        let mut start = 0;
        // Group consecutive jobs of one queue into one LPUSH, as Sidekiq's push_bulk does.
        while start < jobs.len() {
            let queue = &jobs[start].0;
            let end = jobs[start..]
                .iter()
                .position(|(q, _)| q != queue)
                .map_or(jobs.len(), |n| start + n);
            p.cmd("SADD").arg(self.key("queues")).arg(queue).ignore();
            let lpush = p.cmd("LPUSH").arg(self.key(&format!("queue:{queue}")));
            for (_, raw) in &jobs[start..end] {
                lpush.arg(raw);
            }
            lpush.ignore();
            start = end;
        }
        p.query_async::<()>(&mut self.conn.clone()).await?;
        Ok(())
    }

    async fn add_to_set(&self, set: SortedSet, entries: &[(f64, String)], now: f64) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut p = pipe();
        p.atomic();
        let zadd = p.cmd("ZADD").arg(self.key(set.key()));
        for (score, raw) in entries {
            zadd.arg(*score).arg(raw);
        }
        zadd.ignore();
        if set == SortedSet::Dead {
            self.trim_dead(&mut p, now);
        }
        p.query_async::<()>(&mut self.conn.clone()).await?;
        Ok(())
    }

    async fn fetch(&self, identity: &str, queues: &[String], max: usize) -> Result<Vec<Fetched>> {
        if queues.is_empty() || max == 0 {
            return Ok(Vec::new());
        }
        let mut invocation = FETCH.key(self.working(identity));
        for q in queues {
            invocation.key(self.key(&format!("queue:{q}")));
        }
        invocation.arg(max);
        let flat: Vec<RValue> = invocation.invoke_async(&mut self.conn.clone()).await?;
        let mut out = Vec::with_capacity(flat.len() / 2);
        for pair in flat.chunks_exact(2) {
            let index: usize = redis::from_redis_value_ref(&pair[0])?;
            let raw: String = redis::from_redis_value_ref(&pair[1])?;
            let queue = queues.get(index).cloned().unwrap_or_default();
            out.push(Fetched { queue, raw, id: 0 });
        }
        Ok(out)
    }

    async fn complete(&self, identity: &str, done: &[Completion], now: f64) -> Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        let working = self.working(identity);
        let mut p = pipe();
        p.atomic();
        let mut killed = false;
        for c in done {
            p.cmd("LREM").arg(&working).arg(-1).arg(&c.job.raw).ignore();
            match &c.outcome {
                Outcome::Done | Outcome::Discard => {}
                Outcome::Retry { at, payload } => {
                    p.cmd("ZADD")
                        .arg(self.key("retry"))
                        .arg(*at)
                        .arg(payload)
                        .ignore();
                }
                Outcome::Dead { payload } => {
                    p.cmd("ZADD")
                        .arg(self.key("dead"))
                        .arg(now)
                        .arg(payload)
                        .ignore();
                    killed = true;
                }
            }
        }
        if killed {
            self.trim_dead(&mut p, now);
        }
        p.query_async::<()>(&mut self.conn.clone()).await?;
        Ok(())
    }

    async fn register_fetcher(&self, identity: &str) -> Result<()> {
        cmd("SADD")
            .arg(self.ext("fetchers"))
            .arg(identity)
            .query_async::<()>(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    async fn fetchers(&self, _now: f64) -> Result<Vec<Fetcher>> {
        let mut conn = self.conn.clone();
        let members: Vec<String> = cmd("SMEMBERS")
            .arg(self.ext("fetchers"))
            .query_async(&mut conn)
            .await?;
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let mut p = pipe();
        for m in &members {
            p.cmd("EXISTS").arg(self.key(m));
        }
        let alive: Vec<bool> = p.query_async(&mut conn).await?;
        Ok(members
            .into_iter()
            .zip(alive)
            .map(|(identity, alive)| Fetcher { identity, alive })
            .collect())
    }

    async fn recover(&self, identity: &str) -> Result<u64> {
        let moved: u64 = RECOVER
            .key(self.working(identity))
            .key(self.key("queues"))
            .key(self.ext("fetchers"))
            .arg(&self.prefix)
            .arg(identity)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(moved)
    }

    async fn in_progress(&self, identity: &str) -> Result<Vec<Fetched>> {
        let raws: Vec<String> = cmd("LRANGE")
            .arg(self.working(identity))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(raws
            .into_iter()
            .map(|raw| {
                let queue = Payload::parse(&raw).map_or("default".into(), |p| p.queue().into());
                Fetched { queue, raw, id: 0 }
            })
            .collect())
    }

    async fn requeue(&self, identity: &str, jobs: &[Fetched]) -> Result<u64> {
        if jobs.is_empty() {
            return Ok(0);
        }
        let mut invocation = REQUEUE.key(self.working(identity));
        invocation.key(self.key("queues")).arg(&self.prefix);
        for job in jobs {
            invocation.arg(&job.queue).arg(&job.raw);
        }
        Ok(invocation.invoke_async(&mut self.conn.clone()).await?)
    }

    async fn due(&self, set: SortedSet, now: f64, limit: usize) -> Result<Vec<SetEntry>> {
        let rows: Vec<(String, f64)> = cmd("ZRANGEBYSCORE")
            .arg(self.key(set.key()))
            .arg("-inf")
            .arg(now)
            .arg("WITHSCORES")
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(raw, score)| SetEntry { score, raw, id: 0 })
            .collect())
    }

    async fn move_to_queues(&self, set: SortedSet, moves: &[Move], _now: f64) -> Result<u64> {
        if moves.is_empty() {
            return Ok(0);
        }
        let mut invocation = MOVE_TO_QUEUES.key(self.key(set.key()));
        invocation.key(self.key("queues")).arg(&self.prefix);
        for m in moves {
            invocation.arg(&m.entry.raw).arg(&m.queue).arg(&m.payload);
        }
        Ok(invocation.invoke_async(&mut self.conn.clone()).await?)
    }

    async fn heartbeat(&self, beat: &Heartbeat) -> Result<Option<Signal>> {
        let id = &beat.identity;
        let date = utc_date(beat.beat);
        let mut p = pipe();
        p.atomic();
        for (stat, n) in [("processed", beat.processed), ("failed", beat.failed)] {
            if n > 0 {
                p.cmd("INCRBY")
                    .arg(self.key(&format!("stat:{stat}")))
                    .arg(n)
                    .ignore();
                let day = self.key(&daily(stat, &date));
                p.cmd("INCRBY").arg(&day).arg(n).ignore();
                p.cmd("EXPIRE").arg(&day).arg(STATS_TTL_SECS).ignore();
            }
        }
        // Sidekiq 6 reads `<identity>:workers`, Sidekiq 7 and later `<identity>:work`.
        for suffix in ["workers", "work"] {
            let key = self.key(&format!("{id}:{suffix}"));
            p.cmd("UNLINK").arg(&key).ignore();
            if !beat.work.is_empty() {
                p.cmd("HSET").arg(&key).arg(&beat.work).ignore();
                p.cmd("EXPIRE").arg(&key).arg(PROCESS_TTL_SECS).ignore();
            }
        }
        let key = self.key(id);
        p.cmd("SADD").arg(self.key("processes")).arg(id).ignore();
        p.cmd("HSET")
            .arg(&key)
            .arg("info")
            .arg(&beat.info)
            .arg("busy")
            .arg(beat.work.len())
            .arg("beat")
            .arg(beat.beat)
            .arg("quiet")
            .arg(if beat.quiet { "true" } else { "false" })
            .arg("rss")
            .arg(beat.rss_kb)
            .arg("rtt_us")
            .arg(0)
            .ignore();
        p.cmd("EXPIRE").arg(&key).arg(PROCESS_TTL_SECS).ignore();
        p.cmd("RPOP").arg(self.key(&format!("{id}-signals")));
        let (signal,): (Option<String>,) = p.query_async(&mut self.conn.clone()).await?;
        Ok(signal.as_deref().and_then(Signal::parse))
    }

    async fn clear_process(&self, identity: &str) -> Result<()> {
        let mut p = pipe();
        p.cmd("SREM")
            .arg(self.key("processes"))
            .arg(identity)
            .ignore();
        p.cmd("UNLINK")
            .arg(self.key(&format!("{identity}:workers")))
            .arg(self.key(&format!("{identity}:work")))
            .arg(self.key(identity))
            .ignore();
        p.query_async::<()>(&mut self.conn.clone()).await?;
        Ok(())
    }

    async fn claim_tick(&self, name: &str, tick: i64) -> Result<bool> {
        let set: Option<String> = cmd("SET")
            .arg(self.ext(&format!("cron:{name}:{tick}")))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(24 * 3600)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(set.is_some())
    }
}
