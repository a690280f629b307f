/**
 * bench/cluster/nice-hog: how much begin/ throughput an API process keeps while two CPU-bound threads
 * at a given nice value (or the SCHED_IDLE policy) run beside it — the question behind the verify
 * threads' priority (apps/server/src/verification/lower-thread-priority.ts), without the models.
 * One API process on PostgreSQL + Redis; for each priority: begin/ rate idle, then with the hog,
 * printed as a ratio (the machine is shared: read the ratios).
 *
 *   npm run build && npx tsx bench/cluster/nice-hog.ts [--seconds 5] [--nice 0,19,idle] [--connections 16]
 *     [--load compute|memory]
 */
import { spawn } from "node:child_process";
import { createClusterCompany, startCluster } from "../../apps/server/src/testing/cluster.ts";
import { PG_URL } from "../../packages/db/test/test-databases.ts";
import { beginRate } from "./begin-rate.ts";

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? def) : def;
};
const SECONDS = Number(arg("seconds", "5"));
/** Nice values, or `idle` for the SCHED_IDLE policy (as the verify threads use). */
const NICES = arg("nice", "0,19,idle").split(",");
const CONNECTIONS = Number(arg("connections", "16"));
/** `compute`: a register-bound loop; `memory`: streams over 64 MB, as inference does over its weights. */
const LOAD = arg("load", "compute");

/** Two busy-looping threads at `nice`, in a child process (same session, so same autogroup). */
function startHog(nice: string) {
  const lower =
    nice === "idle"
      ? `require("node:child_process").execFileSync("chrt", ["--idle", "--pid", "0", String(tid)]);`
      : `require("node:os").setPriority(tid, ${Number(nice)});`;
  const thread = `const tid = Number(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop());
    ${lower}
    ${LOAD === "memory" ? "const a = new Float64Array(8 << 20); for (let s = 0; ; ) for (let i = 0; i < a.length; i += 8) s += a[i] += 1;" : "for (;;) {}"}`;
  const main = `const { Worker } = require("node:worker_threads");
    for (let i = 0; i < 2; i++) new Worker(${JSON.stringify(thread)}, { eval: true });`;
  return spawn(process.execPath, ["-e", main], { stdio: "ignore" });
}

const cluster = await startCluster({
  parentEnv: process.env,
  pgAdminUrl: PG_URL,
  env: { LOG_LEVEL: "warn" },
});
try {
  cluster.companyKey = await createClusterCompany(cluster);
  await cluster.startServe("api");
  const api = cluster.apis()[0] ?? "";
  await beginRate(api, cluster.companyKey, 2, CONNECTIONS); // warm-up
  for (const nice of NICES) {
    const idle = await beginRate(api, cluster.companyKey, SECONDS, CONNECTIONS);
    const hog = startHog(nice);
    await new Promise((r) => setTimeout(r, 500));
    const busy = await beginRate(api, cluster.companyKey, SECONDS, CONNECTIONS);
    const exited = new Promise((r) => hog.once("exit", r));
    hog.kill("SIGKILL");
    await exited;
    process.stdout.write(
      `2 ${LOAD}-bound threads at ${nice === "idle" ? "SCHED_IDLE" : `nice ${nice}`}: begin/ ${busy.toFixed(0)} req/s vs ${idle.toFixed(0)} idle = ${(busy / idle).toFixed(2)}\n`,
    );
  }
} finally {
  await cluster.close();
}
