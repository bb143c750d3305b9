//! Buckets shared by every process through Redis: one Lua script counts a request atomically,
//! on Redis's own clock, so servers with skewed clocks still enforce one limit.

use std::time::Duration;

use carbonpass_domain::model::{RateLimitStatus, RateQuota};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// GCRA on a stored "theoretical arrival time" (microseconds on Redis's clock). A request is
/// admitted when the bucket would not overflow; the key expires once the bucket is full again,
/// so idle users cost Redis nothing. Numbers stay below 2^53, exact in Lua's doubles.
/// Returns {admitted (1/0), remaining, microseconds until full, microseconds until admitted}.
const GCRA: &str = r"
-- Replicate the writes, not the script (needed before Redis 5, which would refuse a write after
-- TIME; a no-op since).
redis.replicate_commands()
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tolerance = interval * burst
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then
  tat = now
end
local next_tat = tat + interval
local allowed_at = next_tat - tolerance
if allowed_at > now then
  return {0, 0, tat - now, allowed_at - now}
end
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return {1, math.floor((now + tolerance - next_tat) / interval), next_tat - now, 0}
";

/// How long one count may take before the request goes on with this process's own bucket.
const REDIS_DEADLINE: Duration = Duration::from_millis(250);

#[derive(Clone)]
pub struct RedisBuckets {
    connection: ConnectionManager,
    script: redis::Script,
    prefix: String,
}

impl std::fmt::Debug for RedisBuckets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBuckets").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisBuckets {
    /// A client for `url` (`redis://host:port/db`). Connects lazily: an unreachable Redis is
    /// not an error here, only in [`admit`](Self::admit).
    pub fn new(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_DEADLINE))
            .set_response_timeout(Some(REDIS_DEADLINE))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Self { connection, script: redis::Script::new(GCRA), prefix: prefix.to_owned() })
    }

    /// Counts one request against `key`'s shared bucket of `quota`.
    pub async fn admit(&self, key: &str, quota: RateQuota) -> Result<RateLimitStatus, String> {
        let interval_us = u64::try_from(quota.refill_interval().as_micros()).unwrap_or(u64::MAX).max(1);
        let mut connection = self.connection.clone();
        let mut invocation = self.script.key(format!("{}{key}", self.prefix));
        invocation.arg(interval_us).arg(quota.burst.get());
        let counted =
            tokio::time::timeout(REDIS_DEADLINE, invocation.invoke_async::<(i64, i64, i64, i64)>(&mut connection))
                .await
                .map_err(|_| format!("no answer within {} ms", REDIS_DEADLINE.as_millis()))?
                .map_err(|e| e.to_string())?;
        let (admitted, remaining, reset_us, wait_us) = counted;
        let micros = |us: i64| Duration::from_micros(u64::try_from(us).unwrap_or(0));
        Ok(RateLimitStatus {
            limit: quota.burst.get(),
            remaining: u32::try_from(remaining).unwrap_or(0),
            reset_after: micros(reset_us),
            retry_after: (admitted == 0).then(|| micros(wait_us)),
        })
    }

    /// Whether Redis answers now.
    pub async fn ping(&self) -> Result<(), String> {
        let mut connection = self.connection.clone();
        tokio::time::timeout(REDIS_DEADLINE, redis::cmd("PING").query_async::<String>(&mut connection))
            .await
            .map_err(|_| format!("no answer within {} ms", REDIS_DEADLINE.as_millis()))?
            .map(drop)
            .map_err(|e| e.to_string())
    }
}
