/**
 * The service process: configuration → dependencies → app → listen; on SIGTERM/SIGINT stop accepting,
 * finish in-flight requests, close the database.
 * @module
 */

import { createSecretBox } from "@verimat/core";
import { createRepositories } from "@verimat/db";
import { buildApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { openRuntime } from "./runtime.ts";
import { createCompanyService } from "./services/company-service.ts";
import { ensureDemoCompany } from "./services/demo-company.ts";
import { startVerification } from "./verification/start-verification.ts";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const runtime = await openRuntime(config);
  let demo: Awaited<ReturnType<typeof ensureDemoCompany>> = null;
  if (config.demo) {
    const companies = createCompanyService({
      companies: createRepositories(runtime.database.db).companies,
      secretBox: createSecretBox(runtime.masterKey),
      clock: runtime.clock,
    });
    demo = await ensureDemoCompany(companies, config.dataDir);
  }
  const app = await buildApp({ config, ...runtime, demoCompanyKey: demo?.demo.company_key });
  const log = app.http.log;

  const verification =
    config.verifyThreads === 0
      ? null
      : startVerification({
          database: runtime.database,
          sessions: app.services.sessions,
          companies: app.services.companies,
          jobs: app.services.jobs,
          clock: runtime.clock,
          threads: config.verifyThreads,
          log,
        });

  const sweeper = setInterval(() => {
    app.services.sessions.expireDue().catch((err: unknown) => log.error({ err }, "expiry sweep failed"));
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
      .then(() => verification?.stop())
      .then(() => runtime.database.close())
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
        "",
      ].join("\n"),
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`verimat failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
