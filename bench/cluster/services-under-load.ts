/**
 * bench/cluster/services-under-load: where begin/'s slowdown under worker saturation comes from. One API
 * process and two workers (PostgreSQL, Redis/BullMQ, S3); each probe runs 16 concurrent clients, idle
 * and then while the workers chew a backlog: the API's /healthz (no I/O), raw PostgreSQL INSERTs and
 * SELECT 1 from this process, Redis PING, and begin/. Prints each as busy/idle.
 * PROBE_ENV='{"K":"V"}' adds settings to every process (to try thread-pool sizes and the like).
 *
 *   npm run build && npx tsx bench/cluster/services-under-load.ts
 */
import { Redis } from "ioredis";
import pg from "pg";
import {
  createClusterClient,
  createClusterCompany,
  startCluster,
} from "../../apps/server/src/testing/cluster.ts";
import { PG_URL } from "../../packages/db/test/test-databases.ts";
import { beginRate, requestRate } from "./begin-rate.ts";

const cluster = await startCluster({
  parentEnv: process.env,
  pgAdminUrl: PG_URL,
  env: {
    VERIFY_THREADS: "1",
    LOG_LEVEL: "warn",
    ...(process.env.PROBE_ENV ? JSON.parse(process.env.PROBE_ENV) : {}),
  },
});
try {
  cluster.companyKey = await createClusterCompany(cluster);
  await cluster.startServe("api");
  const api = cluster.apis()[0] ?? "";
  const client = createClusterClient(cluster.apis, cluster.companyKey);
  await cluster.startWorker("w1");
  await cluster.startWorker("w2");
  const pool = new pg.Pool({ connectionString: cluster.databaseUrl, max: 16 });
  await pool.query("CREATE TABLE IF NOT EXISTS probe_inserts (id bigserial primary key, t text)");
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const loop = async (fn: () => Promise<unknown>) => {
    let n = 0;
    const end = Date.now() + 3000;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() < end) {
          await fn();
          n++;
        }
      }),
    );
    return n / 3;
  };
  const probes = async () => ({
    pgInsert: await loop(() => pool.query("INSERT INTO probe_inserts (t) VALUES ($1)", ["x"])),
    pgSelect: await loop(() => pool.query("SELECT 1")),
    redis: await loop(() => redis.ping()),
    healthz: await requestRate(`${api}/healthz`, { seconds: 4 }),
    begin: await beginRate(api, cluster.companyKey, 4),
  });
  let seed = 0;
  // A worker says it is running before its models have loaded (that goes on in the background): one
  // session each to a decision first, so the idle figures do not include the loading.
  await Promise.all(
    [0, 1].map(async () => {
      const token = await client.begin();
      await client.capture(token, seed++);
      await client.waitForDecision(token, 300_000);
    }),
  );
  const idle = await probes();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 6; i++) await client.capture(await client.begin(), seed++);
    }),
  );
  const busy = await probes();
  await pool.end();
  redis.disconnect();
  for (const k of ["healthz", "pgInsert", "pgSelect", "redis", "begin"] as const)
    console.log(
      `${k.padEnd(8)} idle ${idle[k].toFixed(0)} busy ${busy[k].toFixed(0)} ratio ${(busy[k] / idle[k]).toFixed(2)}`,
    );
} finally {
  await cluster.close();
}
