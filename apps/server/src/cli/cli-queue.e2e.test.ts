/**
 * The CLI enqueues on the queue the workers read: with REDIS_URL set, `verimat callback test` and
 * `verimat callback replay` (separate CLI processes) put their jobs on BullMQ, and a `verimat worker`
 * process (BullMQ consumer) delivers them; nothing lands in the database's job table. Real processes
 * (the CLI's source through tsx, so no build is needed), one SQLite file, Redis at 127.0.0.1:6379
 * (skipped when unreachable, required on CI or with REQUIRE_REDIS=1).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  dropPrefix,
  REDIS_URL,
  requireRedisOrSkip,
  uniquePrefix,
} from "../../../../packages/jobs/test/test-queues.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../../..");
const tsx = path.join(repoRoot, "node_modules/tsx/dist/cli.mjs");
const cliSource = path.join(repoRoot, "apps/server/src/cli.ts");
const run = promisify(execFile);
const haveRedis = await requireRedisOrSkip();

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-cli-queue-"));
const prefix = uniquePrefix();
const received: { id: string; attempt: string }[] = [];
let receiver: Server;
let hookUrl = "";
let worker: ChildProcess | null = null;
let workerOut = "";

/** This test's configuration: no PostgreSQL or S3 from the surrounding environment. */
const env = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== "DATABASE_URL" && !k.startsWith("S3_")),
  ),
  DATA_DIR: dataDir,
  REDIS_URL,
  REDIS_PREFIX: prefix,
  ALLOW_PRIVATE_CALLBACKS: "1",
  VERIFY_THREADS: "0",
  DEMO: "0",
  LOG_LEVEL: "info",
});

async function cli(...args: string[]): Promise<Record<string, unknown>[]> {
  const { stdout } = await run(process.execPath, [tsx, cliSource, ...args], {
    env: env(),
    cwd: repoRoot,
    timeout: 120_000,
  });
  return stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function until(cond: () => boolean, what: string, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} did not happen:\n${workerOut}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!haveRedis) return;
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      const parsed = JSON.parse(body) as { id: string };
      received.push({ id: parsed.id, attempt: String(req.headers["verimat-delivery-attempt"]) });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  hookUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hook`;
}, 60_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill("SIGKILL");
  receiver?.close();
  if (haveRedis) await dropPrefix(prefix);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it.runIf(haveRedis)(
  "callback test and replay from the CLI are delivered by a BullMQ worker process",
  async () => {
    const [company] = await cli("company", "create", "--name", "Queue Test");
    const companyId = String(company?.company_id);
    await cli("company", "set", "--company", companyId, "--callback-url", hookUrl);

    // Node with tsx's loader, not tsx's CLI: the CLI runs the program in a child of its own, which a
    // SIGKILL of the CLI leaves running after the test.
    worker = spawn(process.execPath, ["--import", "tsx", cliSource, "worker"], {
      env: env(),
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (d: Buffer) => {
      workerOut += d.toString();
    };
    worker.stdout?.on("data", collect);
    worker.stderr?.on("data", collect);
    await until(() => workerOut.includes("verimat worker running"), "worker start");

    const [ping] = await cli("callback", "test", "--company", companyId);
    const eventId = String(ping?.event_id);
    expect(eventId).toMatch(/^evt_/);
    await until(() => received.some((r) => r.id === eventId), "first delivery");

    const [replayed] = await cli("callback", "replay", eventId);
    expect(replayed).toMatchObject({ event_id: eventId });
    await until(() => received.filter((r) => r.id === eventId).length === 2, "replayed delivery");
    expect(received.map((r) => r.attempt)).toEqual(["1", "2"]);

    // Both jobs went to BullMQ; the database's job table (which the workers do not read) stayed empty.
    const db = new Database(path.join(dataDir, "verimat.db"), { readonly: true, fileMustExist: true });
    try {
      expect(db.prepare("select count(*) as n from jobs").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    const [shown] = await cli("callback", "show", eventId);
    expect(shown).toMatchObject({ event_id: eventId, status: "delivered", attempts: 2 });
  },
  240_000,
);
