/**
 * The job queue on Redis (BullMQ) for deployments with several worker processes: the same JobQueue
 * contract as the database queue (dedupe keys, attempts, backoff, permanent errors, hand-back on
 * stop), with BullMQ's locks and stalled-job check in place of leases and heartbeats.
 * @module
 */
import { createHash, randomUUID } from "node:crypto";
import type { JobRecord, JobStatus } from "@verimat/db";
import { type Job, type JobType, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { EnqueueOptions, JobQueue } from "./job-queue.ts";
import { PermanentJobError } from "./job-queue.ts";
import { defaultBackoff, type JobRunner, type JobRunnerOptions } from "./job-runner.ts";

/** Options of a runner on this queue: the database runner's, less the queue itself. */
export type BullRunnerOptions = Omit<JobRunnerOptions, "queue" | "pollMs"> & {
  /** A job whose worker was lost more often than this fails instead of being retried. @default 2 */
  maxStalledCount?: number;
};

export interface BullJobQueue extends JobQueue {
  readonly kind: "bullmq";
  createRunner(options: BullRunnerOptions): JobRunner;
  counts(queue: string): Promise<Record<JobStatus, number>>;
  /** Redis reachable (readiness probe). */
  check(): Promise<void>;
  /** Closes every queue and connection this object opened (runners are stopped by their owners). */
  close(): Promise<void>;
}

export interface BullJobQueueOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** Key prefix in Redis; different deployments (or test runs) on one Redis need different ones. @default "verimat" */
  prefix?: string;
  /** Finished jobs are kept this long for `get` and dedupe keys. @default 7 days */
  keepFinishedMs?: number;
}

interface JobData {
  payload: unknown;
  dedupeKey: string | null;
}

// BullMQ job ids are per queue; ours name the queue so that `get(id)` alone can find the job.
const SEPARATOR = ".";

function jobIdOf(queue: string, dedupeKey: string | undefined): string {
  const suffix = dedupeKey
    ? `k${createHash("sha256").update(dedupeKey).digest("hex").slice(0, 40)}`
    : randomUUID();
  return `${queue}${SEPARATOR}${suffix}`;
}

function queueOf(id: string): string | null {
  const at = id.lastIndexOf(SEPARATOR);
  return at > 0 ? id.slice(0, at) : null;
}

function statusOf(state: string): JobStatus {
  if (state === "active") return "running";
  if (state === "completed") return "done";
  if (state === "failed") return "failed";
  return "queued"; // waiting, delayed, prioritized, paused, waiting-children
}

function toRecord(job: Job<JobData>, status: JobStatus): JobRecord {
  const running = status === "running";
  return {
    id: job.id ?? "",
    queue: job.queueName,
    payload: job.data.payload,
    status,
    // Counted as the database queue counts them: finished tries, plus workers lost, plus the running one.
    attempts: job.attemptsMade + (job.stalledCounter ?? 0) + (running ? 1 : 0),
    maxAttempts: job.opts.attempts ?? 1,
    runAt: job.timestamp + (job.delay ?? 0),
    lockedBy: running ? (job.processedBy ?? null) : null,
    lockedUntil: null,
    lastError: job.failedReason || null,
    result: status === "done" ? (job.returnvalue ?? null) : null,
    dedupeKey: job.data.dedupeKey,
    createdAt: job.timestamp,
    updatedAt: job.finishedOn ?? job.processedOn ?? job.timestamp,
    finishedAt: job.finishedOn ?? null,
  };
}

function errorText(err: unknown): string {
  return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 2_000);
}

