/**
 * The dashboard's JSON API against the in-memory app: login, cookie flags, CSRF, lock-out, logout
 * everywhere, roles, company isolation, review through to `/external-api/result/`, corrections, the
 * audit log, configurations round-trip to begin/ with config_id, settings (fields_mismatch_effect as
 * a real verification thread decides with it), keys and the overview.
 */

import { renderTd3DataPage, SAMPLE_TD3_FIELDS } from "@verimat/engine/fixtures";
import type { LightMyRequestResponse } from "fastify";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dashboardLogin, type DashboardLogin as Login } from "../testing/dashboard-login.ts";
import { multipartBody } from "../testing/multipart.ts";
import { createTestApp, startTestVerification, type TestApp } from "../testing/test-app.ts";
import { DASHBOARD_COOKIE } from "./dashboard-routes.ts";
import { OVERVIEW_CACHE_MS } from "./session-review-service.ts";

let t: TestApp;
let companyA: { company_id: string; company_key: string };
let companyB: { company_id: string; company_key: string };
const PASSWORD = "correct horse battery";

beforeEach(async () => {
  t = await createTestApp({ DASHBOARD_MAX_FAILED_LOGINS: "3", DASHBOARD_LOCKOUT_MINUTES: "10" });
  companyA = await t.company({ name: "A" });
  companyB = await t.company({ name: "B" });
  await t.services.dashboardUsers.create({
    companyId: companyA.company_id,
    email: "admin@a.test",
    role: "admin",
    password: PASSWORD,
  });
  await t.services.dashboardUsers.create({
    companyId: companyA.company_id,
    email: "op@a.test",
    role: "operator",
    password: PASSWORD,
  });
  await t.services.dashboardUsers.create({
    companyId: companyB.company_id,
    email: "admin@b.test",
    role: "admin",
    password: PASSWORD,
  });
});
afterEach(async () => {
  await t.close();
});

function cookieOf(res: LightMyRequestResponse): string {
  const raw = res.headers["set-cookie"];
  const line = (Array.isArray(raw) ? raw : [raw ?? ""]).find((c) => c.startsWith(`${DASHBOARD_COOKIE}=`));
  if (!line) throw new Error("no login cookie");
  return line.split(";")[0] ?? "";
}

const login = (email: string, password = PASSWORD): Promise<Login> => dashboardLogin(t.http, email, password);

