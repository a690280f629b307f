/**
 * The dashboard's session list and overview in SQL, on every reachable dialect, with more rows than
 * the old in-memory scan read (50,000): every filter answered by SQL, keyset pages complete and in
 * order, counts capped honestly, the overview's aggregates exact, the 0012 backfill.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDashboardRepository,
  createRepositories,
  type DatabaseHandle,
  type SessionCursor,
  type SessionListFilter,
} from "../src/index.ts";
import { backfillSessionFilters } from "../src/migrations/0012-session-filters.ts";
import { insertCompany, sessionRecord } from "./fixtures.ts";
import { testDatabases } from "./test-databases.ts";

const dbs = await testDatabases();
const ROWS = 60_000;
const BASE = 1_795_000_000_000;
const STATUSES = ["approved", "rejected", "manual_check", "in_progress"] as const;
const DAY = 86_400_000;

/** Row i of the generated company: every field a pure function of i, so expectations are computed. */
function gen(i: number) {
  const reasonCodes = [
    ...(i % 7 === 0 ? ["face_match_uncertain"] : []),
    ...(i % 11 === 0 ? ["document_expired"] : []),
  ];
  return {
    // Three sessions per millisecond: the order between them is the token's.
    token: `s${String(i).padStart(8, "0")}${"x".repeat(31)}`,
    createdAt: BASE + Math.floor(i / 3) * 20_000,
    status: STATUSES[i % 4] ?? "approved",
    documentType: i % 3 === 0 ? "passport" : i % 3 === 1 ? "id" : "",
    country: i % 5 === 0 ? "UKR" : "GEO",
    reasonCodes,
    rejectCode: i % 4 === 1 && i % 13 === 0 ? "operator_other" : "",
    submittedAt: i % 4 < 2 ? BASE + Math.floor(i / 3) * 20_000 + 1_000 : null,
    decisionMs: (i * 37) % 5_000,
  };
}
type Gen = ReturnType<typeof gen>;

const byOrder = (a: Gen, b: Gen) => b.createdAt - a.createdAt || (a.token < b.token ? 1 : -1);

