/**
 * The callback worker of a process (roles worker and all): a job runner on the "callback" queue that
 * delivers with the service's backoff. Stopping hands unfinished deliveries back to the queue.
 * @module
 */
import type { Clock } from "@verimat/core";
import { createJobRunner, type JobRunner, type JobRunnerOptions } from "@verimat/jobs";
import {
  CALLBACK_QUEUE,
  type CallbackLog,
  type CallbackService,
  callbackBackoff,
} from "./callback-service.ts";

export interface CallbackWorker {
  runner: JobRunner;
  stop(): Promise<void>;
}

export function startCallbacks(deps: {
  callbacks: CallbackService;
  /** The process's work queue (database table or BullMQ): whatever the job runner takes. */
  jobs: JobRunnerOptions["queue"];
  clock: Clock;
  /** Deliveries in flight at once. @default 16 */
  concurrency?: number;
  /** Per-attempt timeout; the lease outlives it. */
  timeoutMs: number;
  pollMs?: number;
  backoffMs?: (attempt: number) => number;
  log?: CallbackLog;
}): CallbackWorker {
  const runner = createJobRunner({
    queue: deps.jobs,
    name: CALLBACK_QUEUE,
    clock: deps.clock,
    concurrency: deps.concurrency ?? 16,
    leaseMs: Math.max(30_000, deps.timeoutMs * 3),
    backoffMs: deps.backoffMs ?? callbackBackoff,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    handler: (payload) => deps.callbacks.deliver(payload),
    // A receiver being down is expected: a warning without the body (it may carry personal data).
    onError: (job, err) =>
      deps.log?.warn(
        { jobId: job.id, attempt: job.attempts, reason: err instanceof Error ? err.message : String(err) },
        "callback delivery failed",
      ),
  });
  runner.start();
  // Events whose job insert was lost in a crash get one now (a no-op for events that have theirs).
  deps.callbacks
    .requeuePending()
    .catch((err: unknown) => deps.log?.error({ err }, "callback requeue failed"));
  return {
    runner,
    stop: () => runner.stop({ handBack: true }),
  };
}
