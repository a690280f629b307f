/**
 * Per-key request budgets. In one process an in-memory token bucket; a Redis-backed implementation of
 * the same interface keeps the budget shared across API processes.
 */
export interface RateLimiter {
  /** Takes one token; `retryAfterMs` says when the next one is available if refused. */
  take(key: string, now: number): Promise<{ allowed: boolean; retryAfterMs: number }>;
}

export function createMemoryRateLimiter(perMinute: number): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = perMinute / 60_000;
  return {
    async take(key, now) {
      const b = buckets.get(key) ?? { tokens: perMinute, at: now };
      b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * ratePerMs);
      b.at = now;
      buckets.set(key, b);
      if (buckets.size > 100_000) buckets.clear(); // bounded memory; a reset only ever grants more
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { allowed: true, retryAfterMs: 0 };
      }
      return { allowed: false, retryAfterMs: Math.ceil((1 - b.tokens) / ratePerMs) };
    },
  };
}
