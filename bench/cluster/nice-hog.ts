/**
 * bench/cluster/nice-hog: how much begin/ throughput an API process keeps while two CPU-bound threads
 * at a given nice value run beside it in the same scheduling group — the question behind the verify
 * threads' priority (apps/server/src/verification/lower-thread-priority.ts), without the models.
 * One API process on PostgreSQL + Redis; for each nice value: begin/ rate idle, then with the hog,
 * printed as a ratio (the machine is shared: read the ratios).
 *
 *   npm run build && npx tsx bench/cluster/nice-hog.ts [--seconds 5] [--nice 0,10,19] [--connections 16]
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
const NICES = arg("nice", "0,10,19").split(",").map(Number);
const CONNECTIONS = Number(arg("connections", "16"));

/** Two busy-looping threads at `nice`, in a child process (same session, so same autogroup). */
function startHog(nice: number) {
  const thread = `const fs = require("node:fs"); const os = require("node:os");
    os.setPriority(Number(fs.readlinkSync("/proc/thread-self").split("/").pop()), ${nice});
    for (;;) {}`;
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
      `2 CPU-bound threads at nice ${nice}: begin/ ${busy.toFixed(0)} req/s vs ${idle.toFixed(0)} idle = ${(busy / idle).toFixed(2)}\n`,
    );
  }
} finally {
  await cluster.close();
}
