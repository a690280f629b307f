/**
 * The queue back ends the job tests run on: the database queue on every reachable dialect (SQLite
 * always, PostgreSQL when reachable) and BullMQ on Redis when reachable at 127.0.0.1:6379. Redis is
 * required on CI (CI=true) or with REQUIRE_REDIS=1, as PostgreSQL is with REQUIRE_POSTGRES=1. Each
 * BullMQ run gets its own key prefix, removed afterwards.
 */
import { randomBytes } from "node:crypto";
import { systemClock } from "@verimat/core";
import { createRepositories } from "@verimat/db";
import { Redis } from "ioredis";
import { testDatabases } from "../../db/test/test-databases.ts";
import { createBullJobQueue, createDbJobQueue, type WorkQueue } from "../src/index.ts";

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on("error", () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Redis unreachable: a failure on CI or with REQUIRE_REDIS=1, else the Redis runs are skipped. */
export async function requireRedisOrSkip(): Promise<boolean> {
  if (await redisReachable()) return true;
  if (process.env.CI === "true" || process.env.REQUIRE_REDIS === "1")
    throw new Error(`Redis is required here (CI=true or REQUIRE_REDIS=1) but not reachable at ${REDIS_URL}`);
  return false;
}

export function uniquePrefix(): string {
  return `vtest_${randomBytes(6).toString("hex")}`;
}

/** Deletes every key under a BullMQ prefix. */
export async function dropPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}

export interface OpenQueue {
  queue: WorkQueue;
  close(): Promise<void>;
}

export interface QueueTarget {
  name: string;
  kind: "db" | "bullmq";
  open(): Promise<OpenQueue>;
}

export async function testQueues(): Promise<QueueTarget[]> {
  const targets: QueueTarget[] = (await testDatabases()).map((db) => ({
    name: `database queue on ${db.name}`,
    kind: "db" as const,
    async open() {
      const h = await db.open();
      return {
        queue: createDbJobQueue({ jobs: createRepositories(h.db).jobs, clock: systemClock }),
        async close() {
          await h.close();
          await h.dropSchema();
        },
      };
    },
  }));
  if (await requireRedisOrSkip()) {
    targets.push({
      name: "BullMQ on Redis",
      kind: "bullmq",
      async open() {
        const prefix = uniquePrefix();
        const queue = createBullJobQueue({ url: REDIS_URL, prefix });
        return {
          queue,
          async close() {
            await queue.close();
            await dropPrefix(prefix);
          },
        };
      },
    });
  }
  return targets;
}