export function createBullJobQueue(options: BullJobQueueOptions): BullJobQueue {
  const prefix = options.prefix ?? "verimat";
  const keepSeconds = Math.ceil((options.keepFinishedMs ?? 7 * 86_400_000) / 1_000);
  // Commands of every Queue go over one connection; each Worker gets its own (it blocks on Redis).
  const connection = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: false });
  connection.on("error", () => undefined); // reconnects by itself; check() reports the outage
  const queues = new Map<string, Queue<JobData>>();
  const queueFor = (name: string): Queue<JobData> => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue<JobData>(name, { connection, prefix });
      q.on("error", () => undefined);
      queues.set(name, q);
    }
    return q;
  };

  return {
    kind: "bullmq",

    async enqueue(queue, payload, o: EnqueueOptions = {}) {
      const id = jobIdOf(queue, o.dedupeKey);
      // An existing id makes BullMQ return the first job unchanged: that is the dedupe.
      await queueFor(queue).add(
        queue,
        { payload, dedupeKey: o.dedupeKey ?? null },
        {
          jobId: id,
          attempts: o.maxAttempts ?? 5,
          backoff: { type: "verimat" },
          delay: o.runAt ? Math.max(0, o.runAt - Date.now()) : 0,
          removeOnComplete: { age: keepSeconds },
          removeOnFail: { age: keepSeconds },
        },
      );
      return id;
    },

    async get(id) {
      const name = queueOf(id);
      if (!name) return null;
      const job = (await queueFor(name).getJob(id)) as Job<JobData> | undefined;
      if (!job) return null;
      return toRecord(job, statusOf(await job.getState()));
    },

    async counts(queue) {
      const c = await queueFor(queue).getJobCounts(
        "waiting",
        "delayed",
        "prioritized",
        "paused",
        "waiting-children",
        "active",
        "completed",
        "failed",
      );
      const n = (k: JobType) => c[k] ?? 0;
      return {
        queued: n("waiting") + n("delayed") + n("prioritized") + n("paused") + n("waiting-children"),
        running: n("active"),
        done: n("completed"),
        failed: n("failed"),
      };
    },

    async check() {
      // Commands wait for a reconnect without limit (BullMQ needs that); a probe must not.
      if (connection.status !== "ready") throw new Error(`redis ${connection.status}`);
      await connection.ping();
    },

    createRunner(o) {
      const worker = `${o.name}:${randomUUID().slice(0, 8)}`;
      const leaseMs = o.leaseMs ?? 30_000;
      const backoff = o.backoffMs;
      const running = new Map<string, { job: Job<JobData>; token: string | undefined }>();
      let w: Worker<JobData> | null = null;
      let blocking: Redis | null = null;

      return {
        worker,
        get active() {
          return running.size;
        },
        start() {
          if (w) return;
          blocking = new Redis(options.url, { maxRetriesPerRequest: null });
          blocking.on("error", () => undefined);
          w = new Worker<JobData>(
            o.name,
            async (job, token) => {
              const key = job.id ?? "";
              running.set(key, { job, token });
              try {
                return (await o.handler(job.data.payload, toRecord(job, "running"))) ?? null;
              } catch (err) {
                o.onError?.(toRecord(job, "running"), err);
                // Stored as the database queue stores it: "Name: message".
                if (err instanceof PermanentJobError) throw new UnrecoverableError(errorText(err));
                throw new Error(errorText(err));
              } finally {
                running.delete(key);
              }
            },
            {
              connection: blocking,
              prefix,
              name: worker,
              concurrency: o.concurrency ?? 1,
              // The lock is BullMQ's lease: renewed while the handler runs, checked for stalls as often.
              lockDuration: leaseMs,
              stalledInterval: leaseMs,
              maxStalledCount: o.maxStalledCount ?? 2,
              settings: {
                backoffStrategy: (attemptsMade: number) => (backoff ?? defaultBackoff)(attemptsMade),
              },
            },
          );
          // Lost locks and late results of handed-back jobs surface here; the job itself is safe.
          w.on("error", () => undefined);
        },
        async stop(stopOptions = {}) {
          const current = w;
          if (!current) return;
          w = null;
          if (stopOptions.handBack) {
            await current.pause(true);
            // Back to waiting with the lock released: another worker may start it at once. The
            // handler keeps running until the process exits, but its result is refused (lock gone).
            await Promise.all(
              [...running.values()].map(({ job, token }) => job.moveToWait(token).catch(() => 0)),
            );
            running.clear();
            await current.close(true);
          } else {
            await current.close();
          }
          if (blocking?.status === "ready") await blocking.quit().catch(() => undefined);
          else blocking?.disconnect();
          blocking = null;
        },
      };
    },

    async close() {
      // Without a connection, QUIT and BullMQ's close would wait for one that may never come.
      if (connection.status !== "ready") connection.disconnect();
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined)));
      queues.clear();
      if (connection.status === "ready") await connection.quit().catch(() => undefined);
    },
  };
}
