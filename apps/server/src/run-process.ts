/**
 * A Verimat process: configuration → dependencies → app → listen and/or work; on SIGTERM/SIGINT stop
 * accepting, finish in-flight requests, hand unfinished jobs back, close the database.
 * @module
 */

import { createServer } from "node:http";
import { createKeyringSecretBox } from "@verimat/core";
import { createDashboardRepository, createRepositories } from "@verimat/db";
import { type App, buildApp } from "./app.ts";
import { startCallbacks, trackApiActivity } from "./callbacks/index.ts";
import { loadConfig } from "./config.ts";
import { createUserService } from "./dashboard/user-service.ts";
import { openRuntime } from "./runtime.ts";
import { createCompanyService } from "./services/company-service.ts";
import { ensureDemoCompany } from "./services/demo-company.ts";
import { assertMasterKeysCoverStoredKeys } from "./services/key-rotation.ts";
import { startVerification } from "./verification/start-verification.ts";

export type ProcessRole = "all" | "serve" | "worker";

/**
 * Runs a Verimat process: `all` (the default of `npm start`) serves HTTP and verifies; `serve` only
 * answers HTTP (API, widget); `worker` only runs verification jobs. Any number of each can share one
 * database: sessions, jobs and media live there and in the media store, not in a process.
 */
export async function runProcess(role: ProcessRole): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const runtime = await openRuntime(config);
  // Fail fast when stored keys need a master key that is not configured (see services/key-rotation.ts).
  await assertMasterKeysCoverStoredKeys(runtime.database.db, runtime.masterKeys);
  let demo: Awaited<ReturnType<typeof ensureDemoCompany>> = null;
  if (config.demo && role !== "worker") {
    const companies = createCompanyService({
      companies: createRepositories(runtime.database.db).companies,
      secretBox: createKeyringSecretBox(runtime.masterKeys),
      clock: runtime.clock,
    });
    const users = createUserService({
      repo: createDashboardRepository(runtime.database.db),
      clock: runtime.clock,
      ...config.dashboard,
    });
    demo = await ensureDemoCompany(companies, config.dataDir, users);
  }
  const app = await buildApp({ config, ...runtime, demoCompanyKey: demo?.demo.company_key });
  const log = app.http.log;

  const verification =
    role === "serve" || config.verifyThreads === 0
      ? null
      : startVerification({
          database: runtime.database,
          sessions: app.services.sessions,
          companies: app.services.companies,
          jobs: app.services.jobs,
          clock: runtime.clock,
          threads: config.verifyThreads,
          ...(config.workerConcurrency !== undefined ? { concurrency: config.workerConcurrency } : {}),
          metrics: app.metrics,
          leaseMs: config.jobLeaseMs,
          log,
        });

  // Callback deliveries run wherever jobs run (roles worker and all), whatever VERIFY_THREADS says.
  const callbackWorker =
    role === "serve"
      ? null
      : startCallbacks({
          callbacks: app.services.callbacks,
          jobs: app.services.jobs,
          clock: runtime.clock,
          concurrency: config.callbackConcurrency,
          timeoutMs: config.callbackTimeoutMs,
          // Sharing the process with the API: deliveries slow down while it serves requests.
          ...(role === "all" && config.callbackBusyPerSecond > 0
            ? {
                shareLoop: {
                  api: trackApiActivity(app.http.server),
                  busyPerSecond: config.callbackBusyPerSecond,
                },
              }
            : {}),
          log,
        });

  // Retention (companies' retentionDays) runs in the same loop, less often; deleting is idempotent, so
  // several processes sweeping at once only repeat each other's work.
  let lastRetentionSweep = 0;
  const sweeper = setInterval(() => {
    app.services.sessions.expireDue().catch((err: unknown) => log.error({ err }, "expiry sweep failed"));
    // KYB parents whose beneficiaries finished while no process saw it (the transition listener is in-process).
    app.services.kyb.settleDue().catch((err: unknown) => log.error({ err }, "KYB sweep failed"));
    if (Date.now() - lastRetentionSweep >= config.retentionSweepMs) {
      lastRetentionSweep = Date.now();
      app.services.sessions
        .purgeExpiredRetention()
        .then((n) => {
          if (n > 0) log.info({ sessions: n }, "retention sweep deleted sessions");
        })
        .catch((err: unknown) => log.error({ err }, "retention sweep failed"));
    }
  }, 30_000);
  sweeper.unref();

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, "shutting down");
    clearInterval(sweeper);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    app.http
      .close()
      .then(() => Promise.all([verification?.stop(), callbackWorker?.stop()]))
      .then(() => runtime.database.close())
      .then(() => runtime.closeShared())
      .then(() => {
        process.stdout.write("verimat stopped\n");
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  if (role === "worker") {
    if (config.metricsPort !== undefined) await serveWorkerMetrics(app, config.metricsPort, config.host);
    log.info(
      { database: runtime.database.describe, threads: verification?.pool.size ?? 0 },
      "verimat worker running",
    );
    return;
  }
  await app.http.listen({ port: config.port, host: config.host });
  const address = app.http.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  log.info({ port, database: runtime.database.describe }, "verimat listening");
  if (demo) {
    // Printed to stdout on purpose, once per start: the quick start needs the demo key and page.
    process.stdout.write(
      [
        "",
        `Verimat is running on ${config.publicUrl} (port ${port}).`,
        `Demo company id:  ${demo.demo.company_id}`,
        `Demo company key: ${demo.demo.company_key}`,
        `Demo page:        ${config.publicUrl}/demo`,
        ...(demo.demo.admin_email
          ? [
              `Dashboard:        ${config.publicUrl}/dashboard/`,
              `Dashboard login:  ${demo.demo.admin_email} / ${demo.demo.admin_password ?? ""}`,
            ]
          : []),
        "",
      ].join("\n"),
    );
  }
}

/** A worker has no HTTP API; its metrics (job durations, outcomes) and liveness get a port of their own. */
async function serveWorkerMetrics(app: App, port: number, host: string): Promise<void> {
  const server = createServer((req, res) => {
    if (req.url === "/metrics") {
      app.metrics.registry
        .metrics()
        .then((body) => res.writeHead(200, { "content-type": app.metrics.registry.contentType }).end(body))
        .catch(() => res.writeHead(500).end());
      return;
    }
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      return;
    }
    res.writeHead(404).end();
  });
  server.unref();
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
}
