/**
 * The production shape: 2 `serve` and 2 `worker` processes on PostgreSQL (own database), Redis
 * (BullMQ, own key prefix) and S3 (s3rver). Clients drive CLUSTER_SESSIONS (default 200) whole
 * sessions through both API processes; midway one worker and one API process are SIGKILLed. Every
 * session must reach a decision once, and every capture must be readable, byte for byte, exactly once.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { PG_URL, postgresReachable } from "../../../packages/db/test/test-databases.ts";
import { redisReachable } from "../../../packages/jobs/test/test-queues.ts";
import {
  type Cluster,
  type ClusterProcess,
  createClusterClient,
  createClusterCompany,
  type SessionOutcome,
  sha256,
  startCluster,
} from "./testing/cluster.ts";

const SESSIONS = Number(process.env.CLUSTER_SESSIONS ?? 200);
const CLIENTS = 16;
const required = process.env.CI === "true" || process.env.REQUIRE_REDIS === "1";
const available = (await redisReachable()) && (await postgresReachable());
if (!available && required) throw new Error("the cluster test needs PostgreSQL and Redis at 127.0.0.1");

let cluster: Cluster;
let workers: ClusterProcess[] = [];
let apis: ClusterProcess[] = [];

beforeAll(async () => {
  if (!available) return;
  cluster = await startCluster({
    parentEnv: process.env,
    pgAdminUrl: PG_URL,
    env: { JOB_LEASE_SECONDS: "4", VERIFY_THREADS: "2" },
  });
  cluster.companyKey = await createClusterCompany(cluster);
  apis = await Promise.all([cluster.startServe("api-1"), cluster.startServe("api-2")]);
  workers = await Promise.all([cluster.startWorker("worker-1"), cluster.startWorker("worker-2")]);
}, 180_000);

afterAll(async () => {
  await cluster?.close();
});

it.runIf(available)(
  `drives ${SESSIONS} sessions through 2 API and 2 worker processes, surviving a SIGKILL of one of each`,
  async () => {
    const client = createClusterClient(cluster.apis, cluster.companyKey);
    const outcomes: SessionOutcome[] = [];
    let started = 0;
    let submitted = 0;
    let killed = false;
    const killMidway = async () => {
      if (killed || submitted < SESSIONS / 2) return;
      killed = true;
      const [worker, api] = [workers[0], apis[0]];
      if (worker && api) await Promise.all([cluster.kill(worker), cluster.kill(api)]);
    };

    async function runClient(): Promise<void> {
      while (started < SESSIONS) {
        const seed = started++;
        const t0 = Date.now();
        const token = await client.begin();
        const beginMs = Date.now() - t0;
        const { uploads, resent } = await client.capture(token, seed);
        const submittedAt = Date.now();
        submitted++;
        await killMidway();
        outcomes.push({
          token,
          status: "in_progress",
          uploads,
          resent,
          beginMs,
          submittedAt,
          decidedAt: 0,
          retries: 0,
        });
      }
    }
    await Promise.all(Array.from({ length: CLIENTS }, () => runClient()));
    expect(killed).toBe(true);

    // Every session decided (the killed worker's jobs move on after the 4 s lease).
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let i = c; i < outcomes.length; i += CLIENTS) {
          const o = outcomes[i];
          if (!o) continue;
          o.status = await client.waitForDecision(o.token, 240_000, 500);
          o.decidedAt = Date.now();
        }
      }),
    );
    const undecided = outcomes.filter((o) => o.status === "in_progress");
    expect(
      undecided.map((o) => o.token),
      cluster.logs().slice(-3_000),
    ).toEqual([]);
    expect(outcomes).toHaveLength(SESSIONS);
    for (const o of outcomes) expect(["approved", "rejected", "manual_check"]).toContain(o.status);

    // Decided once: one engine decision event per session, and the stored status is what result/ said.
    const tokens = outcomes.map((o) => o.token);
    const decisions = await cluster.sql<{ session_token: string; n: string; status: string }>(
      `SELECT e.session_token, count(*) AS n, max(s.status) AS status
         FROM session_events e JOIN sessions s ON s.token = e.session_token
        WHERE e.session_token = ANY($1) AND e.data LIKE '%"actor":"engine"%'
        GROUP BY e.session_token`,
      [tokens],
    );
    expect(decisions).toHaveLength(SESSIONS);
    const byToken = new Map(outcomes.map((o) => [o.token, o]));
    for (const d of decisions) {
      expect(Number(d.n), d.session_token).toBe(1);
      expect(d.status).toBe(byToken.get(d.session_token)?.status);
    }

    // No capture lost or duplicated: one index row per kind (more only where the client re-sent it),
    // and the bytes read back through the API are the uploaded ones.
    const rows = await cluster.sql<{ session_token: string; kind: string; n: string }>(
      `SELECT session_token, kind, count(*) AS n FROM media WHERE session_token = ANY($1) GROUP BY session_token, kind`,
      [tokens],
    );
    expect(rows).toHaveLength(SESSIONS * 2);
    for (const r of rows) {
      const o = byToken.get(r.session_token);
      const resent = o?.resent.filter((k) => k === r.kind).length ?? 0;
      expect(Number(r.n)).toBeGreaterThanOrEqual(1);
      expect(Number(r.n)).toBeLessThanOrEqual(1 + resent);
    }
    for (let i = 0; i < outcomes.length; i += 8) {
      await Promise.all(
        outcomes.slice(i, i + 8).map(async (o) => {
          for (const [kind, digest] of Object.entries(o.uploads)) {
            const res = await client.call(
              `/external-api/result/${kind}?company_key=${cluster.companyKey}&session_token=${o.token}`,
            );
            expect(res.status, `${o.token} ${kind}`).toBe(200);
            expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(digest);
          }
        }),
      );
    }
    const resentCount = outcomes.reduce((n, o) => n + o.resent.length, 0);
    process.stdout.write(
      `cluster: ${SESSIONS} sessions decided; ${client.retries} requests retried on the other API, ${resentCount} captures re-sent\n`,
    );
  },
  1_800_000,
);
