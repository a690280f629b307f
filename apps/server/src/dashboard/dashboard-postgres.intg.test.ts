/**
 * The dashboard's storage on PostgreSQL (when reachable): migration 0005, logins and lock-out, the
 * keyset-paged list with filters and blind-index search, review and the audit log, the overview.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PG_URL, postgresReachable } from "../../../../packages/db/test/test-databases.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";
import { DASHBOARD_COOKIE } from "./dashboard-routes.ts";

const reachable = await postgresReachable();
const schema = `dash_${randomBytes(5).toString("hex")}`;
let t: TestApp;

beforeAll(async () => {
  if (!reachable) return;
  t = await createTestApp({ DATABASE_URL: PG_URL, PG_SCHEMA: schema, DASHBOARD_MAX_FAILED_LOGINS: "2" });
});
afterAll(async () => {
  if (!reachable) return;
  await t.close();
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

describe.runIf(reachable)("dashboard on PostgreSQL", () => {
  it("logs in, locks out, lists with filters and search, reviews with an audit entry, counts", async () => {
    const company = await t.company();
    const password = "postgres password 1";
    await t.services.dashboardUsers.create({
      companyId: company.company_id,
      email: "pg@x.test",
      role: "admin",
      password,
    });
    for (let i = 0; i < 2; i++)
      await t.http.inject({
        method: "POST",
        url: "/dashboard/api/login",
        payload: { email: "pg@x.test", password: "wrong one!!" },
      });
    const locked = await t.http.inject({
      method: "POST",
      url: "/dashboard/api/login",
      payload: { email: "pg@x.test", password },
    });
    expect(locked.statusCode).toBe(429);
    t.clock.advance(16 * 60_000);
    const res = await t.http.inject({
      method: "POST",
      url: "/dashboard/api/login",
      payload: { email: "pg@x.test", password },
    });
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers["set-cookie"]).split(";")[0] ?? "";
    expect(cookie.startsWith(`${DASHBOARD_COOKIE}=`)).toBe(true);
    const headers = { cookie, "x-csrf-token": (res.json() as { csrf_token: string }).csrf_token };

    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const b = await t.http.inject({
        method: "POST",
        url: "/external-api/begin/",
        payload: { company_key: company.company_key },
      });
      tokens.push(b.json() as string);
      t.clock.advance(1_000);
    }
    const [first, second, third] = tokens as [string, string, string];
    await t.services.sessions.transition(second, "manual_check", "engine", {
      verification: {
        documentType: "passport",
        person: { first_name: "OLGA", last_name: "PETROVA", document_number: "AB123", issuing_state: "UKR" },
        reasonCodes: ["face_match_uncertain"],
      },
    });
    const list = async (q: string) =>
      (
        (await t.http.inject({ method: "GET", url: `/dashboard/api/sessions?${q}`, headers })).json() as {
          items: { session_token: string }[];
        }
      ).items.map((i) => i.session_token);
    expect(await list("")).toEqual([third, second, first]);
    const first1 = (
      await t.http.inject({ method: "GET", url: "/dashboard/api/sessions?page_size=1", headers })
    ).json() as { next_cursor: string; total: number };
    expect(first1.total).toBe(3);
    expect(await list(`page_size=1&after=${encodeURIComponent(first1.next_cursor)}`)).toEqual([second]);
    expect(await list("q=petrova%20olga")).toEqual([second]);
    expect(await list("q=AB123&country=UKR")).toEqual([second]);
    expect(await list("reason_code=face_match_uncertain&status=manual_check")).toEqual([second]);

    const review = await t.http.inject({
      method: "POST",
      url: `/dashboard/api/sessions/${second}/review`,
      headers,
      payload: { decision: "reject", reason_code: "face_mismatch", comment: "checked" },
    });
    expect(review.statusCode, review.body).toBe(200);
    const detail = (
      await t.http.inject({ method: "GET", url: `/dashboard/api/sessions/${second}`, headers })
    ).json() as {
      result: { result: string };
      audit: { action: string; by: string }[];
    };
    expect(detail.result.result).toBe("rejected");
    expect(detail.audit[0]).toMatchObject({ action: "session.review", by: "pg@x.test" });
    const o = (
      await t.http.inject({ method: "GET", url: "/dashboard/api/overview?days=7", headers })
    ).json() as {
      total: number;
      top_reason_codes: { code: string }[];
    };
    expect(o.total).toBe(3);
    // The operator's reject code counts with the engine's (the overview was cleared by the review).
    expect(o.top_reason_codes.map((r) => r.code)).toEqual(["face_match_uncertain", "face_mismatch"]);
  });
});
