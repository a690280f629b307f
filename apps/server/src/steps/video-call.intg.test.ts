/**
 * The video-call step against the in-memory app: the step's definition at begin/, the queue (position,
 * timeout, retry, leaving), accepting (one operator wins), signalling both ways through the database,
 * stills (type sniffed, size-limited), ending with an outcome that completes the step, lands in the
 * result and the audit log; and who may do what — a session token signals only its own call, an
 * operator must be logged in (CSRF on writes), of the company, with a role that takes calls, and the
 * one who accepted the call.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { systemClock } from "@verimat/core";
import { type DatabaseHandle, openDatabase } from "@verimat/db";
import { createFsMediaStore } from "@verimat/media";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { dashboardVideoCallRoutes } from "../dashboard/video-call-routes.ts";
import { registerErrorHandling } from "../http/error-handler.ts";
import { dashboardLogin, type DashboardLogin as Login } from "../testing/dashboard-login.ts";
import { multipartBody } from "../testing/multipart.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";
import { appTestDatabases } from "../testing/test-databases.ts";

let t: TestApp;
let company: { company_id: string; company_key: string };
const NO_KYC = { skip_document: true, skip_face: true, skip_agreement: true };
const PASSWORD = "correct horse battery";
/** A 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC",
  "base64",
);
const OFFER = { kind: "offer", data: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" } };

async function begin(steps: unknown[], key = company.company_key) {
  const res = await t.http.inject({
    method: "POST",
    url: "/external-api/begin/",
    payload: { company_key: key, flags: NO_KYC, steps },
  });
  return { status: res.statusCode, body: JSON.parse(res.body) as unknown };
}

async function session(
  steps: unknown[] = [{ type: "video-call" }],
  key = company.company_key,
): Promise<string> {
  const r = await begin(steps, key);
  expect(r.status).toBe(200);
  return r.body as string;
}

async function widget(token: string, method: "GET" | "POST", url: string, payload?: unknown) {
  const res = await t.http.inject({
    method,
    url,
    headers: { "x-session-token": token },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  const json = JSON.parse(res.body) as Record<string, unknown> & { error?: { code: string } };
  return { status: res.statusCode, json, code: json.error?.code ?? null };
}

const login = (email: string): Promise<Login> => dashboardLogin(t.http, email, PASSWORD);

async function dash(who: Login | null, method: "GET" | "POST", url: string, payload?: unknown, csrf = true) {
  const res = await t.http.inject({
    method,
    url,
    headers: who ? { cookie: who.cookie, ...(csrf ? { "x-csrf-token": who.csrf } : {}) } : {},
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  const json = JSON.parse(res.body) as Record<string, unknown> & { error?: { code: string } };
  return { status: res.statusCode, json, code: json.error?.code ?? null };
}

async function still(who: Login, callId: string, bytes: Buffer) {
  const form = multipartBody([], [["file", "still.png", bytes]]);
  const res = await t.http.inject({
    method: "POST",
    url: `/dashboard/api/video-calls/${callId}/stills`,
    headers: { cookie: who.cookie, "x-csrf-token": who.csrf, "content-type": form.contentType },
    payload: form.body,
  });
  return {
    status: res.statusCode,
    json: JSON.parse(res.body) as Record<string, unknown> & { error?: { code: string } },
  };
}

let op: Login;
let op2: Login;
let admin: Login;
let stranger: Login;

const databases = await appTestDatabases({
  required: process.env.CI === "true" || process.env.REQUIRE_POSTGRES === "1",
});

describe.each(databases)("video-call step on $name", (database) => {
  let env: Record<string, string> = {};
  beforeAll(async () => {
    env = database.env();
    t = await createTestApp({ ...env, VIDEO_CALL_WAIT_MINUTES: "3", VIDEO_CALL_STILL_LIMIT_BYTES: "20000" });
    company = await t.company({ name: "Calls" });
    const other = await t.company({ name: "Other" });
    for (const [companyId, email, role] of [
      [company.company_id, "op@calls.test", "operator"],
      [company.company_id, "op2@calls.test", "operator"],
      [company.company_id, "admin@calls.test", "admin"],
      [other.company_id, "op@other.test", "operator"],
    ] as const)
      await t.services.dashboardUsers.create({ companyId, email, role, password: PASSWORD });
    op = await login("op@calls.test");
    op2 = await login("op2@calls.test");
    admin = await login("admin@calls.test");
    stranger = await login("op@other.test");
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await database.drop(env);
  });

  describe("the step", () => {
    it("checks the step's definition at begin/ (wait_minutes 1–120)", async () => {
      expect((await begin([{ type: "video-call", wait_minutes: 10 }])).status).toBe(200);
      expect((await begin([{ type: "video-call", flags: { wait_minutes: 2 } }])).status).toBe(200);
      for (const bad of [0, 121, "5"]) {
        const r = await begin([{ type: "video-call", wait_minutes: bad }]);
        expect(r.status).toBe(400);
        expect(JSON.stringify(r.body)).toContain("STEP_INVALID");
      }
    });

    it("cannot be skipped with the generic complete call, and refuses calls when it is not the current step", async () => {
      const token = await session([{ type: "language" }, { type: "video-call" }]);
      expect((await widget(token, "POST", "/api/widget/steps/0/complete")).code).toBe("STEP_NEEDS_INPUT");
      expect((await widget(token, "POST", "/api/widget/video-call/join")).code).toBe("STEP_NOT_IN_SESSION");
      const t2 = await session();
      expect((await widget(t2, "POST", "/api/widget/steps/0/complete")).code).toBe("STEP_NEEDS_INPUT");
    });

    it("a whole call: queue position, accept (one operator wins), signals both ways, a still, passed → step completed, result and audit", async () => {
      const first = await session();
      const second = await session();
      const a = await widget(first, "POST", "/api/widget/video-call/join");
      expect(a.status).toBe(200);
      const callA = a.json.call as {
        call_id: string;
        status: string;
        position: number;
        ice_servers: unknown[];
      };
      expect(callA).toMatchObject({ status: "waiting", position: 1, ice_servers: [] });
      // Joining again returns the same call.
      expect(
        ((await widget(first, "POST", "/api/widget/video-call/join")).json.call as { call_id: string })
          .call_id,
      ).toBe(callA.call_id);
      t.clock.advance(1_000);
      const b = await widget(second, "POST", "/api/widget/video-call/join");
      const callB = b.json.call as { call_id: string; position: number };
      expect(callB.position).toBe(2);

      // Signalling before the call is live is refused.
      expect(
        (await widget(first, "POST", `/api/widget/video-call/${callA.call_id}/signals`, OFFER)).code,
      ).toBe("VIDEO_CALL_NOT_ACTIVE");

      const queue = await dash(op, "GET", "/dashboard/api/video-calls");
      const waiting = (
        queue.json.waiting as { call_id: string; session_token: string; position: number }[]
      ).filter((c) => [callA.call_id, callB.call_id].includes(c.call_id));
      expect(waiting.map((c) => [c.session_token, c.position])).toEqual([
        [first, 1],
        [second, 2],
      ]);
      // Another company's operator sees neither call and cannot take it.
      const theirs = await dash(stranger, "GET", "/dashboard/api/video-calls");
      expect((theirs.json.waiting as unknown[]).length).toBe(0);
      expect(
        (await dash(stranger, "POST", `/dashboard/api/video-calls/${callA.call_id}/accept`, {})).code,
      ).toBe("VIDEO_CALL_NOT_FOUND");

      // Two operators accept at once: exactly one wins.
      const [x, y] = await Promise.all([
        dash(op, "POST", `/dashboard/api/video-calls/${callA.call_id}/accept`, {}),
        dash(op2, "POST", `/dashboard/api/video-calls/${callA.call_id}/accept`, {}),
      ]);
      expect([x.status, y.status].sort()).toEqual([200, 409]);
      const winner = x.status === 200 ? op : op2;
      const loser = x.status === 200 ? op2 : op;
      expect((x.status === 200 ? y : x).code).toBe("VIDEO_CALL_NOT_WAITING");

      // The second person moved up the queue.
      const moved = await widget(second, "GET", `/api/widget/video-call/${callB.call_id}/poll?wait=0`);
      expect((moved.json.call as { position: number }).position).toBe(1);

      // The person learns the call is live; signals go both ways, in order, from the other side only.
      const live = await widget(first, "GET", `/api/widget/video-call/${callA.call_id}/poll?wait=0`);
      expect((live.json.call as { status: string }).status).toBe("active");
      expect(
        (await dash(winner, "POST", `/dashboard/api/video-calls/${callA.call_id}/signals`, OFFER)).json,
      ).toEqual({
        seq: 1,
      });
      await dash(winner, "POST", `/dashboard/api/video-calls/${callA.call_id}/signals`, {
        kind: "ice",
        data: { candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", sdpMid: "0", sdpMLineIndex: 0 },
      });
      const got = await widget(first, "GET", `/api/widget/video-call/${callA.call_id}/poll?after=0&wait=5`);
      expect((got.json.signals as { seq: number; kind: string }[]).map((s) => [s.seq, s.kind])).toEqual([
        [1, "offer"],
        [2, "ice"],
      ]);
      expect(
        (await widget(first, "GET", `/api/widget/video-call/${callA.call_id}/poll?after=2&wait=0`)).json
          .signals,
      ).toEqual([]);
      await widget(first, "POST", `/api/widget/video-call/${callA.call_id}/signals`, {
        kind: "answer",
        data: { type: "answer", sdp: "v=0\r\n" },
      });
      await widget(first, "POST", `/api/widget/video-call/${callA.call_id}/signals`, {
        kind: "ice",
        data: null,
      });
      const back = await dash(
        winner,
        "GET",
        `/dashboard/api/video-calls/${callA.call_id}/poll?after=0&wait=0`,
      );
      expect((back.json.signals as { kind: string; data: unknown }[]).map((s) => [s.kind, s.data])).toEqual([
        ["answer", { type: "answer", sdp: "v=0\r\n" }],
        ["ice", null],
      ]);

      // A token signals only its own session's call; the other operator cannot act on this call.
      expect(
        (await widget(second, "POST", `/api/widget/video-call/${callA.call_id}/signals`, OFFER)).code,
      ).toBe("VIDEO_CALL_NOT_FOUND");
      expect((await widget(second, "GET", `/api/widget/video-call/${callA.call_id}/poll?wait=0`)).code).toBe(
        "VIDEO_CALL_NOT_FOUND",
      );
      expect(
        (await dash(loser, "POST", `/dashboard/api/video-calls/${callA.call_id}/signals`, OFFER)).code,
      ).toBe("VIDEO_CALL_NOT_ACTIVE");
      expect((await dash(loser, "GET", `/dashboard/api/video-calls/${callA.call_id}/poll?wait=0`)).code).toBe(
        "VIDEO_CALL_NOT_ACTIVE",
      );
      expect((await still(loser, callA.call_id, PNG)).json.error?.code).toBe("VIDEO_CALL_NOT_ACTIVE");

      // Stills: an image sniffed from its bytes, within the limit.
      const s1 = await still(winner, callA.call_id, PNG);
      expect(s1.status).toBe(201);
      expect(s1.json).toMatchObject({ kind: "video-call-still", content_type: "image/png" });
      expect(
        (await still(winner, callA.call_id, Buffer.from("<script>alert(1)</script>"))).json.error?.code,
      ).toBe("MEDIA_TYPE_INVALID");
      expect(
        (await still(winner, callA.call_id, Buffer.concat([PNG, Buffer.alloc(30_000)]))).json.error?.code,
      ).toBe("UPLOAD_TOO_LARGE");

      // Bad outcomes are refused with a stable code; the right one completes the step.
      for (const bad of [
        {},
        { outcome: "maybe" },
        { outcome: "passed", note: 5 },
        { outcome: "failed", note: "x".repeat(2001) },
      ])
        expect(
          (await dash(winner, "POST", `/dashboard/api/video-calls/${callA.call_id}/end`, bad)).code,
        ).toBe("VIDEO_CALL_OUTCOME_INVALID");
      const end = await dash(winner, "POST", `/dashboard/api/video-calls/${callA.call_id}/end`, {
        outcome: "passed",
        note: "Document matches the face",
      });
      expect(end.status, JSON.stringify(end.json)).toBe(200);
      expect(end.json.video_call).toMatchObject({ outcome: "passed", stills: [s1.json.media_id] });

      const after = await widget(first, "GET", `/api/widget/video-call/${callA.call_id}/poll?wait=0`);
      expect(after.json).toMatchObject({
        call: { status: "ended", end_reason: "passed" },
        currentStep: 1,
        signals: [],
      });
      // Signals are not kept after the call.
      const left = await t.database.db
        .selectFrom("video_call_signals")
        .select("seq")
        .where("call_id", "=", callA.call_id)
        .execute();
      expect(left).toEqual([]);
      expect(
        (await dash(winner, "POST", `/dashboard/api/video-calls/${callA.call_id}/end`, { outcome: "passed" }))
          .code,
      ).toBe("VIDEO_CALL_NOT_ACTIVE");

      await widget(first, "POST", "/api/widget/submit");
      const res = await t.http.inject({
        method: "POST",
        url: "/external-api/result/",
        payload: { company_key: company.company_key, session_token: first },
      });
      const result = JSON.parse(res.body) as { video_call?: Record<string, unknown> };
      expect(result.video_call).toMatchObject({
        outcome: "passed",
        note: "Document matches the face",
        operator: winner === op ? "op@calls.test" : "op2@calls.test",
        stills: [s1.json.media_id],
      });
      const media = await t.http.inject({
        method: "POST",
        url: "/external-api/result/video-call-still/",
        payload: { company_key: company.company_key, session_token: first },
      });
      expect(media.headers["content-type"]).toBe("image/png");

      const audit = await dash(admin, "GET", "/dashboard/api/audit");
      const actions = (audit.json.items as { action: string; session_token: string | null }[])
        .filter((e) => e.session_token === first)
        .map((e) => e.action);
      expect(actions).toEqual(
        expect.arrayContaining(["video_call.accept", "video_call.still", "video_call.end"]),
      );
      await widget(second, "POST", `/api/widget/video-call/${callB.call_id}/leave`);
    });

    it("nobody answers: the call times out, the person may join again; leaving ends it on both sides", async () => {
      const token = await session([{ type: "video-call", wait_minutes: 1 }]);
      const j = await widget(token, "POST", "/api/widget/video-call/join");
      const id = (j.json.call as { call_id: string }).call_id;
      t.clock.advance(61_000);
      const p = await widget(token, "GET", `/api/widget/video-call/${id}/poll?wait=0`);
      expect(p.json.call).toMatchObject({ status: "ended", end_reason: "timeout" });
      expect((await dash(op, "POST", `/dashboard/api/video-calls/${id}/accept`, {})).code).toBe(
        "VIDEO_CALL_NOT_WAITING",
      );
      const again = await widget(token, "POST", "/api/widget/video-call/join");
      const id2 = (again.json.call as { call_id: string; status: string }).call_id;
      expect(id2).not.toBe(id);

      // The operator takes it and leaves without a verdict: the person sees it and may queue again.
      expect((await dash(op, "POST", `/dashboard/api/video-calls/${id2}/accept`, {})).status).toBe(200);
      expect((await dash(op, "POST", `/dashboard/api/video-calls/${id2}/leave`, {})).status).toBe(200);
      const seen = await widget(token, "GET", `/api/widget/video-call/${id2}/poll?wait=0`);
      expect(seen.json).toMatchObject({
        call: { status: "ended", end_reason: "operator_left" },
        currentStep: 0,
      });

      // The person leaves a live call: the operator's poll says so.
      const id3 = (
        (await widget(token, "POST", "/api/widget/video-call/join")).json.call as { call_id: string }
      ).call_id;
      await dash(op, "POST", `/dashboard/api/video-calls/${id3}/accept`, {});
      await widget(token, "POST", `/api/widget/video-call/${id3}/leave`);
      const opSees = await dash(op, "GET", `/dashboard/api/video-calls/${id3}/poll?wait=0`);
      expect(opSees.json.call).toMatchObject({ status: "ended", end_reason: "person_left" });

      // A person who stops polling (tab closed) drops out of the queue.
      const id4 = (
        (await widget(token, "POST", "/api/widget/video-call/join")).json.call as { call_id: string }
      ).call_id;
      t.clock.advance(46_000);
      const q = await dash(op, "GET", "/dashboard/api/video-calls");
      expect((q.json.waiting as { call_id: string }[]).some((c) => c.call_id === id4)).toBe(false);
    });

    it("authorisation and bad input: login, CSRF, role, company; stable codes", async () => {
      const token = await session();
      const id = (
        (await widget(token, "POST", "/api/widget/video-call/join")).json.call as { call_id: string }
      ).call_id;
      expect((await dash(null, "GET", "/dashboard/api/video-calls")).code).toBe("DASHBOARD_AUTH_REQUIRED");
      expect((await dash(null, "POST", `/dashboard/api/video-calls/${id}/accept`, {})).code).toBe(
        "DASHBOARD_AUTH_REQUIRED",
      );
      expect((await dash(op, "POST", `/dashboard/api/video-calls/${id}/accept`, {}, false)).code).toBe(
        "DASHBOARD_CSRF_INVALID",
      );
      expect((await widget("x".repeat(40), "POST", "/api/widget/video-call/join")).code).toBe(
        "SESSION_UNKNOWN",
      );
      expect((await widget(token, "GET", `/api/widget/video-call/${id}/poll?after=-1`)).code).toBe(
        "PARAM_INVALID",
      );
      expect((await widget(token, "GET", `/api/widget/video-call/${id}/poll?wait=99`)).code).toBe(
        "PARAM_INVALID",
      );
      expect((await widget(token, "GET", "/api/widget/video-call/nope/poll?wait=0")).code).toBe(
        "VIDEO_CALL_NOT_FOUND",
      );
      expect((await dash(op, "POST", "/dashboard/api/video-calls/nope/accept", {})).code).toBe(
        "VIDEO_CALL_NOT_FOUND",
      );
      await dash(admin, "POST", `/dashboard/api/video-calls/${id}/accept`, {});
      for (const bad of [
        {},
        { kind: "hello", data: {} },
        { kind: "offer", data: { type: "answer", sdp: "v=0" } },
        { kind: "offer", data: { type: "offer", sdp: "x".repeat(32_001) } },
        { kind: "ice", data: { candidate: 5 } },
        { kind: "ice", data: { candidate: "c", sdpMLineIndex: "zero" } },
      ]) {
        const r = await dash(admin, "POST", `/dashboard/api/video-calls/${id}/signals`, bad);
        expect([r.status, r.code]).toEqual([400, "VIDEO_CALL_SIGNAL_INVALID"]);
      }

      // A role that does not take calls is refused (here: a deployment that lets only operators answer).
      const app = Fastify();
      registerErrorHandling(app);
      await app.register(dashboardVideoCallRoutes, {
        db: t.database.db,
        clock: t.clock,
        users: t.services.dashboardUsers,
        sessions: t.services.sessions,
        calls: t.services.videoCalls,
        stillLimitBytes: 10_000,
        roles: ["operator"],
      });
      const asAdmin = await app.inject({
        method: "GET",
        url: "/dashboard/api/video-calls",
        headers: { cookie: admin.cookie },
      });
      expect([asAdmin.statusCode, (asAdmin.json() as { error: { code: string } }).error.code]).toEqual([
        403,
        "DASHBOARD_FORBIDDEN",
      ]);
      const asOperator = await app.inject({
        method: "GET",
        url: "/dashboard/api/video-calls",
        headers: { cookie: op.cookie },
      });
      expect(asOperator.statusCode).toBe(200);
      await app.close();
    });

    it("waiting in the queue keeps the session from idling out", async () => {
      const token = await session([{ type: "video-call", wait_minutes: 60 }]);
      // Opened, as the widget page does.
      expect((await widget(token, "GET", "/api/widget/session")).status).toBe(200);
      const id = (
        (await widget(token, "POST", "/api/widget/video-call/join")).json.call as { call_id: string }
      ).call_id;
      // 40 minutes in the queue, polling as the widget does (SESSION_IDLE_MINUTES is 30).
      for (let minute = 0; minute < 40; minute++) {
        t.clock.advance(30_000);
        const p = await widget(token, "GET", `/api/widget/video-call/${id}/poll?wait=0`);
        expect(p.status, JSON.stringify(p.json)).toBe(200);
        t.clock.advance(30_000);
        await widget(token, "GET", `/api/widget/video-call/${id}/poll?wait=0`);
      }
      const p = await widget(token, "GET", `/api/widget/video-call/${id}/poll?wait=0`);
      expect(p.json.call).toMatchObject({ status: "waiting" });
      await widget(token, "POST", `/api/widget/video-call/${id}/leave`);
    });

    it("a long-poll answers as soon as the other side signals", async () => {
      const token = await session();
      const id = (
        (await widget(token, "POST", "/api/widget/video-call/join")).json.call as { call_id: string }
      ).call_id;
      await dash(op, "POST", `/dashboard/api/video-calls/${id}/accept`, {});
      const held = widget(token, "GET", `/api/widget/video-call/${id}/poll?after=0&wait=20`);
      await new Promise((r) => setTimeout(r, 400));
      await dash(op, "POST", `/dashboard/api/video-calls/${id}/signals`, OFFER);
      const r = await held;
      expect((r.json.signals as { kind: string }[]).map((s) => s.kind)).toEqual(["offer"]);
      await widget(token, "POST", `/api/widget/video-call/${id}/leave`);
    });
  });
});

/**
 * Two app instances on one database (a SQLite file, or one PostgreSQL schema), as two API processes
 * behind a load balancer: the person's widget talks to one, the operator's dashboard to the other.
 */
