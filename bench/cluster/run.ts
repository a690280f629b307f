/**
 * bench/cluster: the production shape (PostgreSQL, Redis/BullMQ, S3 via s3rver) with one API process.
 * Prints, in one run:
 *   - sessions/s and p50/p99 decision latency (submit → decision seen by the company) with 1 worker
 *     process, then with 2 — and the scaling ratio (2 workers / 1 worker);
 *   - begin/ throughput while the workers are saturated with a backlog, as a ratio of its idle
 *     throughput (backpressure: the API must keep answering).
 * The machine is shared and noisy, so the ratios are what to read. Workers run VERIFY_THREADS
 * (default 1) each; on a 2-core machine two workers compete with the API and the databases for CPU.
 *
 *   npm run build && npx tsx bench/cluster/run.ts [--sessions 30] [--clients 8] [--seconds 5] [--threads 1]
 */

import { Worker } from "node:worker_threads";
import {
  type Cluster,
  type ClusterClient,
  createClusterClient,
  createClusterCompany,
  percentile,
  startCluster,
} from "../../apps/server/src/testing/cluster.ts";
import { PG_URL } from "../../packages/db/test/test-databases.ts";

// No raisePriority() here: PostgreSQL and Redis run outside this process group, and raising ours
// starved them (begin/ under saturation read 0.07 of idle instead of the API being slow).
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SESSIONS = opt("sessions", 30);
const CLIENTS = opt("clients", 8);
const SECONDS = opt("seconds", 5);
const THREADS = opt("threads", 1);

let seedBase = 0;

/** Drives `n` whole sessions with `clients` concurrent clients; decision latency from each submit. */
async function drive(client: ClusterClient, n: number, clients: number) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < n) {
        next++;
        const token = await client.begin();
        await client.capture(token, seedBase++);
        const submitted = Date.now();
        const status = await client.waitForDecision(token, 600_000, 100);
        if (status === "in_progress") throw new Error("a session was not decided in 10 minutes");
        latencies.push(Date.now() - submitted);
      }
    }),
  );
  const seconds = (Date.now() - t0) / 1_000;
  return {
    perSecond: n / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/**
 * begin/ calls per second from `clients` concurrent clients for `seconds`. The clients run in their
 * own thread: this process also hosts the S3 server (s3rver) the workers read every capture from, and
 * on its event loop the clients would measure that load instead of the API's.
 */
async function beginRate(apis: string[], companyKey: string, seconds: number, clients = 16): Promise<number> {
  const source = `
    const { workerData, parentPort } = require("node:worker_threads");
    const { apis, companyKey, seconds, clients } = workerData;
    const body = JSON.stringify({ company_key: companyKey, flags: { liveness: false, document_types: ["passport"] } });
    let done = 0, turn = 0;
    const end = Date.now() + seconds * 1000;
    Promise.all(Array.from({ length: clients }, async () => {
      while (Date.now() < end) {
        const res = await fetch(apis[turn++ % apis.length] + "/begin/", {
          method: "POST", headers: { "content-type": "application/json" }, body,
        });
        await res.arrayBuffer();
        if (res.status === 200) done++;
      }
    })).then(() => parentPort.postMessage(done), (e) => parentPort.postMessage(-1));
  `;
  const worker = new Worker(source, { eval: true, workerData: { apis, companyKey, seconds, clients } });
  const done = await new Promise<number>((resolve, reject) => {
    worker.once("message", (n: number) => resolve(n));
    worker.once("error", reject);
  });
  await worker.terminate();
  if (done < 0) throw new Error("begin/ load failed");
  return done / seconds;
}

async function queued(cluster: Cluster): Promise<number> {
  const rows = await cluster.sql<{ n: string }>(
    "SELECT count(*) AS n FROM sessions WHERE submitted_at IS NOT NULL AND status = 'in_progress'",
  );
  return Number(rows[0]?.n ?? 0);
}

const cluster = await startCluster({
  parentEnv: process.env,
  pgAdminUrl: PG_URL,
  env: { VERIFY_THREADS: String(THREADS), LOG_LEVEL: "warn" },
});
try {
  cluster.companyKey = await createClusterCompany(cluster);
  await cluster.startServe("api");
  const client = createClusterClient(cluster.apis, cluster.companyKey);
  await cluster.startWorker("worker-1");
  // Warm-up: models load on the first job of each thread.
  await drive(client, 2, 2);
  const one = await drive(client, SESSIONS, CLIENTS);
  await cluster.startWorker("worker-2");
  await drive(client, 2, 2);
  const two = await drive(client, SESSIONS, CLIENTS);

  const idle = await beginRate(cluster.apis(), cluster.companyKey, SECONDS);
  // Saturate: a backlog of submitted sessions well beyond what the workers finish while we measure.
  const backlog = Math.max(40, Math.ceil(two.perSecond * SECONDS * 3));
  await Promise.all(
    Array.from({ length: 8 }, async (_, c) => {
      for (let i = c; i < backlog; i += 8) await client.capture(await client.begin(), seedBase++);
    }),
  );
  const before = await queued(cluster);
  const busy = await beginRate(cluster.apis(), cluster.companyKey, SECONDS);
  const after = await queued(cluster);

  const f = (x: number, d = 2) => x.toFixed(d);
  const lines = [
    `bench/cluster — ${SESSIONS} sessions per phase, ${CLIENTS} clients, ${THREADS} verification thread(s) per worker`,
    `1 worker : ${f(one.perSecond)} sessions/s, decision latency p50 ${f(one.p50, 0)} ms, p99 ${f(one.p99, 0)} ms`,
    `2 workers: ${f(two.perSecond)} sessions/s, decision latency p50 ${f(two.p50, 0)} ms, p99 ${f(two.p99, 0)} ms`,
    `scaling (2 workers / 1 worker): ${f(two.perSecond / one.perSecond)}×`,
    `begin/ idle: ${f(idle, 0)} req/s; with the workers saturated (${before} → ${after} sessions waiting): ${f(busy, 0)} req/s`,
    `begin/ under saturation / idle: ${f(busy / idle)}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await cluster.close();
}
