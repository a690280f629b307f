/**
 * bench/callbacks: 10,000 callback events delivered to a local receiver by a real server process
 * (role all: the API and the callback worker share the process, the harder case), with no loss; prints
 * the delivery rate and the latency of begin/ and result/ while deliveries run, as a ratio to the same
 * calls measured idle in the same run (the machine is shared and noisy: only ratios mean something).
 *
 *   npm run bench:callbacks [-- --events 10000 --seconds 3 --connections 10 --split]
 * (--split: the API in a `verimat serve` process, deliveries in a `verimat worker` process.)
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createMasterKeyring, createSecretBox, systemClock } from "@verimat/core";
import { createRepositories, openDatabase } from "@verimat/db";
import { createDbJobQueue } from "@verimat/jobs";
import autocannon from "autocannon";
import { createCallbackService } from "../../apps/server/src/callbacks/index.ts";
import { createVault } from "../../apps/server/src/services/vault.ts";

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const EVENTS = opt("events", 10_000);
const seconds = opt("seconds", 3);
const connections = opt("connections", 10);
// all: one process serves and delivers (npm start); split: `verimat serve` + `verimat worker`.
const split = args.includes("--split");
const root = path.resolve(import.meta.dirname, "../..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "cb-bench-"));
const PORT = opt("port", 18941);
const env = {
  ...process.env,
  LOG_LEVEL: "warn",
  DATA_DIR: dataDir,
  PORT: String(PORT),
  HOST: "127.0.0.1",
  VERIFY_THREADS: "0",
  ALLOW_PRIVATE_CALLBACKS: "1",
  BEGIN_RATE_LIMIT_PER_MINUTE: "100000000",
};

// The receiver: checks every signature, counts deliveries and distinct event ids.
let secret = "";
const ids = new Set<string>();
/** The backlog's events (type "ping"), apart from the session.created events of the begin/ probe. */
const pings = new Set<string>();
let deliveries = 0;
let badSignatures = 0;
let firstAt = 0;
let lastAt = 0;
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const header = String(req.headers["verimat-signature"] ?? "");
    const t = /t=(\d+)/.exec(header)?.[1] ?? "";
    const v1 = /v1=([0-9a-f]{64})/.exec(header)?.[1] ?? "";
    const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
    if (v1.length !== 64 || !timingSafeEqual(expected, Buffer.from(v1, "hex"))) badSignatures++;
    deliveries++;
    const event = JSON.parse(body) as { id: string; type: string };
    ids.add(event.id);
    if (event.type === "ping") pings.add(event.id);
    if (event.type === "ping") {
      const now = performance.now();
      if (firstAt === 0) firstAt = now;
      lastAt = now;
    }
    res.writeHead(200).end("ok");
  });
});
await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

