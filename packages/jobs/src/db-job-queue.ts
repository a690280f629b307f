import { randomUUID } from "node:crypto";
import type { Clock } from "@verimat/core";
import type { JobRecord, JobRepository } from "@verimat/db";
import type { EnqueueOptions, JobQueue } from "./job-queue.ts";

export interface DbJobQueue extends JobQueue {
  /** Claims up to `limit` due jobs for `worker`; stalled jobs out of attempts are failed instead. */
  claim(queue: string, worker: string, limit: number, leaseMs: number): Promise<JobRecord[]>;
  heartbeat(job: JobRecord, worker: string, leaseMs: number): Promise<boolean>;
  complete(job: JobRecord, worker: string, result: unknown): Promise<boolean>;
  fail(job: JobRecord, worker: string, error: string, retryAt: number | null): Promise<boolean>;
  release(job: JobRecord, worker: string): Promise<boolean>;
  counts(queue: string): ReturnType<JobRepository["countByStatus"]>;
  /** Called after every enqueue; an in-process runner uses it to start at once instead of polling. */
  onEnqueue(listener: (queue: string) => void): void;
}

export function createDbJobQueue(deps: { jobs: JobRepository; clock: Clock }): DbJobQueue {
  const { jobs, clock } = deps;
  const listeners: ((queue: string) => void)[] = [];
  return {
    async enqueue(queue, payload, options: EnqueueOptions = {}) {
      const now = clock.now();
      const id = await jobs.insert({
        id: randomUUID(),
        queue,
        payload,
        maxAttempts: options.maxAttempts ?? 5,
        runAt: options.runAt ?? now,
        dedupeKey: options.dedupeKey ?? null,
        now,
      });
      for (const l of listeners) l(queue);
      return id;
    },
    get: (id) => jobs.find(id),
    async claim(queue, worker, limit, leaseMs) {
      const now = clock.now();
      const claimed: JobRecord[] = [];
      for (const job of await jobs.listClaimable(queue, now, limit)) {
        if (job.status === "running" && job.attempts >= job.maxAttempts) {
          // Its worker died on every attempt: most likely the input kills it. Stop, with a reason.
          await jobs.fail(
            job.id,
            null,
            `worker lost ${job.attempts} times (crash or timeout); giving up`,
            null,
            now,
          );
          continue;
        }
        if (await jobs.claim(job, worker, now, leaseMs)) {
          claimed.push({
            ...job,
            status: "running",
            attempts: job.attempts + 1,
            lockedBy: worker,
            lockedUntil: now + leaseMs,
          });
        }
      }
      return claimed;
    },
    heartbeat: (job, worker, leaseMs) => jobs.heartbeat(job.id, worker, clock.now(), leaseMs),
    complete: (job, worker, result) => jobs.complete(job.id, worker, result, clock.now()),
    fail: (job, worker, error, retryAt) => jobs.fail(job.id, worker, error, retryAt, clock.now()),
    release: (job, worker) => jobs.release(job.id, worker, clock.now()),
    counts: (queue) => jobs.countByStatus(queue),
    onEnqueue(listener) {
      listeners.push(listener);
    },
  };
}
