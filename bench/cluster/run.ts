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

import fs from "node:fs";
import {
  type Cluster,
  type ClusterClient,
  createClusterClient,
  createClusterCompany,
  percentile,
  startCluster,
} from "../../apps/server/src/testing/cluster.ts";
import { PG_URL } from "../../packages/db/test/test-databases.ts";
import { beginRate } from "./begin-rate.ts";

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
 * CPU time (seconds) spent so far by each part of the stack, read from /proc (Linux; empty elsewhere):
 * the API and worker processes, PostgreSQL and Redis (all their processes), and this process (s3rver
 * and the begin/ clients). Read before and after a measurement to see where the machine's time went.
 */
function cpuByPart(cluster: Cluster): Map<string, number> {
  const parts = new Map<string, number>();
  if (!fs.existsSync("/proc/self/stat")) return parts;
  const hz = 100; // USER_HZ: 100 on every Linux ABI Node.js supports
  const own = new Map<number, string>([[process.pid, "bench (s3rver, clients)"]]);
  for (const p of cluster.processes)
    if (p.child.pid !== undefined) own.set(p.child.pid, p.role === "serve" ? "api" : "workers");
  for (const entry of fs.readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const part =
      own.get(pid) ?? (comm === "postgres" ? "postgresql" : comm.startsWith("redis") ? "redis" : undefined);
    if (part === undefined) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    parts.set(part, (parts.get(part) ?? 0) + ticks / hz);
  }
  return parts;
}

/** "api 0.62, workers 1.10, …" in cores (CPU seconds per second) between two cpuByPart() readings. */
function cpuShare(before: Map<string, number>, after: Map<string, number>, seconds: number): string {
  return [...after]
    .map(([part, t]) => [part, (t - (before.get(part) ?? 0)) / seconds] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([part, cores]) => `${part} ${cores.toFixed(2)}`)
    .join(", ");
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

  const api = cluster.apis()[0] ?? "";
  const idleCpu = cpuByPart(cluster);
  const idle = await beginRate(api, cluster.companyKey, SECONDS);
  const idleShare = cpuShare(idleCpu, cpuByPart(cluster), SECONDS);
  // Saturate: a backlog of submitted sessions well beyond what the workers finish while we measure.
  const backlog = Math.max(40, Math.ceil(two.perSecond * SECONDS * 3));
  await Promise.all(
    Array.from({ length: 8 }, async (_, c) => {
      for (let i = c; i < backlog; i += 8) await client.capture(await client.begin(), seedBase++);
    }),
  );
  const before = await queued(cluster);
  const busyCpu = cpuByPart(cluster);
  const busy = await beginRate(api, cluster.companyKey, SECONDS);
  const busyShare = cpuShare(busyCpu, cpuByPart(cluster), SECONDS);
  const after = await queued(cluster);

  const f = (x: number, d = 2) => x.toFixed(d);
  const lines = [
    `bench/cluster — ${SESSIONS} sessions per phase, ${CLIENTS} clients, ${THREADS} verification thread(s) per worker`,
    `1 worker : ${f(one.perSecond)} sessions/s, decision latency p50 ${f(one.p50, 0)} ms, p99 ${f(one.p99, 0)} ms`,
    `2 workers: ${f(two.perSecond)} sessions/s, decision latency p50 ${f(two.p50, 0)} ms, p99 ${f(two.p99, 0)} ms`,
    `scaling (2 workers / 1 worker): ${f(two.perSecond / one.perSecond)}×`,
    `begin/ idle: ${f(idle, 0)} req/s; with the workers saturated (${before} → ${after} sessions waiting): ${f(busy, 0)} req/s`,
    `begin/ under saturation / idle: ${f(busy / idle)}`,
    `CPU (cores) while measuring idle begin/: ${idleShare}`,
    `CPU (cores) while measuring saturated begin/: ${busyShare}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await cluster.close();
}
