//! Reading and acting on Sidekiq's keys, as Sidekiq's API and Web UI do.

use async_trait::async_trait;
use redis::{Value as RValue, cmd, pipe};

use super::{RedisStore, daily};
use crate::{
    error::Result,
    payload::Payload,
    status::{JobStatus, STATUS_TTL_SECS},
    store::{
        Counters, Inspect, PROCESS_TTL_SECS, ProcessRecord, QueueRecord, SetEntry, Signal,
        SortedSet, WorkRecord,
    },
};

/// Queue entries read per round trip while looking for one job.
const QUEUE_SCAN: i64 = 500;

#[async_trait]
impl Inspect for RedisStore {
    async fn signal(&self, identity: &str, signal: Signal) -> Result<()> {
        let key = self.key(&format!("{identity}-signals"));
        let mut p = pipe();
        p.atomic();
        p.cmd("LPUSH").arg(&key).arg(signal.name()).ignore();
        p.cmd("EXPIRE").arg(&key).arg(PROCESS_TTL_SECS).ignore();
        p.query_async::<()>(&mut self.conn.clone()).await?;
        Ok(())
    }

    async fn counters(&self, dates: &[String]) -> Result<Counters> {
        let mut p = pipe();
        p.cmd("GET").arg(self.key("stat:processed"));
        p.cmd("GET").arg(self.key("stat:failed"));
        for stat in ["processed", "failed"] {
            for d in dates {
                p.cmd("GET").arg(self.key(&daily(stat, d)));
            }
        }
        let values: Vec<Option<u64>> = p.query_async(&mut self.conn.clone()).await?;
        let n = dates.len();
        let get = |i: usize| values.get(i).copied().flatten().unwrap_or(0);
        Ok(Counters {
            processed: get(0),
            failed: get(1),
            processed_daily: (0..n).map(|i| get(2 + i)).collect(),
            failed_daily: (0..n).map(|i| get(2 + n + i)).collect(),
        })
    }

    async fn queues(&self) -> Result<Vec<QueueRecord>> {
        let mut conn = self.conn.clone();
        let mut names: Vec<String> = cmd("SMEMBERS")
            .arg(self.key("queues"))
            .query_async(&mut conn)
            .await?;
        names.sort();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut p = pipe();
        for n in &names {
            let key = self.key(&format!("queue:{n}"));
            p.cmd("LLEN").arg(&key);
            p.cmd("LRANGE").arg(&key).arg(-1).arg(-1);
        }
        let rows: Vec<RValue> = p.query_async(&mut conn).await?;
        let mut out = Vec::with_capacity(names.len());
        for (name, pair) in names.into_iter().zip(rows.chunks_exact(2)) {
            let size: u64 = redis::from_redis_value_ref(&pair[0])?;
            let last: Vec<String> = redis::from_redis_value_ref(&pair[1])?;
            out.push(QueueRecord {
                name,
                size,
                oldest: last.into_iter().next(),
            });
        }
        Ok(out)
    }

    async fn queue_range(&self, queue: &str, start: u64, count: u64) -> Result<Vec<String>> {
        if count == 0 {
            return Ok(Vec::new());
        }
        // The oldest job is at the right end.
        let from = -(start as i64) - count as i64;
        let to = -(start as i64) - 1;
        let mut jobs: Vec<String> = cmd("LRANGE")
            .arg(self.key(&format!("queue:{queue}")))
            .arg(from)
            .arg(to)
            .query_async(&mut self.conn.clone())
            .await?;
        jobs.reverse();
        Ok(jobs)
    }

    async fn processes(&self, _now: f64) -> Result<Vec<ProcessRecord>> {
        let mut conn = self.conn.clone();
        let mut ids: Vec<String> = cmd("SMEMBERS")
            .arg(self.key("processes"))
            .query_async(&mut conn)
            .await?;
        ids.sort();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut p = pipe();
        for id in &ids {
            p.cmd("HMGET")
                .arg(self.key(id))
                .arg("info")
                .arg("busy")
                .arg("beat")
                .arg("quiet");
        }
        type Row = (Option<String>, Option<u64>, Option<f64>, Option<String>);
        let rows: Vec<Row> = p.query_async(&mut conn).await?;
        Ok(ids
            .into_iter()
            .zip(rows)
            .filter_map(|(identity, (info, busy, beat, quiet))| {
                let info = serde_json::from_str(&info?).ok()?;
                Some(ProcessRecord {
                    identity,
                    info,
                    busy: busy.unwrap_or(0),
                    beat: beat.unwrap_or(0.0),
                    quiet: quiet.as_deref() == Some("true"),
                })
            })
            .collect())
    }

    async fn work(&self, now: f64) -> Result<Vec<WorkRecord>> {
        let processes = self.processes(now).await?;
        if processes.is_empty() {
            return Ok(Vec::new());
        }
        let mut p = pipe();
        for proc in &processes {
            p.cmd("HGETALL")
                .arg(self.key(&format!("{}:work", proc.identity)));
        }
        let maps: Vec<Vec<(String, String)>> = p.query_async(&mut self.conn.clone()).await?;
        let mut out = Vec::new();
        for (proc, map) in processes.iter().zip(maps) {
            for (tid, work) in map {
                out.push(WorkRecord {
                    identity: proc.identity.clone(),
                    tid,
                    work,
                });
            }
        }
        Ok(out)
    }

