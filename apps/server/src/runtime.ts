/**
 * Builds the real dependencies from the configuration (shared by the server and the CLI): the
 * database with migrations applied, the media store (disk, or S3 when S3_BUCKET is set), the job
 * queue and rate limiter (Redis when REDIS_URL is set, else the database and memory), the master key.
 * @module
 */
import path from "node:path";
import { type Clock, type MasterKeyring, systemClock } from "@verimat/core";
import { createRepositories, type DatabaseHandle, openDatabase } from "@verimat/db";
import { createBullJobQueue, createDbJobQueue, type WorkQueue } from "@verimat/jobs";
import { createFsMediaStore, createS3MediaStore, type MediaStore } from "@verimat/media";
import { Redis } from "ioredis";
import type { Config } from "./config.ts";
import { loadMasterKeyring } from "./services/master-key.ts";
import { createMemoryRateLimiter, type RateLimiter } from "./services/rate-limiter.ts";
import { createRedisRateLimiter } from "./services/redis-rate-limiter.ts";

export interface Runtime {
  database: DatabaseHandle;
  media: MediaStore;
  /** The active master key (masterKeys.active.key). */
  masterKey: Buffer;
  /** Every configured master key, active first (encryption at rest, rotation). */
  masterKeys: MasterKeyring;
  clock: Clock;
  /** BullMQ when Redis is configured; absent: buildApp uses the database job table. */
  jobs?: WorkQueue;
  /** Shared in Redis when configured; absent: buildApp's in-memory bucket. */
  rateLimiter?: RateLimiter;
  /** Dashboard login attempts per client IP; shared in Redis when configured, like `rateLimiter`. */
  loginRateLimiter?: RateLimiter;
  /** Closes the Redis connections and the S3 client (after the database, at shutdown). */
  closeShared(): Promise<void>;
}

export async function openRuntime(config: Readonly<Config>): Promise<Runtime> {
  const s3 = config.s3 ? createS3MediaStore(config.s3) : null;
  const shared = config.redis ? openRedis(config, config.redis) : null;
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteWriterThread: config.sqliteWriterThread,
  });
  const masterKeys = loadMasterKeyring(config);
  return {
    database,
    media: s3 ?? createFsMediaStore(path.join(config.dataDir, "media")),
    masterKey: masterKeys.active.key,
    masterKeys,
    clock: systemClock,
    ...(shared
      ? { jobs: shared.jobs, rateLimiter: shared.rateLimiter, loginRateLimiter: shared.loginRateLimiter }
      : {}),
    async closeShared() {
      await shared?.close();
      s3?.close();
    },
  };
}

/**
 * The work queue every process of this configuration shares: BullMQ when REDIS_URL is set, else the
 * database's job table. The CLI enqueues through this (e.g. `callback replay`), so its jobs land where
 * `verimat worker` reads them.
 */
export function runtimeJobQueue(runtime: Pick<Runtime, "jobs" | "database" | "clock">): WorkQueue {
  return (
    runtime.jobs ??
    createDbJobQueue({ jobs: createRepositories(runtime.database.db).jobs, clock: runtime.clock })
  );
}

function openRedis(config: Readonly<Config>, redis: { url: string; prefix: string }) {
  const jobs = createBullJobQueue({ url: redis.url, prefix: redis.prefix });
  // The rate limiter's own connection: a begin/ never waits behind queue traffic.
  // Fails fast while Redis is away (no offline queue), so begin/ falls back to per-process limits.
  const connection = new Redis(redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  connection.on("error", () => undefined); // reconnects by itself; the limiter's callers see the error
  return {
    jobs,
    rateLimiter: createRedisRateLimiter(connection, config.beginRateLimitPerMinute, {
      prefix: redis.prefix,
      fallback: createMemoryRateLimiter(config.beginRateLimitPerMinute),
    }),
    loginRateLimiter: createRedisRateLimiter(connection, config.dashboard.loginIpPerMinute, {
      prefix: redis.prefix,
      fallback: createMemoryRateLimiter(config.dashboard.loginIpPerMinute),
    }),
    async close() {
      await jobs.close();
      // QUIT needs a ready connection (no offline queue): before that it fails at once and the
      // connection, still connecting, would keep the process alive — a CLI command that finished
      // before Redis answered never exited.
      if (connection.status === "ready") await connection.quit().catch(() => undefined);
      else connection.disconnect();
    },
  };
}