describe.each(databases)("a call across two API processes on $name", (database) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-calls-"));
  let env: Record<string, string> = {};
  const handles: DatabaseHandle[] = [];
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    env = database.env();
    const config = loadConfig({ DATA_DIR: dataDir, DEMO: "0", LOG_LEVEL: "silent", ...env });
    const masterKey = randomBytes(32);
    const media = createFsMediaStore(path.join(dataDir, "media"));
    for (let i = 0; i < 2; i++) {
      const handle = await openDatabase({
        url: env.DATABASE_URL ?? `sqlite:${path.join(dataDir, "shared.db")}`,
        dataDir,
        pgSchema: env.PG_SCHEMA,
      });
      handles.push(handle);
      const app = await buildApp({
        config,
        database: handle,
        media,
        clock: systemClock,
        masterKey,
        logger: false,
      });
      await app.http.ready();
      apps.push(app.http);
      if (i === 0) {
        const c = await app.services.companies.create({ name: "Two processes", hmac: false });
        company = c;
        await app.services.dashboardUsers.create({
          companyId: c.company_id,
          email: "op@two.test",
          role: "operator",
          password: PASSWORD,
        });
      }
    }
  }, 60_000);

  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const h of handles) await h.close();
    await database.drop(env);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("queues on one process, is accepted, signalled and passed on the other", async () => {
    const [a, b] = apps as [FastifyInstance, FastifyInstance];
    const j = async (
      app: FastifyInstance,
      method: "GET" | "POST",
      url: string,
      headers: Record<string, string>,
      payload?: unknown,
    ) => {
      const res = await app.inject({
        method,
        url,
        headers,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
      return {
        status: res.statusCode,
        json: JSON.parse(res.body) as Record<string, unknown>,
        headers: res.headers,
      };
    };
    const begun = await a.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: { company_key: company.company_key, flags: NO_KYC, steps: [{ type: "video-call" }] },
    });
    expect(begun.statusCode, begun.body).toBe(200);
    const token = begun.json() as string;
    const person = { "x-session-token": token };
    const call = (await j(a, "POST", "/api/widget/video-call/join", person)).json.call as { call_id: string };

    const signedIn = await dashboardLogin(b, "op@two.test", PASSWORD);
    const operator = { cookie: signedIn.cookie, "x-csrf-token": signedIn.csrf };

    const queue = await j(b, "GET", "/dashboard/api/video-calls", operator);
    expect((queue.json.waiting as { call_id: string }[]).map((c) => c.call_id)).toContain(call.call_id);
    expect(
      (await j(b, "POST", `/dashboard/api/video-calls/${call.call_id}/accept`, operator, {})).status,
    ).toBe(200);

    // The person's poll, held on process A, wakes on the offer written through process B.
    const held = j(a, "GET", `/api/widget/video-call/${call.call_id}/poll?after=0&wait=20`, person);
    await new Promise((r) => setTimeout(r, 300));
    await j(b, "POST", `/dashboard/api/video-calls/${call.call_id}/signals`, operator, OFFER);
    const got = await held;
    expect((got.json.signals as { kind: string }[]).map((x) => x.kind)).toContain("offer");
    await j(a, "POST", `/api/widget/video-call/${call.call_id}/signals`, person, {
      kind: "answer",
      data: { type: "answer", sdp: "v=0" },
    });
    const back = await j(
      b,
      "GET",
      `/dashboard/api/video-calls/${call.call_id}/poll?after=0&wait=5`,
      operator,
    );
    expect((back.json.signals as { kind: string }[]).map((x) => x.kind)).toEqual(["answer"]);

    const end = await j(b, "POST", `/dashboard/api/video-calls/${call.call_id}/end`, operator, {
      outcome: "failed",
      note: "Not the document holder",
    });
    expect(end.status, JSON.stringify(end.json)).toBe(200);
    const after = await j(a, "GET", `/api/widget/video-call/${call.call_id}/poll?wait=0`, person);
    expect(after.json).toMatchObject({ call: { status: "ended", end_reason: "failed" }, currentStep: 1 });
    const result = await a.inject({
      method: "POST",
      url: "/external-api/result/",
      payload: { company_key: company.company_key, session_token: token },
    });
    expect((result.json() as { video_call?: unknown }).video_call).toMatchObject({
      outcome: "failed",
      note: "Not the document holder",
    });
  });
});