function cli(...a: string[]): Record<string, unknown> {
  const out = execFileSync("npx", ["tsx", "apps/server/src/cli.ts", ...a], {
    cwd: root,
    env,
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
}

async function startServer(
  script: string[] = split ? ["apps/server/src/cli.ts", "serve"] : ["apps/server/src/main.ts"],
  ready = "Demo page:",
  extraEnv: Record<string, string> = {},
): Promise<{ proc: ChildProcess; out: () => string }> {
  // Its own process group: npx does not pass SIGTERM on to the server, so the group is signalled.
  const proc = spawn("npx", ["tsx", ...script], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 180_000; // a loaded machine starts slowly
  while (!out.includes(ready)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, out: () => out };
}

async function load(url: string, body: string, opts: { amount?: number; connections?: number } = {}) {
  const r = await autocannon({
    url,
    method: "POST",
    connections: opts.connections ?? connections,
    ...(opts.amount ? { amount: opts.amount } : { duration: seconds }),
    headers: { "content-type": "application/json" },
    body,
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    total: r.requests.total - r.non2xx,
  };
}

async function waitForDelivered(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}
/** begin/ calls autocannon completed (each enqueued one event). */
const withCallbacksEvents = (r: { total: number }) => r.total;

const server = await startServer();
const worker = split
  ? await startServer(["apps/server/src/cli.ts", "worker"], "worker running", { LOG_LEVEL: "info" })
  : null;
try {
  const demoId = /Demo company id:\s+(\S+)/.exec(server.out())?.[1];
  const demoKey = /Demo company key:\s+(\S+)/.exec(server.out())?.[1];
  if (!demoId || !demoKey) throw new Error("no demo company");
  // The event source: the demo company gets a callback URL (every begin/ of it enqueues session.created).
  const set = cli("company", "set", "--company", demoId, "--callback-url", receiverUrl);
  secret = String(set.callback_signing_secret ?? "");
  if (!secret) throw new Error("no signing secret printed");
  // The probe: a company without callbacks, whose calls are timed idle and during deliveries.
  const probe = cli("company", "create", "--name", "Probe");
  const probeKey = String(probe.company_key);
  const base = `http://127.0.0.1:${PORT}`;
  const beginBody = JSON.stringify({ company_key: probeKey, flags: { language: "en" } });
  const tokenRes = await fetch(`${base}/external-api/begin/`, {
    method: "POST",
    body: beginBody,
    headers: { "content-type": "application/json" },
  });
  const resultBody = JSON.stringify({
    company_key: probeKey,
    session_token: (await tokenRes.json()) as string,
  });
  await new Promise((r) => setTimeout(r, 1_500)); // the company cache (1 s) sees the new callback URL

  // Idle: warm-up, then the baseline.
  await load(`${base}/external-api/begin/`, beginBody);
  const idleBegin = await load(`${base}/external-api/begin/`, beginBody);
  const idleResult = await load(`${base}/external-api/result/`, resultBody);

  // The cost of enqueueing on the hot path: begin/ of the company with a callback URL, same probe length.
  const withCallbacks = await load(`${base}/external-api/begin/`, JSON.stringify({ company_key: demoKey }));
  await waitForDelivered(() => ids.size >= withCallbacksEvents(withCallbacks), 300_000);

  // The backlog: 10,000 events written to the shared database by this process (as another API process
  // would), batched; the server's callback worker picks them up and delivers them.
  const database = await openDatabase({ url: undefined, dataDir });
  const callbacks = createCallbackService({
    db: database.db,
    jobs: createDbJobQueue({ jobs: createRepositories(database.db).jobs, clock: systemClock }),
    secretBox: createSecretBox(Buffer.alloc(32)), // not used for enqueueing
    // Pings carry no secret: nothing is sealed.
    vault: createVault({
      db: database.db,
      masterKeys: createMasterKeyring([Buffer.alloc(32)]),
      clock: systemClock,
    }),
    clock: systemClock,
    allowPrivate: true,
    timeoutMs: 10_000,
  });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: EVENTS }, (_, i) => callbacks.enqueue(demoId, { type: "ping", data: { n: i } })),
  );
  const enqueueSeconds = (performance.now() - t0) / 1000;
  await database.close();

  // Busy: the same probes while the backlog drains.
  const deliveredAtProbe = pings.size;
  const busyBegin = await load(`${base}/external-api/begin/`, beginBody);
  const busyResult = await load(`${base}/external-api/result/`, resultBody);
  const deliveredAfterProbe = pings.size;
  const deadline = Date.now() + 300_000;
  while (pings.size < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const delivered = pings.size;
  const spanS = (lastAt - firstAt) / 1000;
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : "n/a");
  console.log(
    `bench/callbacks  ${EVENTS} events, SQLite, ${split ? "serve + worker processes" : "one process (role all)"}, CALLBACK_CONCURRENCY default, LOG_LEVEL=warn`,
  );
  console.log(
    `  enqueued: ${EVENTS} events in ${enqueueSeconds.toFixed(1)} s (${(EVENTS / enqueueSeconds).toFixed(0)}/s, batched)`,
  );
  console.log(
    `  delivered: ${delivered}/${EVENTS} distinct ids, ${deliveries} deliveries in all (retries, duplicates after a lost lease, probe events), ${badSignatures} bad signatures, lost ${EVENTS - delivered}`,
  );
  console.log(
    `  delivery rate: ${(delivered / spanS).toFixed(0)} events/s (first to last delivery ${spanS.toFixed(1)} s)`,
  );
  console.log(
    `  during the probes ${deliveredAfterProbe - deliveredAtProbe} events were delivered (backlog at probe start ${EVENTS - deliveredAtProbe})`,
  );
  console.log(
    `  begin/  idle p50 ${idleBegin.p50} ms p99 ${idleBegin.p99} ms | busy p50 ${busyBegin.p50} ms p99 ${busyBegin.p99} ms`,
  );
  console.log(
    `  result/ idle p50 ${idleResult.p50} ms p99 ${idleResult.p99} ms | busy p50 ${busyResult.p50} ms p99 ${busyResult.p99} ms`,
  );
  console.log(
    `  latency ratio busy/idle: begin p50 ${ratio(busyBegin.p50, idleBegin.p50)} p99 ${ratio(busyBegin.p99, idleBegin.p99)}; result p50 ${ratio(busyResult.p50, idleResult.p50)} p99 ${ratio(busyResult.p99, idleResult.p99)}`,
  );
  console.log(
    `  throughput ratio busy/idle: begin ${ratio(busyBegin.rps, idleBegin.rps)}, result ${ratio(busyResult.rps, idleResult.rps)}`,
  );
  console.log(
    `  begin/ of a company with a callback URL (enqueues session.created): ${withCallbacks.rps.toFixed(0)} req/s p50 ${withCallbacks.p50} ms p99 ${withCallbacks.p99} ms; ratio to a company without: ${ratio(withCallbacks.rps, idleBegin.rps)}`,
  );
  if (delivered !== EVENTS || badSignatures > 0) process.exitCode = 1;
} finally {
  // SIGTERM to each server's process group (npx, tsx and the server); wait for them to exit so the
  // next run finds the port free.
  const exited = (p: ChildProcess) =>
    p.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once("exit", () => r()));
  const stop = (p: ChildProcess | undefined) => {
    if (p?.pid === undefined) return;
    try {
      process.kill(-p.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  stop(server.proc);
  stop(worker?.proc);
  await Promise.race([
    Promise.all([exited(server.proc), worker ? exited(worker.proc) : Promise.resolve()]),
    new Promise((r) => setTimeout(r, 20_000)),
  ]);
  receiver.close();
  await new Promise((r) => setTimeout(r, 500));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
