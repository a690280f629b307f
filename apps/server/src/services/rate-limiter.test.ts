/** Both rate limiters hold the same budget; the Redis one holds it across processes (separate clients). */
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  dropPrefix,
  REDIS_URL,
  requireRedisOrSkip,
  uniquePrefix,
} from "../../../../packages/jobs/test/test-queues.ts";
import { createMemoryRateLimiter, type RateLimiter } from "./rate-limiter.ts";
import { createRedisRateLimiter } from "./redis-rate-limiter.ts";

const prefix = uniquePrefix();
const clients: Redis[] = [];
afterAll(async () => {
  for (const c of clients) c.disconnect();
  if (clients.length > 0) await dropPrefix(prefix);
});

const targets: { name: string; make(perMinute: number): RateLimiter[] }[] = [
  { name: "memory", make: (n) => [createMemoryRateLimiter(n)] },
];
if (await requireRedisOrSkip()) {
  targets.push({
    name: "Redis",
    make(n) {
      // Two clients stand for two API processes.
      return [1, 2].map(() => {
        const c = new Redis(REDIS_URL);
        clients.push(c);
        return createRedisRateLimiter(c, n, { prefix });
      });
    },
  });
}

describe.each(targets)("$name rate limiter", (target) => {
  it("allows the budget per minute, then refuses with the wait until the next token", async () => {
    const limiters = target.make(60); // one per second
    const key = `begin:${Math.random()}`;
    const t0 = 1_800_000_000_000;
    const results = [];
    for (let i = 0; i < 61; i++) results.push(await limiters[i % limiters.length]?.take(key, t0));
    expect(results.filter((r) => r?.allowed)).toHaveLength(60);
    expect(results[60]).toEqual({ allowed: false, retryAfterMs: 1_000 });
    // Refilled with time, shared by every process.
    expect((await limiters[0]?.take(key, t0 + 1_000))?.allowed).toBe(true);
    expect((await limiters.at(-1)?.take(key, t0 + 1_000))?.allowed).toBe(false);
    // Keys are independent.
    expect((await limiters[0]?.take(`${key}-other`, t0))?.allowed).toBe(true);
  });

  it("never grants more than the budget to concurrent callers", async () => {
    const limiters = target.make(30);
    const key = `burst:${Math.random()}`;
    const now = 1_800_000_000_000;
    const all = await Promise.all(
      Array.from({ length: 100 }, (_, i) => limiters[i % limiters.length]?.take(key, now)),
    );
    expect(all.filter((r) => r?.allowed)).toHaveLength(30);
  });
});

it("falls back to a per-process bucket while Redis does not answer", async () => {
  const down = new Redis("redis://127.0.0.1:1", {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  down.on("error", () => undefined);
  const limiter = createRedisRateLimiter(down, 2, { fallback: createMemoryRateLimiter(2) });
  const now = 1_800_000_000_000;
  const r = [await limiter.take("k", now), await limiter.take("k", now), await limiter.take("k", now)];
  expect(r.map((x) => x.allowed)).toEqual([true, true, false]);
  await expect(createRedisRateLimiter(down, 2).take("k", now)).rejects.toThrow();
  down.disconnect();
});
