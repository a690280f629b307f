/**
 * Durable background jobs (verification runs, callback deliveries). The interface is what services
 * use; the database implementation needs nothing beyond the service's own database, and a Redis
 * (BullMQ) implementation can take its place in a multi-process deployment.
 * @module
 */
import type { JobRecord } from "@verimat/db";

export interface EnqueueOptions {
  /** At most one job exists per key: enqueueing it again returns the first job's id. */
  dedupeKey?: string;
  /** Run no earlier than this time (ms since epoch). */
  runAt?: number;
  /** Attempts before the job fails for good (a crash of its worker counts as an attempt). @default 5 */
  maxAttempts?: number;
}

export interface JobQueue {
  enqueue(queue: string, payload: unknown, options?: EnqueueOptions): Promise<string>;
  get(id: string): Promise<JobRecord | null>;
}

/** Thrown by a handler when retrying cannot help (invalid input): the job fails at once, with this reason. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentJobError";
  }
}
