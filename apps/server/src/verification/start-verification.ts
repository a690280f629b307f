/**
 * The verification worker of a process: a pool of engine threads and a job runner feeding it from
 * the "verify" queue. Stopping hands unfinished jobs back so another worker can take them at once.
 * @module
 */
import type { Clock } from "@verimat/core";
import type { DatabaseHandle } from "@verimat/db";
import { createJobRunner, type WorkQueue } from "@verimat/jobs";
import type { FastifyBaseLogger } from "fastify";
import type { Metrics } from "../http/metrics.ts";
import type { CompanyService } from "../services/company-service.ts";
import type { SessionService } from "../services/session-service.ts";
import { createVerificationService } from "./verification-service.ts";
import { createVerifyPool, type VerifyPool } from "./verify-pool.ts";

export interface VerificationWorker {
  pool: VerifyPool;
  stop(): Promise<void>;
}

export function startVerification(deps: {
  database: DatabaseHandle;
  sessions: SessionService;
  companies: CompanyService;
  jobs: WorkQueue;
  clock: Clock;
  threads?: number;
  /** Jobs per queue at once (default: the pool's threads; more only queues work in the pool). */
  concurrency?: number;
  /** Claim lifetime without renewal: how soon a dead worker's job moves on. @default 60 s */
  leaseMs?: number;
  /** Records job durations per stage and verification outcomes. */
  metrics?: Metrics;
  log: FastifyBaseLogger;
  pollMs?: number;
}): VerificationWorker {
  const pool = createVerifyPool({
    ...(deps.threads !== undefined ? { size: deps.threads } : {}),
    onError: (err) => deps.log.error({ err }, "verification thread pool error"),
  });
  const service = createVerificationService({
    sessions: deps.sessions,
    companies: deps.companies,
    // Sealed under the session key (face embeddings are biometric data).
    analyses: deps.sessions.analyses,
    pool,
    clock: deps.clock,
  });
  const concurrency = deps.concurrency ?? pool.size;
  const timed = <R>(stage: string, h: (payload: unknown) => Promise<R>) =>
    deps.metrics ? deps.metrics.timeJob(stage, h) : h;
  const verify = timed("verify", async (payload: unknown) => {
    const r = await service.handle(payload);
    if (r.status !== "deleted") deps.metrics?.verificationOutcome(r.status);
    return r;
  });
  // Captures are analysed as they arrive; the pool queues the work, so both runners share its threads.
  const analyzer = createJobRunner({
    queue: deps.jobs,
    name: "analyze",
    clock: deps.clock,
    concurrency,
    leaseMs: deps.leaseMs ?? 60_000,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    handler: timed("analyze", (payload) => service.analyze(payload)),
    onError: (job, err) =>
      deps.log.error({ err, jobId: job.id, attempt: job.attempts }, "capture analysis failed"),
  });
  const runner = createJobRunner({
    queue: deps.jobs,
    name: "verify",
    clock: deps.clock,
    concurrency,
    // Model loading on a cold thread can take seconds on a busy machine; heartbeats keep the lease.
    leaseMs: deps.leaseMs ?? 60_000,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    handler: verify,
    onError: (job, err) =>
      deps.log.error({ err, jobId: job.id, attempt: job.attempts }, "verification failed"),
  });
  pool.warmUp().catch((err: unknown) => deps.log.error({ err }, "verification models failed to load"));
  analyzer.start();
  runner.start();
  return {
    pool,
    async stop() {
      await Promise.all([analyzer.stop({ handBack: true }), runner.stop({ handBack: true })]);
      await pool.close();
    },
  };
}
