/**
 * An in-memory instance of the whole app for integration tests: SQLite in memory, media in a temp
 * folder, a manual clock, silent logs. `createTestApp()` is the one entry point.
 * @module
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { manualClock } from "@verimat/core";
import { type DatabaseHandle, openDatabase } from "@verimat/db";
import { createFsMediaStore } from "@verimat/media";
import { type App, buildApp } from "../app.ts";
import { type Config, loadConfig } from "../config.ts";
import { startVerification } from "../verification/start-verification.ts";

export interface TestApp extends App {
  database: DatabaseHandle;
  clock: ReturnType<typeof manualClock>;
  config: Readonly<Config>;
  dataDir: string;
  /** Creates a company; returns its raw credentials. */
  company(opts?: {
    hmac?: boolean;
    name?: string;
  }): Promise<{ company_id: string; company_key: string; secret_key?: string }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Capture JSON logs (at info level) into this stream instead of silencing them. */
  logStream?: NodeJS.WritableStream;
}

export async function createTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-test-"));
  const config = loadConfig({
    DATA_DIR: dataDir,
    DEMO: "0",
    LOG_LEVEL: options.logStream ? "info" : "silent",
    // Tests log in often from 127.0.0.1 under a clock that does not move; the per-IP test sets its own.
    DASHBOARD_LOGIN_IP_PER_MINUTE: "10000",
    ...env,
  });
  const database = await openDatabase({
    url: env.DATABASE_URL ?? ":memory:",
    dataDir,
    pgSchema: env.PG_SCHEMA,
  });
  const clock = manualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
  const app = await buildApp({
    config,
    database,
    media: createFsMediaStore(path.join(dataDir, "media")),
    clock,
    masterKey: randomBytes(32),
    logger: options.logStream ? { level: "info", stream: options.logStream } : false,
  });
  await app.http.ready();
  return {
    ...app,
    database,
    clock,
    config,
    dataDir,
    company: (opts = {}) =>
      app.services.companies.create({ name: opts.name ?? "Test company", hmac: opts.hmac === true }),
    async close() {
      await app.http.close();
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Real verification threads on a test app's services (the job runner of a worker process). */
export function startTestVerification(t: TestApp, options: { pollMs?: number } = {}) {
  return startVerification({
    database: t.database,
    sessions: t.services.sessions,
    companies: t.services.companies,
    jobs: t.services.jobs,
    clock: t.clock,
    threads: 1,
    pollMs: options.pollMs ?? 50,
    log: t.http.log,
  });
}
