/**
 * Runs the jobs of one queue with bounded concurrency: claims due jobs, keeps their leases alive while
 * they run, retries failures with exponential backoff, and on stop hands running jobs back or lets
 * them finish. A job whose process dies is reclaimed by any runner once its lease expires.
 * @module
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "@verimat/core";
import type { JobRecord } from "@verimat/db";
import type { BullJobQueue } from "./bull-job-queue.ts";
import type { DbJobQueue } from "./db-job-queue.ts";
import { PermanentJobError } from "./job-queue.ts";

export type JobHandler = (payload: unknown, job: JobRecord) => Promise<unknown>;

/** A queue that can also run its jobs: the database queue or BullMQ's. */
export type WorkQueue = DbJobQueue | BullJobQueue;

export interface JobRunnerOptions {
  /** With a BullMQ queue the runner is BullMQ's worker (pollMs does not apply). */
  queue: WorkQueue;
  name: string;
  handler: JobHandler;
  clock: Clock;
  /** @default 1 */
  concurrency?: number;
  /** How long a claim holds without a heartbeat; a dead worker's job is retried after it. @default 30000 */
  leaseMs?: number;
  /** Idle poll interval (enqueues in this process wake the runner at once). @default 500 */
  pollMs?: number;
  /** Delay before retry `attempt` (1-based). @default 1 s doubling, at most 1 h, ±20 % jitter */
  backoffMs?: (attempt: number) => number;
  onError?: (job: JobRecord, err: unknown) => void;
}

export interface JobRunner {
  start(): void;
  /** Stops claiming; `handBack` releases running jobs at once, otherwise waits for them. */
  stop(options?: { handBack?: boolean }): Promise<void>;
  readonly active: number;
  readonly worker: string;
}

export function defaultBackoff(attempt: number): number {
  const base = Math.min(3_600_000, 1_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { queue } = options;
  if ("createRunner" in queue) return queue.createRunner(options);
  return createDbJobRunner({ ...options, queue });
}

function createDbJobRunner(o: JobRunnerOptions & { queue: DbJobQueue }): JobRunner {
  const worker = `${o.name}:${randomUUID().slice(0, 8)}`;
  const concurrency = o.concurrency ?? 1;
  const leaseMs = o.leaseMs ?? 30_000;
  const pollMs = o.pollMs ?? 500;
  const backoff = o.backoffMs ?? defaultBackoff;
  const running = new Map<string, { job: JobRecord; done: Promise<void> }>();
  let stopped = true;
  let wake: (() => void) | null = null;
  let loop: Promise<void> | null = null;
  let heartbeat: NodeJS.Timeout | null = null;

  o.queue.onEnqueue((q) => {
    if (q === o.name) wake?.();
  });

  async function runOne(job: JobRecord): Promise<void> {
    try {
      const result = await o.handler(job.payload, job);
      await o.queue.complete(job, worker, result ?? null);
    } catch (err) {
      o.onError?.(job, err);
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      const permanent = err instanceof PermanentJobError;
      const retryAt =
        permanent || job.attempts >= job.maxAttempts ? null : o.clock.now() + backoff(job.attempts);
      await o.queue.fail(job, worker, message.slice(0, 2_000), retryAt);
    }
  }

  async function run(): Promise<void> {
    while (!stopped) {
      const free = concurrency - running.size;
      let claimed: JobRecord[] = [];
      if (free > 0) {
        try {
          claimed = await o.queue.claim(o.name, worker, free, leaseMs);
        } catch {
          claimed = []; // database briefly unavailable: try again after the poll interval
        }
      }
      for (const job of claimed) {
        const done = runOne(job).finally(() => {
          running.delete(job.id);
          wake?.();
        });
        running.set(job.id, { job, done });
      }
      if (claimed.length === 0 || running.size >= concurrency) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = null;
      }
    }
  }

  return {
    worker,
    get active() {
      return running.size;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      heartbeat = setInterval(
        () => {
          for (const { job } of running.values())
            void o.queue.heartbeat(job, worker, leaseMs).catch(() => false);
        },
        Math.max(50, Math.floor(leaseMs / 3)),
      );
      heartbeat.unref();
      loop = run();
    },
    async stop(options = {}) {
      stopped = true;
      wake?.();
      await loop;
      if (heartbeat) clearInterval(heartbeat);
      if (options.handBack) {
        // The handlers keep running until the process exits, but their results are discarded: the
        // released jobs belong to whoever claims them next.
        await Promise.all([...running.values()].map(({ job }) => o.queue.release(job, worker)));
        running.clear();
        return;
      }
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}
