/**
 * bench/dashboard: the dashboard's session list and overview queries (SQL, keyset pages, capped
 * count, aggregates) on a company with 1,000 sessions and on one with 100,000, in the same run;
 * prints the median latency of each query and the ratio 100k / 1k (the machine is shared and noisy:
 * only the ratios mean something; an O(rows) query would show ~100×, an indexed one stays near 1×).
 *
 *   npm run bench:dashboard [-- --big 100000 --small 1000 --runs 30 --pg postgres://…/test]
 */
import os from "node:os";
import type { SessionCursor, SessionListFilter, SessionRecord } from "@verimat/db";
import {
  createDashboardRepository,
  createRepositories,
  type DatabaseHandle,
  openDatabase,
} from "@verimat/db";
import { sql } from "kysely";

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? def) : def;
};
const BIG = Number(opt("big", "100000"));
const SMALL = Number(opt("small", "1000"));
const RUNS = Number(opt("runs", "30"));
const PG = opt("pg", "");
const BASE = Date.UTC(2026, 9, 1);
const STATUSES = ["approved", "rejected", "manual_check", "in_progress"];

function session(company: string, i: number, spacing: number): SessionRecord {
  const created = BASE + i * spacing;
  const decided = i % 4 < 2;
  return {
    token: `${company}${String(i).padStart(9, "0")}`.padEnd(40, "q"),
    companyId: company,
    configId: null,
    parentSessionId: null,
    status: STATUSES[i % 4] ?? "approved",
    flags: {},
    steps: [],
    effectiveSteps: [],
    currentStep: 0,
    openDeadline: created + 900_000,
    openedAt: null,
    lastActivityAt: null,
    submittedAt: decided ? created + 60_000 : null,
    completedAt: decided ? created + 60_000 + (i % 97) * 1_000 : null,
    verification: {
      documentType: i % 3 === 0 ? "passport" : "id",
      documentCountry: i % 5 === 0 ? "UKR" : "GEO",
      reasonCodes: i % 50 === 0 ? ["document_expired"] : i % 7 === 0 ? ["face_match_uncertain"] : [],
      $sealed: "sf1.x",
    },
    resultComment: "",
    technical: {},
    version: 0,
    createdAt: created,
    updatedAt: created,
  };
}

async function fill(h: DatabaseHandle, company: string, rows: number): Promise<void> {
  const repos = createRepositories(h.db);
  await repos.companies.insert(
    {
      id: company,
      name: company,
      secretKeySealed: null,
      hmacRequired: false,
      hmacTimestampRequired: false,
      callbackUrl: null,
      callbackKey: null,
      allowedOrigins: [],
      sessionTtlMinutes: 15,
      retentionDays: null,
      settings: {},
      createdAt: BASE,
      updatedAt: BASE,
    },
    {
      id: `k-${company}`,
      companyId: company,
      keyHash: `h-${company}`,
      keyPrefix: company,
      createdAt: BASE,
      revokedAt: null,
    },
  );
  // Both companies span the same 60 days, so date filters select the same share of each.
  const spacing = Math.floor((60 * 86_400_000) / rows);
  for (let start = 0; start < rows; start += 1_000) {
    const chunk: SessionRecord[] = [];
    for (let i = start; i < Math.min(rows, start + 1_000); i++) chunk.push(session(company, i, spacing));
    await repos.sessions.insertMany(chunk);
  }
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn(); // warm up (statement cache, buffers)
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

async function main() {
  const h = await openDatabase(
    PG
      ? { url: PG, dataDir: os.tmpdir(), pgSchema: `bench_${process.pid}` }
      : { url: ":memory:", dataDir: os.tmpdir() },
  );
  try {
    const t0 = Date.now();
    await fill(h, "small", SMALL);
    await fill(h, "big", BIG);
    console.log(`${PG ? "PostgreSQL" : "SQLite"}: inserted ${SMALL + BIG} sessions in ${Date.now() - t0} ms`);
    // Fresh statistics, as autovacuum (PostgreSQL) or a routine ANALYZE would have on a real database.
    await sql`analyze`.execute(h.db);
    const dash = createDashboardRepository(h.db);
    const deepCursor = async (company: string, rows: number): Promise<SessionCursor> => {
      // The cursor of a page 90% of the way down (what "Older →" reaches after many clicks).
      const spacing = Math.floor((60 * 86_400_000) / rows);
      const i = Math.floor(rows * 0.1);
      const s = session(company, i, spacing);
      return { createdAt: s.createdAt, token: s.token };
    };
    const from = BASE + 30 * 86_400_000;
    const queries: [string, (company: string, rows: number) => Promise<unknown>][] = [
      ["first page, no filter", (c) => dash.listSessions(c, {}, null, 26)],
      ["first page, status", (c) => dash.listSessions(c, { status: "manual_check" }, null, 26)],
      [
        "first page, type+country+status",
        (c) =>
          dash.listSessions(c, { status: "approved", documentType: "passport", country: "UKR" }, null, 26),
      ],
      [
        "first page, rare reason code",
        (c) => dash.listSessions(c, { reasonCode: "document_expired" }, null, 26),
      ],
      ["deep page (keyset at 90%)", async (c, n) => dash.listSessions(c, {}, await deepCursor(c, n), 26)],
      [
        "count (cap 10,000), status",
        (c) => dash.countSessions(c, { status: "manual_check" } as SessionListFilter, 10_000),
      ],
      ["overview, last 30 days", (c) => dash.overviewCounts(c, from)],
    ];
    console.log(
      `median of ${RUNS} runs; ratio = ${BIG.toLocaleString("en")} rows / ${SMALL.toLocaleString("en")} rows`,
    );
    for (const [name, q] of queries) {
      const small = await median(() => q("small", SMALL));
      const big = await median(() => q("big", BIG));
      console.log(
        `${name.padEnd(34)} ${small.toFixed(2).padStart(8)} ms ${big.toFixed(2).padStart(9)} ms   ratio ${(big / small).toFixed(2)}`,
      );
    }
  } finally {
    await h.close();
    if (PG) {
      const pg = await import("pg");
      const c = new pg.default.Client({ connectionString: PG });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS bench_${process.pid} CASCADE`);
      await c.end();
    }
  }
}

await main();