    async fn set_size(&self, set: SortedSet) -> Result<u64> {
        Ok(cmd("ZCARD")
            .arg(self.key(set.key()))
            .query_async(&mut self.conn.clone())
            .await?)
    }

    async fn set_range(
        &self,
        set: SortedSet,
        start: u64,
        count: u64,
        descending: bool,
    ) -> Result<Vec<SetEntry>> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, f64)> = cmd(if descending { "ZREVRANGE" } else { "ZRANGE" })
            .arg(self.key(set.key()))
            .arg(start)
            .arg(start + count - 1)
            .arg("WITHSCORES")
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(raw, score)| SetEntry { score, raw, id: 0 })
            .collect())
    }

    async fn take(&self, set: SortedSet, score: f64, jid: &str) -> Result<Option<String>> {
        let mut conn = self.conn.clone();
        let key = self.key(set.key());
        let candidates: Vec<String> = cmd("ZRANGEBYSCORE")
            .arg(&key)
            .arg(score)
            .arg(score)
            .query_async(&mut conn)
            .await?;
        for raw in candidates {
            if Payload::parse(&raw).is_ok_and(|p| p.jid() == jid) {
                let removed: u64 = cmd("ZREM")
                    .arg(&key)
                    .arg(&raw)
                    .query_async(&mut conn)
                    .await?;
                return Ok((removed == 1).then_some(raw));
            }
        }
        Ok(None)
    }

    async fn clear_set(&self, set: SortedSet) -> Result<u64> {
        let key = self.key(set.key());
        let mut p = pipe();
        p.atomic();
        p.cmd("ZCARD").arg(&key);
        p.cmd("UNLINK").arg(&key).ignore();
        let (n,): (u64,) = p.query_async(&mut self.conn.clone()).await?;
        Ok(n)
    }

    async fn clear_queue(&self, queue: &str) -> Result<u64> {
        let key = self.key(&format!("queue:{queue}"));
        let mut p = pipe();
        p.atomic();
        p.cmd("LLEN").arg(&key);
        p.cmd("UNLINK").arg(&key).ignore();
        p.cmd("SREM").arg(self.key("queues")).arg(queue).ignore();
        let (n,): (u64,) = p.query_async(&mut self.conn.clone()).await?;
        Ok(n)
    }

    async fn take_from_queue(&self, queue: &str, jid: &str) -> Result<Option<String>> {
        // As Sidekiq's `JobRecord#delete`: find the exact stored text, then LREM it. A job
        // fetched meanwhile is simply not there any more.
        let mut conn = self.conn.clone();
        let key = self.key(&format!("queue:{queue}"));
        let mut start: i64 = 0;
        loop {
            let chunk: Vec<String> = cmd("LRANGE")
                .arg(&key)
                .arg(start)
                .arg(start + QUEUE_SCAN - 1)
                .query_async(&mut conn)
                .await?;
            if let Some(raw) = chunk
                .iter()
                .find(|raw| Payload::parse(raw).is_ok_and(|p| p.jid() == jid))
            {
                let removed: u64 = cmd("LREM")
                    .arg(&key)
                    .arg(1)
                    .arg(raw)
                    .query_async(&mut conn)
                    .await?;
                return Ok((removed == 1).then(|| raw.clone()));
            }
            if (chunk.len() as i64) < QUEUE_SCAN {
                return Ok(None);
            }
            start += QUEUE_SCAN;
        }
    }

    async fn put_status(&self, status: &JobStatus) -> Result<()> {
        let key = self.ext(&format!("status:{}", status.jid));
        let index = self.ext(&format!("record:{}", status.record));
        let mut p = pipe();
        p.atomic();
        p.cmd("SET")
            .arg(&key)
            .arg(serde_json::to_string(status)?)
            .arg("EX")
            .arg(STATUS_TTL_SECS)
            .ignore();
        p.cmd("ZADD")
            .arg(&index)
            .arg(status.updated_at)
            .arg(&status.jid)
            .ignore();
        p.cmd("ZREMRANGEBYSCORE")
            .arg(&index)
            .arg("-inf")
            .arg(status.updated_at - STATUS_TTL_SECS as f64)
            .ignore();
        p.cmd("EXPIRE").arg(&index).arg(STATUS_TTL_SECS).ignore();
        p.query_async::<()>(&mut self.conn.clone()).await?;
        Ok(())
    }

    async fn statuses(&self, record: &str, limit: u64) -> Result<Vec<JobStatus>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.conn.clone();
        let jids: Vec<String> = cmd("ZREVRANGE")
            .arg(self.ext(&format!("record:{record}")))
            .arg(0)
            .arg(limit - 1)
            .query_async(&mut conn)
            .await?;
        if jids.is_empty() {
            return Ok(Vec::new());
        }
        let mut get = cmd("MGET");
        for jid in &jids {
            get.arg(self.ext(&format!("status:{jid}")));
        }
        let raw: Vec<Option<String>> = get.query_async(&mut conn).await?;
        Ok(raw
            .into_iter()
            .flatten()
            .filter_map(|r| serde_json::from_str(&r).ok())
            .collect())
    }
}