describe.each(dbs)("session list on $name", (target) => {
  let h: DatabaseHandle & { dropSchema(): Promise<void> };
  let dash: ReturnType<typeof createDashboardRepository>;
  const all: Gen[] = [];

  beforeAll(async () => {
    h = await target.open();
    const repos = createRepositories(h.db);
    await insertCompany(repos, "c1", BASE);
    await insertCompany(repos, "c2", BASE);
    dash = createDashboardRepository(h.db);
    // Bulk insert: 1,000 rows a statement (the repository's insertMany writes the reason-code rows).
    for (let start = 0; start < ROWS; start += 1_000) {
      const chunk = [];
      for (let i = start; i < start + 1_000; i++) {
        const g = gen(i);
        all.push(g);
        chunk.push(
          sessionRecord(g.token, "c1", {
            status: g.status,
            createdAt: g.createdAt,
            updatedAt: g.createdAt,
            submittedAt: g.submittedAt,
            completedAt: g.submittedAt === null ? null : g.submittedAt + g.decisionMs,
            verification: {
              ...(g.documentType ? { documentType: g.documentType } : {}),
              documentCountry: g.country,
              reasonCodes: g.reasonCodes,
              ...(g.rejectCode ? { rejectReason: { value: g.rejectCode } } : {}),
              $sealed: "sf1.AAAA",
            },
          }),
        );
      }
      await repos.sessions.insertMany(chunk);
    }
    // Another company's sessions with the same values never show.
    await repos.sessions.insertMany(
      Array.from({ length: 50 }, (_, i) =>
        sessionRecord(`z${String(i).padStart(39, "0")}`, "c2", {
          status: "approved",
          verification: { documentType: "passport", reasonCodes: ["face_match_uncertain"] },
        }),
      ),
    );
    // Blind-index digests: "anna" on every 1,000th session, "smith" on every 500th.
    const search = [];
    for (let i = 0; i < ROWS; i += 500) {
      const token = gen(i).token;
      search.push({ session_token: token, company_id: "c1", field: "name", digest: "d-smith" });
      if (i % 1_000 === 0)
        search.push({ session_token: token, company_id: "c1", field: "name", digest: "d-anna" });
    }
    await h.db.insertInto("session_search").values(search).execute();
  }, 600_000);

  afterAll(async () => {
    await h?.close();
    await h?.dropSchema();
  });

  /** Every page of a filter, walked with the keyset cursor. */
  async function walk(filter: SessionListFilter, pageSize: number): Promise<string[]> {
    const out: string[] = [];
    let after: SessionCursor | null = null;
    for (;;) {
      const rows = await dash.listSessions("c1", filter, after, pageSize);
      out.push(...rows.map((r) => r.token));
      const last = rows.at(-1);
      if (rows.length < pageSize || !last) return out;
      after = { createdAt: last.createdAt, token: last.token };
    }
  }
  const expected = (pred: (g: Gen) => boolean) =>
    all
      .filter(pred)
      .sort(byOrder)
      .map((g) => g.token);

  it("walks all 60,000 sessions, newest first, none twice, none missing", async () => {
    const tokens = await walk({}, 2_500);
    expect(tokens.length).toBe(ROWS);
    expect(new Set(tokens).size).toBe(ROWS);
    expect(tokens).toEqual(expected(() => true));
  }, 300_000);

  it("filters in SQL: status, document type, country, reason code, dates, and their combination", async () => {
    const from = BASE + 10_000 * 20_000;
    const to = BASE + 18_000 * 20_000;
    const cases: [SessionListFilter, (g: Gen) => boolean][] = [
      [{ status: "approved" }, (g) => g.status === "approved"],
      [
        { documentType: "passport", country: "UKR" },
        (g) => g.documentType === "passport" && g.country === "UKR",
      ],
      [{ reasonCode: "document_expired" }, (g) => g.reasonCodes.includes("document_expired")],
      [{ reasonCode: "operator_other" }, (g) => g.rejectCode === "operator_other"],
      [{ from, to }, (g) => g.createdAt >= from && g.createdAt < to],
      [
        { status: "rejected", reasonCode: "face_match_uncertain", documentType: "id", from },
        (g) =>
          g.status === "rejected" &&
          g.reasonCodes.includes("face_match_uncertain") &&
          g.documentType === "id" &&
          g.createdAt >= from,
      ],
    ];
    for (const [filter, pred] of cases) {
      const want = expected(pred);
      expect(want.length).toBeGreaterThan(0);
      expect(await walk(filter, 5_000)).toEqual(want);
    }
  }, 300_000);

  it("searches by blind-index digest groups (AND within a group, OR across) and by exact token", async () => {
    const anna = expected((g) => Number(g.token.slice(1, 9)) % 1_000 === 0);
    expect(await walk({ search: { digestGroups: [["d-anna", "d-smith"]] } }, 7)).toEqual(anna);
    expect(await walk({ search: { digestGroups: [["d-smith"]] } }, 50)).toHaveLength(ROWS / 500);
    const one = gen(12_345).token;
    expect(await walk({ search: { token: one, digestGroups: [["d-anna"]] } }, 100)).toEqual(
      expected((g) => g.token === one || Number(g.token.slice(1, 9)) % 1_000 === 0),
    );
    expect(await walk({ search: { digestGroups: [["d-nobody"]] } }, 10)).toEqual([]);
    expect(await walk({ search: { digestGroups: [] } }, 10)).toEqual([]);
  }, 300_000);

  it("counts matches exactly up to the cap, and says when there are more", async () => {
    expect(await dash.countSessions("c1", { status: "approved" }, 100_000)).toEqual({
      count: ROWS / 4,
      more: false,
    });
    expect(await dash.countSessions("c1", {}, 10_000)).toEqual({ count: 10_000, more: true });
    expect(await dash.countSessions("c1", { reasonCode: "document_expired" }, 10_000)).toEqual({
      count: all.filter((g) => g.reasonCodes.includes("document_expired")).length,
      more: false,
    });
    expect(await dash.countSessions("c2", {}, 10_000)).toEqual({ count: 50, more: false });
  }, 300_000);

  it("aggregates the overview in SQL: per day and status, reason codes, median decision time", async () => {
    const from = BASE + 15_000 * 20_000;
    const o = await dash.overviewCounts("c1", from);
    const inWindow = all.filter((g) => g.createdAt >= from);
    const perDay = new Map<string, number>();
    for (const g of inWindow) {
      const key = `${Math.floor(g.createdAt / DAY)}/${g.status}`;
      perDay.set(key, (perDay.get(key) ?? 0) + 1);
    }
    expect(new Map(o.perDay.map((r) => [`${r.day}/${r.status}`, r.count]))).toEqual(perDay);
    const reasons = new Map<string, number>();
    for (const g of inWindow)
      for (const c of [...g.reasonCodes, ...(g.rejectCode ? [g.rejectCode] : [])])
        reasons.set(c, (reasons.get(c) ?? 0) + 1);
    expect(new Map(o.reasons.map((r) => [r.code, r.count]))).toEqual(reasons);
    const times = inWindow
      .filter((g) => g.submittedAt !== null)
      .map((g) => g.decisionMs)
      .sort((a, b) => a - b);
    const mid = Math.floor(times.length / 2);
    const median = times.length % 2 === 1 ? times[mid] : ((times[mid - 1] ?? 0) + (times[mid] ?? 0)) / 2;
    expect(o.medianDecisionMs).toBe(median);
  }, 300_000);

  it("keeps the filter columns and reason-code rows in step with the findings on update", async () => {
    const repos = createRepositories(h.db);
    const g = gen(59_999);
    const s = await repos.sessions.find(g.token);
    if (!s) throw new Error("missing");
    await repos.sessions.update(
      g.token,
      s.version,
      { verification: { documentType: "driver_license", documentCountry: "deu", reasonCodes: ["x_new"] } },
      BASE,
    );
    expect(await walk({ documentType: "driver_license", country: "DEU", reasonCode: "x_new" }, 10)).toEqual([
      g.token,
    ]);
    const codes = await h.db
      .selectFrom("session_reason_codes")
      .select("code")
      .where("session_token", "=", g.token)
      .execute();
    expect(codes.map((c) => c.code)).toEqual(["x_new"]);
  });

  it("backfills the filter columns of rows written before migration 0012", async () => {
    const tokens = [gen(0).token, gen(1).token];
    await h.db
      .updateTable("sessions")
      .set({ document_type: null, document_country: null })
      .where("token", "in", tokens)
      .execute();
    await h.db.deleteFrom("session_reason_codes").where("session_token", "in", tokens).execute();
    await backfillSessionFilters(h.db);
    const rows = await h.db
      .selectFrom("sessions")
      .select(["token", "document_type", "document_country"])
      .where("token", "in", tokens)
      .orderBy("token")
      .execute();
    expect(rows).toEqual([
      { token: tokens[0], document_type: "passport", document_country: "UKR" },
      { token: tokens[1], document_type: "id", document_country: "GEO" },
    ]);
    const n = await sql<{ n: number | string }>`select count(*) as n from session_reason_codes
      where session_token = ${tokens[0]}`.execute(h.db);
    expect(Number(n.rows[0]?.n)).toBe(2);
  }, 300_000);
});
