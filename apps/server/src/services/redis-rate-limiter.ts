/**
 * The token bucket of `createMemoryRateLimiter`, kept in Redis so every API process draws from one
 * budget per key. One Lua script per take: read, refill, take and write happen atomically in Redis.
 * @module
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { RateLimiter } from "./rate-limiter.ts";

// KEYS[1] bucket; ARGV: capacity, refill per ms, now (ms). Returns {allowed 0/1, retryAfterMs}.
// Time comes from the caller (the service clock); a caller whose clock lags only refills nothing.
const TAKE = `
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then tokens = cap; at = now end
if now > at then
  tokens = math.min(cap, tokens + (now - at) * rate)
  at = now
end
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 1000)
return {allowed, retry}
`;

const TAKE_SHA = createHash("sha1").update(TAKE).digest("hex");

export function createRedisRateLimiter(
  redis: Redis,
  perMinute: number,
  options: {
    prefix?: string;
    /** Used while Redis does not answer: limits then hold per process instead of failing begin/. */
    fallback?: RateLimiter;
  } = {},
): RateLimiter {
  const prefix = `${options.prefix ?? "verimat"}:rate:`;
  const ratePerMs = perMinute / 60_000;
  return {
    async take(key, now) {
      const args = [1, prefix + key, perMinute, ratePerMs, now] as const;
      let r: unknown;
      try {
        try {
          r = await redis.evalsha(TAKE_SHA, ...args);
        } catch (err) {
          // First use on this Redis (or after SCRIPT FLUSH): EVAL sends the script and caches it.
          if (!(err instanceof Error && err.message.includes("NOSCRIPT"))) throw err;
          r = await redis.eval(TAKE, ...args);
        }
      } catch (err) {
        if (options.fallback) return options.fallback.take(key, now);
        throw err;
      }
      const [allowed, retryAfterMs] = Array.isArray(r) ? r : [0, 1_000];
      return { allowed: allowed === 1, retryAfterMs: Number(retryAfterMs) };
    },
  };
}
