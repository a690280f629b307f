/**
 * The callback worker of a process (roles worker and all): a job runner on the "callback" queue that
 * delivers with the service's backoff, and the outbox relay (every 30 s, events committed without a
 * job get one). Sharing the process with the API (role all), deliveries pass a gate that slows them
 * down while the API is serving (delivery-gate.ts). Stopping hands unfinished deliveries back.
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
import { type ApiActivity, createDeliveryGate } from "./delivery-gate.ts";

/** How often the outbox relay looks for committed events without a job, and how old they must be. */
const RELAY_EVERY_MS = 30_000;
const RELAY_AFTER_MS = 30_000;

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
  /**
   * The process also serves the API (role all): while it is busy, deliveries start at most
   * `busyPerSecond` times a second (default 100). Worker processes leave it out.
   */
  shareLoop?: { api: ApiActivity; busyPerSecond?: number };
  log?: CallbackLog;
}): CallbackWorker {
  const gate = deps.shareLoop ? createDeliveryGate(deps.shareLoop) : null;
  const runner = createJobRunner({
    queue: deps.jobs,
    name: CALLBACK_QUEUE,
    clock: deps.clock,
    concurrency: deps.concurrency ?? 16,
    leaseMs: Math.max(30_000, deps.timeoutMs * 3),
    backoffMs: deps.backoffMs ?? callbackBackoff,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    handler: async (payload, job) => {
      await gate?.take();
      return deps.callbacks.deliver(payload, job);
    },
    // A receiver being down is expected: a warning without the body (it may carry personal data).
    onError: (job, err) =>
      deps.log?.warn(
        { jobId: job.id, attempt: job.attempts, reason: err instanceof Error ? err.message : String(err) },
        "callback delivery failed",
      ),
  });
  runner.start();
  // The outbox relay: events committed without their job (a crash right after the commit) get one;
  // at start every such event, then those older than 30 s (a no-op for events that have their job).
  const relay = (olderThanMs: number) =>
    deps.callbacks
      .requeuePending({ olderThanMs })
      .catch((err: unknown) => deps.log?.error({ err }, "callback relay failed"));
  void relay(0);
  const relayTimer = setInterval(() => void relay(RELAY_AFTER_MS), RELAY_EVERY_MS);
  relayTimer.unref();
  return {
    runner,
    async stop() {
      clearInterval(relayTimer);
      await runner.stop({ handBack: true });
    },
  };
}
