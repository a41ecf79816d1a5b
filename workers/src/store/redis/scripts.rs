//! The Lua scripts that make fetch and recovery one round trip each.

use std::sync::LazyLock;

use redis::Script;

/// KEYS[1]: the in-progress list; KEYS[2..]: queue lists in fetch order.
/// ARGV[1]: how many jobs to take. Returns a flat list of (queue index, payload).
pub static FETCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local need = tonumber(ARGV[1])
local out = {}
for i = 2, #KEYS do
  if need <= 0 then break end
  local got = redis.call('RPOP', KEYS[i], need)
  if got then
    redis.call('LPUSH', KEYS[1], unpack(got))
    for _, v in ipairs(got) do
      out[#out + 1] = i - 2
      out[#out + 1] = v
    end
    need = need - #got
  end
end
return out
",
    )
});

/// KEYS[1]: a process's in-progress list; KEYS[2]: the `queues` set; KEYS[3]: the
/// fetchers set. ARGV[1]: the key prefix; ARGV[2]: the identity.
/// Pushes every in-progress job back to the fetch end of its queue, oldest fetched first.
pub static RECOVER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local jobs = redis.call('LRANGE', KEYS[1], 0, -1)
for i = 1, #jobs do
  local v = jobs[i]
  local ok, job = pcall(cjson.decode, v)
  local q = 'default'
  if ok and type(job) == 'table' and type(job['queue']) == 'string' then q = job['queue'] end
  redis.call('RPUSH', ARGV[1] .. 'queue:' .. q, v)
  redis.call('SADD', KEYS[2], q)
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[2])
return #jobs
",
    )
});

/// KEYS[1]: a sorted set; KEYS[2]: the `queues` set. ARGV[1]: the key prefix, then
/// triples (stored payload, queue, new payload). Moves each entry still in the set.
pub static MOVE_TO_QUEUES: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = 0
for i = 2, #ARGV, 3 do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then
    redis.call('LPUSH', ARGV[1] .. 'queue:' .. ARGV[i + 1], ARGV[i + 2])
    redis.call('SADD', KEYS[2], ARGV[i + 1])
    n = n + 1
  end
end
return n
",
    )
});

/// KEYS[1]: a process's in-progress list; KEYS[2]: the `queues` set. ARGV[1]: the key
/// prefix, then pairs (queue, payload). Requeues each payload still in progress.
pub static REQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = 0
for i = 2, #ARGV, 2 do
  if redis.call('LREM', KEYS[1], -1, ARGV[i + 1]) == 1 then
    redis.call('RPUSH', ARGV[1] .. 'queue:' .. ARGV[i], ARGV[i + 1])
    redis.call('SADD', KEYS[2], ARGV[i])
    n = n + 1
  end
end
return n
",
    )
});
