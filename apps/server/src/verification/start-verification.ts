/**
 * The verification worker of a process: a pool of engine threads and a job runner feeding it from
 * the "verify" queue. Stopping hands unfinished jobs back so another worker can take them at once.
 * @module
 */
import type { Clock } from "@verimat/core";
import { createRepositories, type DatabaseHandle } from "@verimat/db";
import { createJobRunner, type DbJobQueue } from "@verimat/jobs";
import type { FastifyBaseLogger } from "fastify";
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
  jobs: DbJobQueue;
  clock: Clock;
  threads?: number;
  log: FastifyBaseLogger;
  pollMs?: number;
}): VerificationWorker {
  const pool = createVerifyPool({ ...(deps.threads !== undefined ? { size: deps.threads } : {}) });
  const service = createVerificationService({
    sessions: deps.sessions,
    companies: deps.companies,
    analyses: createRepositories(deps.database.db).analyses,
    pool,
    clock: deps.clock,
  });
  // Captures are analysed as they arrive; the pool queues the work, so both runners share its threads.
  const analyzer = createJobRunner({
    queue: deps.jobs,
    name: "analyze",
    clock: deps.clock,
    concurrency: pool.size,
    leaseMs: 60_000,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    handler: (payload) => service.analyze(payload),
    onError: (job, err) =>
      deps.log.error({ err, jobId: job.id, attempt: job.attempts }, "capture analysis failed"),
  });
  const runner = createJobRunner({
    queue: deps.jobs,
    name: "verify",
    clock: deps.clock,
    concurrency: pool.size,
    // Model loading on a cold thread can take seconds on a busy machine; heartbeats keep the lease.
    leaseMs: 60_000,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    handler: (payload) => service.handle(payload),
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