function api(who: Login, method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown) {
  return t.http.inject({
    method,
    url,
    headers: { cookie: who.cookie, "x-csrf-token": who.csrf },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

async function begin(key: string, payload: Record<string, unknown> = {}): Promise<string> {
  const res = await t.http.inject({
    method: "POST",
    url: "/external-api/begin/",
    payload: { company_key: key, ...payload },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as string;
}

async function result(key: string, token: string) {
  const res = await t.http.inject({
    method: "POST",
    url: "/external-api/result/",
    payload: { company_key: key, session_token: token },
  });
  expect(res.statusCode).toBe(200);
  return res.json() as {
    result: string;
    reject_reason: { value: string };
    result_comment: string;
    person: Record<string, unknown>;
  };
}

/** A session the engine sent to manual review, with findings as the engine stores them. */
async function manualCheckSession(key: string, person: Record<string, string> = {}): Promise<string> {
  const token = await begin(key);
  await t.services.sessions.transition(token, "manual_check", "engine", {
    verification: {
      similarity: 0.71,
      documentType: "passport",
      person: {
        first_name: "ANNA MARIA",
        last_name: "ERIKSSON",
        document_number: "L898902C3",
        issuing_state: "UTO",
        ...person,
      },
      reasonCodes: ["face_match_uncertain"],
      rejectReason: { value: "face_match_uncertain", description: "x" },
    },
  });
  return token;
}

describe("dashboard auth", () => {
  it("answers 401 with the error shape on every API route without a login", async () => {
    for (const [method, url] of [
      ["GET", "/dashboard/api/me"],
      ["GET", "/dashboard/api/sessions"],
      ["GET", "/dashboard/api/overview"],
      ["GET", "/dashboard/api/settings"],
      ["POST", "/dashboard/api/keys"],
      ["GET", "/dashboard/api/sessions/0123456789abcdefghij0123456789abcdefghij/media/x"],
    ] as const) {
      const res = await t.http.inject({ method, url });
      expect(res.statusCode, url).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: "DASHBOARD_AUTH_REQUIRED" } });
    }
  });

  it("refuses a wrong password and an unknown email alike", async () => {
    const wrong = await t.http.inject({
      method: "POST",
      url: "/dashboard/api/login",
      payload: { email: "admin@a.test", password: "nope nope nope" },
    });
    const unknown = await t.http.inject({
      method: "POST",
      url: "/dashboard/api/login",
      payload: { email: "who@a.test", password: "nope nope nope" },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe("DASHBOARD_LOGIN_FAILED");
    expect(unknown.json().error.message).toBe(wrong.json().error.message);
    expect(wrong.headers["set-cookie"]).toBeUndefined();
  });

  it("sets an HttpOnly, SameSite=Strict cookie on /dashboard, Secure when PUBLIC_URL is https", async () => {
    const res = await t.http.inject({
      method: "POST",
      url: "/dashboard/api/login",
      payload: { email: "admin@a.test", password: PASSWORD },
    });
    const line = String(res.headers["set-cookie"]);
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Strict/);
    expect(line).toMatch(/Path=\/dashboard/);
    expect(line).not.toMatch(/Secure/);
    const value = cookieOf(res).split("=")[1] ?? "";
    expect(value.length).toBeGreaterThanOrEqual(40);

    const https = await createTestApp({ PUBLIC_URL: "https://verify.example.com" });
    try {
      const c = await https.company();
      await https.services.dashboardUsers.create({
        companyId: c.company_id,
        email: "s@x.test",
        role: "admin",
        password: PASSWORD,
      });
      const r = await https.http.inject({
        method: "POST",
        url: "/dashboard/api/login",
        payload: { email: "s@x.test", password: PASSWORD },
      });
      expect(String(r.headers["set-cookie"])).toMatch(/; Secure/);
    } finally {
      await https.close();
    }
  });

  it("requires the CSRF header on state-changing requests", async () => {
    const a = await login("admin@a.test");
    const none = await t.http.inject({
      method: "POST",
      url: "/dashboard/api/keys",
      headers: { cookie: a.cookie },
      payload: {},
    });
    expect(none.statusCode).toBe(403);
    expect(none.json().error.code).toBe("DASHBOARD_CSRF_INVALID");
    const wrong = await t.http.inject({
      method: "POST",
      url: "/dashboard/api/keys",
      headers: { cookie: a.cookie, "x-csrf-token": `${a.csrf.slice(0, -1)}x` },
      payload: {},
    });
    expect(wrong.statusCode).toBe(403);
    // A GET needs no token; a POST with it works.
    expect(
      (await t.http.inject({ method: "GET", url: "/dashboard/api/me", headers: { cookie: a.cookie } }))
        .statusCode,
    ).toBe(200);
    expect((await api(a, "POST", "/dashboard/api/keys", {})).statusCode).toBe(200);
  });

  it("locks the account after repeated failures, also for the right password, until the lock passes", async () => {
    for (let i = 0; i < 2; i++) {
      const r = await t.http.inject({
        method: "POST",
        url: "/dashboard/api/login",
        payload: { email: "op@a.test", password: "wrong password" },
      });
      expect(r.statusCode).toBe(401);
    }
    const third = await t.http.inject({
      method: "POST",
      url: "/dashboard/api/login",
      payload: { email: "op@a.test", password: "wrong password" },
    });
    expect(third.statusCode).toBe(429);
    expect(third.json().error.code).toBe("DASHBOARD_ACCOUNT_LOCKED");
    expect(Number(third.headers["retry-after"])).toBe(600);
    const right = await t.http.inject({
      method: "POST",
      url: "/dashboard/api/login",
      payload: { email: "op@a.test", password: PASSWORD },
    });
    expect(right.statusCode).toBe(429);
    t.clock.advance(10 * 60_000 + 1);
    await login("op@a.test");
  });

  it("logs out one login, or every login of the user", async () => {
    const one = await login("admin@a.test");
    const two = await login("admin@a.test");
    expect((await api(one, "POST", "/dashboard/api/logout", {})).statusCode).toBe(200);
    expect((await api(one, "GET", "/dashboard/api/me")).statusCode).toBe(401);
    expect((await api(two, "GET", "/dashboard/api/me")).statusCode).toBe(200);
    const three = await login("admin@a.test");
    const out = await api(two, "POST", "/dashboard/api/logout-everywhere", {});
    expect(out.json()).toMatchObject({ ok: true, revoked: 2 });
    expect((await api(two, "GET", "/dashboard/api/me")).statusCode).toBe(401);
    expect((await api(three, "GET", "/dashboard/api/me")).statusCode).toBe(401);
  });

  it("changes the password only with the current one", async () => {
    const a = await login("op@a.test");
    const wrong = await api(a, "POST", "/dashboard/api/password", {
      current_password: "not it at all",
      new_password: "a new password 1",
    });
    expect(wrong.statusCode).toBe(401);
    const short = await api(a, "POST", "/dashboard/api/password", {
      current_password: PASSWORD,
      new_password: "short",
    });
    expect(short.statusCode).toBe(400);
    const ok = await api(a, "POST", "/dashboard/api/password", {
      current_password: PASSWORD,
      new_password: "a new password 1",
    });
    expect(ok.statusCode).toBe(200);
    await login("op@a.test", "a new password 1");
    const old = await t.http.inject({
      method: "POST",
      url: "/dashboard/api/login",
      payload: { email: "op@a.test", password: PASSWORD },
    });
    expect(old.statusCode).toBe(401);
  });

  it("ends a login when it expires", async () => {
    const a = await login("admin@a.test");
    t.clock.advance(12 * 3_600_000 + 1);
    expect((await api(a, "GET", "/dashboard/api/me")).statusCode).toBe(401);
  });
});

describe("roles and isolation", () => {
  it("lets operators view and review but not change settings, keys, users or configurations", async () => {
    const op = await login("op@a.test");
    expect((await api(op, "GET", "/dashboard/api/sessions")).statusCode).toBe(200);
    expect((await api(op, "GET", "/dashboard/api/overview")).statusCode).toBe(200);
    for (const [method, url] of [
      ["GET", "/dashboard/api/settings"],
      ["PUT", "/dashboard/api/settings"],
      ["GET", "/dashboard/api/keys"],
      ["POST", "/dashboard/api/keys/rotate"],
      ["POST", "/dashboard/api/users"],
      ["POST", "/dashboard/api/configurations"],
    ] as const) {
      const res = await api(op, method, url, method === "GET" ? undefined : {});
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code).toBe("DASHBOARD_FORBIDDEN");
    }
    const token = await manualCheckSession(companyA.company_key);
    const reviewed = await api(op, "POST", `/dashboard/api/sessions/${token}/review`, {
      decision: "approve",
    });
    expect(reviewed.statusCode).toBe(200);
  });

  it("never shows or changes another company's sessions, configurations or keys", async () => {
    const a = await login("admin@a.test");
    const b = await login("admin@b.test");
    const tokenB = await manualCheckSession(companyB.company_key);
    const tokenA = await manualCheckSession(companyA.company_key);

    const listA = (await api(a, "GET", "/dashboard/api/sessions")).json() as {
      items: { session_token: string }[];
    };
    expect(listA.items.map((i) => i.session_token)).toEqual([tokenA]);
    expect((await api(a, "GET", `/dashboard/api/sessions/${tokenB}`)).statusCode).toBe(404);
    expect((await api(a, "GET", `/dashboard/api/sessions?q=${tokenB}`)).json().items).toEqual([]);
    const review = await api(a, "POST", `/dashboard/api/sessions/${tokenB}/review`, { decision: "approve" });
    expect(review.statusCode).toBe(404);
    expect((await result(companyB.company_key, tokenB)).result).toBe("manual_check");
    const correct = await api(a, "POST", `/dashboard/api/sessions/${tokenB}/corrections`, {
      fields: { first_name: "X" },
    });
    expect(correct.statusCode).toBe(404);

    const cfgB = (
      await api(b, "POST", "/dashboard/api/configurations", { name: "B flow", flags: {} })
    ).json() as { config_id: string };
    expect((await api(a, "GET", `/dashboard/api/configurations/${cfgB.config_id}`)).statusCode).toBe(404);
    expect(
      (await api(a, "PUT", `/dashboard/api/configurations/${cfgB.config_id}`, { name: "mine" })).statusCode,
    ).toBe(404);
    expect((await api(a, "DELETE", `/dashboard/api/configurations/${cfgB.config_id}`)).statusCode).toBe(404);
    expect(
      (await api(a, "POST", `/dashboard/api/configurations/${cfgB.config_id}/preview`, {})).statusCode,
    ).toBe(404);
    expect((await api(a, "GET", "/dashboard/api/configurations")).json().items).toEqual([]);

    const keysB = (await api(b, "GET", "/dashboard/api/keys")).json() as { items: { key_id: string }[] };
    const keyB = keysB.items[0]?.key_id ?? "";
    expect((await api(a, "POST", `/dashboard/api/keys/${keyB}/revoke`, {})).statusCode).toBe(404);
    expect(await begin(companyB.company_key)).toMatch(/^[0-9a-z]{40}$/);
    expect((await api(a, "GET", "/dashboard/api/keys")).json().items).toHaveLength(1);
    expect(
      (await api(a, "GET", "/dashboard/api/users")).json().items.map((u: { email: string }) => u.email),
    ).toEqual(["admin@a.test", "op@a.test"]);
  });
});

describe("review", () => {
  it("approves through the transition table: the result API changes and the audit log says who", async () => {
    const a = await login("admin@a.test");
    const token = await manualCheckSession(companyA.company_key);
    expect((await result(companyA.company_key, token)).result).toBe("manual_check");
    const res = await api(a, "POST", `/dashboard/api/sessions/${token}/review`, {
      decision: "approve",
      comment: "checked the passport",
    });
    expect(res.statusCode, res.body).toBe(200);
    const after = await result(companyA.company_key, token);
    expect(after.result).toBe("approved");
    expect(after.reject_reason.value).toBe("");
    expect(after.result_comment).toBe("checked the passport");

    const detail = (await api(a, "GET", `/dashboard/api/sessions/${token}`)).json() as {
      audit: { action: string; by: string; at: string; data: Record<string, unknown> }[];
      timeline: { type: string; data: Record<string, unknown> }[];
    };
    expect(detail.audit[0]).toMatchObject({
      action: "session.review",
      by: "admin@a.test",
      at: new Date(t.clock.now()).toISOString(),
      data: { from: "manual_check", to: "approved" },
    });
    expect(detail.timeline.at(-1)).toMatchObject({
      type: "session.reviewed",
      data: { actor: "operator", by: "admin@a.test" },
    });
  });

  it("rejects with a reason code and comment, which become reject_reason and result_comment", async () => {
    const op = await login("op@a.test");
    const token = await manualCheckSession(companyA.company_key);
    const missing = await api(op, "POST", `/dashboard/api/sessions/${token}/review`, { decision: "reject" });
    expect(missing.statusCode).toBe(400);
    const res = await api(op, "POST", `/dashboard/api/sessions/${token}/review`, {
      decision: "reject",
      reason_code: "face_mismatch",
      comment: "not the same person",
    });
    expect(res.statusCode).toBe(200);
    const after = await result(companyA.company_key, token);
    expect(after).toMatchObject({
      result: "rejected",
      reject_reason: { value: "face_mismatch" },
      result_comment: "not the same person",
    });
  });

  it("keeps a review and its audit entry together: if the entry cannot be written, nothing changes", async () => {
    const a = await login("admin@a.test");
    const token = await manualCheckSession(companyA.company_key);
    await sql`create trigger audit_fails before insert on audit_log begin select raise(abort, 'audit down'); end`.execute(
      t.database.db,
    );
    try {
      const res = await api(a, "POST", `/dashboard/api/sessions/${token}/review`, { decision: "approve" });
      expect(res.statusCode).toBe(500);
    } finally {
      await sql`drop trigger audit_fails`.execute(t.database.db);
    }
    expect((await result(companyA.company_key, token)).result).toBe("manual_check");
    const detail = (await api(a, "GET", `/dashboard/api/sessions/${token}`)).json() as {
      audit: unknown[];
      timeline: { type: string }[];
    };
    expect(detail.audit).toEqual([]);
    expect(detail.timeline.map((e) => e.type)).not.toContain("session.reviewed");
  });

  it("refuses moves the transition table forbids (an expired session cannot be approved)", async () => {
    const a = await login("admin@a.test");
    const token = await begin(companyA.company_key);
    t.clock.advance(16 * 60_000);
    const res = await api(a, "POST", `/dashboard/api/sessions/${token}/review`, { decision: "approve" });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe("SESSION_TRANSITION_INVALID");
    expect((await result(companyA.company_key, token)).result).toBe("expired");
  });

  it("corrects extracted fields: the API's person changes, the MRZ read is kept and the change audited", async () => {
    const a = await login("admin@a.test");
    const token = await manualCheckSession(companyA.company_key);
    const bad = await api(a, "POST", `/dashboard/api/sessions/${token}/corrections`, {
      fields: { mrz: "x" },
    });
    expect(bad.statusCode).toBe(400);
    const res = await api(a, "POST", `/dashboard/api/sessions/${token}/corrections`, {
      fields: { first_name: "ANNA" },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((await result(companyA.company_key, token)).person.first_name).toBe("ANNA");
    const detail = (await api(a, "GET", `/dashboard/api/sessions/${token}`)).json() as {
      fields: { field: string; mrz: string; value: string; corrected: boolean; mismatch: boolean }[];
      audit: { action: string; data: Record<string, unknown> }[];
    };
    expect(detail.fields.find((f) => f.field === "first_name")).toMatchObject({
      mrz: "ANNA MARIA",
      value: "ANNA",
      corrected: true,
      mismatch: true,
    });
    expect(detail.audit[0]).toMatchObject({
      action: "session.correct",
      data: { changes: { first_name: { from: "ANNA MARIA", to: "ANNA" } } },
    });
  });
});

describe("sessions list", () => {
  it("filters by status, document type, country, reason code, date, and searches name, number and token", async () => {
    const anna = await manualCheckSession(companyA.company_key);
    // (newest first: one millisecond apart, else the order between the two is the tokens')
    t.clock.advance(1);
    const bob = await manualCheckSession(companyA.company_key, {
      first_name: "BOB",
      last_name: "SMITH",
      document_number: "X1234567",
      issuing_state: "GEO",
    });
    t.clock.advance(2 * 86_400_000);
    // (logged in after the clock moved: a login lasts 12 hours)
    const a = await login("admin@a.test");
    const fresh = await begin(companyA.company_key);
    const tokens = async (query: string) =>
      (
        (await api(a, "GET", `/dashboard/api/sessions?${query}`)).json() as {
          items: { session_token: string }[];
        }
      ).items.map((i) => i.session_token);
    expect(await tokens("")).toEqual([fresh, bob, anna]);
    expect(await tokens("status=in_progress")).toEqual([fresh]);
    expect(await tokens("status=manual_check&country=GEO")).toEqual([bob]);
    expect(await tokens("document_type=passport")).toEqual([bob, anna]);
    expect(await tokens("reason_code=face_match_uncertain")).toEqual([bob, anna]);
    expect(await tokens("q=smith")).toEqual([bob]);
    expect(await tokens("q=anna%20eriksson")).toEqual([anna]);
    expect(await tokens("q=L898902C3")).toEqual([anna]);
    expect(await tokens(`q=${fresh}`)).toEqual([fresh]);
    const today = new Date(t.clock.now()).toISOString().slice(0, 10);
    expect(await tokens(`from=${today}`)).toEqual([fresh]);
    expect(await tokens(`to=${new Date(t.clock.now() - 2 * 86_400_000).toISOString().slice(0, 10)}`)).toEqual(
      [bob, anna],
    );
    const page1 = (await api(a, "GET", "/dashboard/api/sessions?page_size=2")).json();
    expect(page1).toMatchObject({ has_more: true, total: 3, total_more: false });
    expect(page1.items.map((i: { session_token: string }) => i.session_token)).toEqual([fresh, bob]);
    const page2 = (
      await api(
        a,
        "GET",
        `/dashboard/api/sessions?page_size=2&after=${encodeURIComponent(page1.next_cursor)}`,
      )
    ).json();
    expect(page2.items.map((i: { session_token: string }) => i.session_token)).toEqual([anna]);
    expect(page2).toMatchObject({ has_more: false, next_cursor: null, total: 3 });
    expect((await api(a, "GET", "/dashboard/api/sessions?after=1.x%2Fy")).json().error.code).toBe(
      "PARAM_INVALID",
    );
    const bad = await api(a, "GET", "/dashboard/api/sessions?status=nope");
    expect(bad.statusCode).toBe(400);
    expect((await api(a, "GET", "/dashboard/api/sessions?from=yesterday")).json().error.code).toBe(
      "PARAM_INVALID",
    );
  });
});

describe("configurations", () => {
  it("round-trips: saved in the dashboard, used by begin with config_id exactly as saved", async () => {
    const a = await login("admin@a.test");
    const steps = [
      { type: "liveness", flags: { liveness: true } },
      { type: "identity-document", flags: { document_types: ["passport"], allow_document_upload: true } },
    ];
    const flags = {
      language: "ka",
      document_countries: ["geo"],
      skip_agreement: true,
      return_url: "https://shop.example/back",
    };
    const invalid = await api(a, "POST", "/dashboard/api/configurations", {
      name: "x",
      flags: { liveness: "yes" },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe("FLAG_INVALID");
    const saved = await api(a, "POST", "/dashboard/api/configurations", {
      name: "Georgian passports",
      flags,
      steps,
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const id = (saved.json() as { config_id: string }).config_id;
    const token = await begin(companyA.company_key, { config_id: id });
    const s = await t.services.sessions.find(token);
    expect(s?.configId).toBe(id);
    expect(s?.flags).toEqual({ ...flags, document_countries: ["GEO"] });
    expect(s?.effectiveSteps.map((x) => x.type)).toEqual(["liveness", "identity-document"]);
    expect(s?.effectiveSteps[1]?.flags).toEqual({
      document_types: ["passport"],
      allow_document_upload: true,
    });

    // Reordered in the dashboard → the next begin follows.
    const updated = await api(a, "PUT", `/dashboard/api/configurations/${id}`, {
      name: "Georgian passports",
      flags,
      steps: [...steps].reverse(),
    });
    expect(updated.statusCode).toBe(200);
    const next = await t.services.sessions.find(await begin(companyA.company_key, { config_id: id }));
    expect(next?.effectiveSteps.map((x) => x.type)).toEqual(["identity-document", "liveness"]);

    const preview = (await api(a, "POST", `/dashboard/api/configurations/${id}/preview`, {})).json() as {
      session_token: string;
      url: string;
      path: string;
    };
    expect(preview.url).toBe(`${t.config.publicUrl}/?session_token=${preview.session_token}`);
    expect(preview.path).toBe(`/?session_token=${preview.session_token}`);
    expect((await t.services.sessions.find(preview.session_token))?.configId).toBe(id);
  });
});

describe("settings and keys", () => {
  it("saves thresholds, origins, callback, lifetime, retention and branding where the API reads them", async () => {
    const a = await login("admin@a.test");
    const res = await api(a, "PUT", "/dashboard/api/settings", {
      accept_similarity: 0.8,
      reject_similarity: 0.5,
      allowed_origins: ["https://shop.example"],
      callback_url: "https://shop.example/hook",
      callback_key: "cb-secret",
      session_ttl_minutes: 30,
      retention_days: 90,
      fields_mismatch_effect: "reject",
      branding: { primary_color: "#112233", logo_url: "https://shop.example/logo.png" },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      callback_key_set: true,
      accept_similarity: 0.8,
      fields_mismatch_effect: "reject",
    });
    expect(res.body).not.toContain("cb-secret");
    const c = await t.services.companies.require(companyA.company_id);
    expect(c.settings).toMatchObject({
      acceptSimilarity: 0.8,
      rejectSimilarity: 0.5,
      fieldsMismatchEffect: "reject",
      branding: { primary_color: "#112233" },
    });
    expect(c).toMatchObject({
      allowedOrigins: ["https://shop.example"],
      callbackUrl: "https://shop.example/hook",
      sessionTtlMinutes: 30,
      retentionDays: 90,
    });
    for (const body of [
      { accept_similarity: 0.4, reject_similarity: 0.6 },
      { branding: { primary_color: "red;" } },
      { fields_mismatch_effect: "approve" },
      { fields_mismatch_effect: "REJECT" },
      { fields_mismatch_effect: null },
      { fields_mismatch_effect: 1 },
      { nope: 1 },
    ]) {
      const r = await api(a, "PUT", "/dashboard/api/settings", body);
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe("COMPANY_SETTING_INVALID");
    }
    // A refused form changes nothing.
    expect((await api(a, "GET", "/dashboard/api/settings")).json()).toMatchObject({
      fields_mismatch_effect: "reject",
      accept_similarity: 0.8,
    });
    const audit = (await api(a, "GET", "/dashboard/api/audit")).json() as {
      items: { action: string; data: unknown }[];
    };
    expect(audit.items[0]).toMatchObject({ action: "settings.update" });
    expect(JSON.stringify(audit.items)).not.toContain("cb-secret");
  });

  it("fields_mismatch_effect set in the dashboard is what the verification worker decides with", async () => {
    const a = await login("admin@a.test");
    const setting = async () =>
      ((await api(a, "GET", "/dashboard/api/settings")).json() as { fields_mismatch_effect: string })
        .fields_mismatch_effect;
    expect(await setting()).toBe("review");
    // A passport whose printed surname is not the MRZ's, read by a real engine thread.
    const passport = (await renderTd3DataPage(SAMPLE_TD3_FIELDS, { printed: { surname: "SCHNEIDER" } })).png;
    const worker = startTestVerification(t);
    try {
      for (const [effect, status, reason] of [
        [null, "manual_check", "fields_mismatch"],
        ["reject", "rejected", "fields_mismatch"],
        ["ignore", "approved", ""],
      ] as const) {
        if (effect !== null) {
          const put = await api(a, "PUT", "/dashboard/api/settings", { fields_mismatch_effect: effect });
          expect(put.statusCode, put.body).toBe(200);
          expect(await setting()).toBe(effect);
        }
        const token = await begin(companyA.company_key, {
          flags: { document_types: ["passport"], skip_face: true, skip_agreement: true },
        });
        const h = { "x-session-token": token };
        await t.http.inject({ method: "GET", url: "/api/widget/session", headers: h });
        const mp = multipartBody([], [["image", "page.png", passport]]);
        const up = await t.http.inject({
          method: "POST",
          url: "/api/widget/captures/passport",
          body: mp.body,
          headers: { ...h, "content-type": mp.contentType },
        });
        expect(up.statusCode, up.body).toBe(201);
        await t.http.inject({ method: "POST", url: "/api/widget/steps/0/complete", headers: h });
        const submitted = await t.http.inject({ method: "POST", url: "/api/widget/submit", headers: h });
        expect(submitted.statusCode, submitted.body).toBe(200);
        await expect
          .poll(async () => (await result(companyA.company_key, token)).result, {
            timeout: 90_000,
            interval: 200,
          })
          .not.toBe("in_progress");
        const r = await result(companyA.company_key, token);
        expect({ effect, result: r.result, reason: r.reject_reason.value }).toEqual({
          effect,
          result: status,
          reason,
        });
        // Ignored or not, the mismatch itself stays in the findings.
        const s = await t.services.sessions.find(token);
        expect((s?.verification as { person?: { status?: string } } | undefined)?.person?.status).toBe(
          "FIELDS_MISMATCH",
        );
      }
    } finally {
      await worker.stop();
    }
  }, 240_000);

  it("creates, rotates and revokes API keys (shown once) and issues an HMAC secret", async () => {
    const a = await login("admin@a.test");
    const created = (await api(a, "POST", "/dashboard/api/keys", {})).json() as {
      key_id: string;
      company_key: string;
    };
    expect(await begin(created.company_key)).toMatch(/^[0-9a-z]{40}$/);
    const list = (await api(a, "GET", "/dashboard/api/keys")).json() as {
      items: { key_id: string; prefix: string }[];
    };
    expect(list.items).toHaveLength(2);
    expect(JSON.stringify(list)).not.toContain(created.company_key);
    expect((await api(a, "POST", `/dashboard/api/keys/${created.key_id}/revoke`, {})).statusCode).toBe(200);
    const refused = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: { company_key: created.company_key },
    });
    expect(refused.statusCode).not.toBe(200);
    const rotated = (await api(a, "POST", "/dashboard/api/keys/rotate", {})).json() as {
      company_key: string;
    };
    expect(await begin(rotated.company_key)).toMatch(/^[0-9a-z]{40}$/);
    const old = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: { company_key: companyA.company_key },
    });
    expect(old.statusCode).not.toBe(200);

    const hmac = (await api(a, "POST", "/dashboard/api/settings/hmac-secret", { enabled: true })).json() as {
      secret_key: string;
    };
    expect(hmac.secret_key.length).toBeGreaterThan(30);
    const unsigned = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: { company_key: rotated.company_key },
    });
    expect(unsigned.statusCode).toBe(401);
    expect((await api(a, "GET", "/dashboard/api/settings")).json().hmac).toBe(true);
  });

  it("lets an admin add an operator who gets a one-time password", async () => {
    const a = await login("admin@a.test");
    const res = await api(a, "POST", "/dashboard/api/users", { email: "New@A.test", role: "operator" });
    expect(res.statusCode).toBe(200);
    const { password, user } = res.json() as { password: string; user: { email: string; role: string } };
    expect(user).toMatchObject({ email: "new@a.test", role: "operator" });
    await login("new@a.test", password);
    expect(
      (await api(a, "POST", "/dashboard/api/users", { email: "new@a.test", role: "operator" })).statusCode,
    ).toBe(409);
  });
});

describe("overview", () => {
  it("counts per day by outcome, pass rate, top reason codes and median time to decision", async () => {
    const a = await login("admin@a.test");
    const one = await begin(companyA.company_key);
    const two = await begin(companyA.company_key);
    await begin(companyA.company_key);
    const s1 = await t.services.sessions.find(one);
    const s2 = await t.services.sessions.find(two);
    if (!s1 || !s2) throw new Error("sessions missing");
    await t.services.sessions.submit(s1);
    await t.services.sessions.submit(s2);
    t.clock.advance(4_000);
    await t.services.sessions.transition(one, "approved", "engine", { verification: { reasonCodes: [] } });
    t.clock.advance(2_000);
    await t.services.sessions.transition(two, "rejected", "engine", {
      verification: { reasonCodes: ["face_mismatch", "no_face"] },
    });
    await begin(companyB.company_key);
    const o = (await api(a, "GET", "/dashboard/api/overview?days=7")).json() as {
      total: number;
      totals: Record<string, number>;
      pass_rate: number;
      median_decision_ms: number;
      per_day: { day: string; counts: Record<string, number> }[];
      top_reason_codes: { code: string; count: number }[];
    };
    expect(o.total).toBe(3);
    expect(o.totals).toEqual({ approved: 1, rejected: 1, in_progress: 1 });
    expect(o.pass_rate).toBe(0.5);
    expect(o.median_decision_ms).toBe(5_000);
    expect(o.per_day).toHaveLength(7);
    expect(o.per_day.at(-1)?.counts).toEqual({ approved: 1, rejected: 1, in_progress: 1 });
    expect(o.top_reason_codes.map((r) => r.code)).toEqual(["face_mismatch", "no_face"]);
  });

  it("is cached briefly per company: new sessions show after the TTL, a review at once", async () => {
    const a = await login("admin@a.test");
    const b = await login("admin@b.test");
    const total = async (who: typeof a) =>
      ((await api(who, "GET", "/dashboard/api/overview?days=7")).json() as { total: number }).total;
    const token = await manualCheckSession(companyA.company_key);
    expect(await total(a)).toBe(1);
    expect(await total(b)).toBe(0);
    await begin(companyA.company_key);
    await begin(companyB.company_key);
    // Within the TTL the cached figures are served (per company).
    expect(await total(a)).toBe(1);
    expect(await total(b)).toBe(0);
    t.clock.advance(OVERVIEW_CACHE_MS + 1);
    expect(await total(a)).toBe(2);
    expect(await total(b)).toBe(1);
    // A review through the dashboard drops the company's figures at once.
    const before = (await api(a, "GET", "/dashboard/api/overview?days=7")).json() as {
      totals: Record<string, number>;
    };
    expect(before.totals.manual_check).toBe(1);
    expect(
      (await api(a, "POST", `/dashboard/api/sessions/${token}/review`, { decision: "approve" })).statusCode,
    ).toBe(200);
    const after = (await api(a, "GET", "/dashboard/api/overview?days=7")).json() as {
      totals: Record<string, number>;
    };
    expect(after.totals).toEqual({ approved: 1, in_progress: 1 });
  });
});
