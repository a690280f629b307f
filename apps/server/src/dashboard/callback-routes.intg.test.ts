/**
 * The dashboard's callback history and replay against the in-memory app and a real local receiver:
 * per company and per session, each event with its attempts (status, latency, excerpt, next retry);
 * replay by an operator (CSRF-checked, audit-logged, same id and body); other companies' events and
 * sessions answer 404; a sealed body (one-time code) never appears.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CallbackWorker, startCallbacks } from "../callbacks/index.ts";
import { dashboardLogin, type DashboardLogin as Login } from "../testing/dashboard-login.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";

const PASSWORD = "correct horse battery";
let t: TestApp;
let worker: CallbackWorker | null = null;
let server: http.Server;
let url = "";
/** What the receiver answers next: 500s while `failing`, then 200. */
let failing = true;
const received: { id: string; body: string }[] = [];

beforeEach(async () => {
  failing = true;
  received.length = 0;
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ id: String((JSON.parse(body) as { id: string }).id), body });
      if (failing) res.writeHead(503).end("receiver down for maintenance");
      else res.writeHead(200).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  t = await createTestApp({ ALLOW_PRIVATE_CALLBACKS: "1", CALLBACK_TIMEOUT_SECONDS: "1" });
  worker = startCallbacks({
    callbacks: t.services.callbacks,
    jobs: t.services.jobs,
    clock: t.clock,
    timeoutMs: 1_000,
    pollMs: 10,
  });
});
afterEach(async () => {
  await worker?.stop();
  worker = null;
  await t.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function userOf(companyId: string, email: string, role: "admin" | "operator"): Promise<Login> {
  await t.services.dashboardUsers.create({ companyId, email, role, password: PASSWORD });
  return dashboardLogin(t.http, email, PASSWORD);
}

function api(who: Login, method: "GET" | "POST", path: string, csrf = who.csrf) {
  return t.http.inject({
    method,
    url: path,
    headers: { cookie: who.cookie, "x-csrf-token": csrf },
    ...(method === "POST" ? { payload: {} } : {}),
  });
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 8_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met in ${ms} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface EventView {
  event_id: string;
  session_id: string | null;
  type: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  body_sealed: boolean;
  attempts_history: {
    attempt: number;
    status_code: number | null;
    latency_ms: number;
    response_excerpt: string;
  }[];
}

describe("dashboard callback history and replay", () => {
  it("lists events with attempts per company and per session; an operator replays, audited", async () => {
    const c = await t.company({ name: "Hooks" });
    await t.services.companies.update(c.company_id, { callbackUrl: url });
    const other = await t.company({ name: "Other" });
    const op = await userOf(c.company_id, "op@hooks.test", "operator");
    const admin = await userOf(c.company_id, "admin@hooks.test", "admin");
    const stranger = await userOf(other.company_id, "admin@other.test", "admin");

    const begun = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: { company_key: c.company_key },
    });
    const token = begun.json() as string;
    // The receiver is down: the first attempt fails and a retry is scheduled.
    const pending = await until(
      async () => api(op, "GET", `/dashboard/api/sessions/${token}/callbacks`).then((r) => r.json()),
      (b: { items: EventView[] }) => (b.items[0]?.attempts ?? 0) >= 1,
    );
    const [first] = pending.items;
    if (!first) throw new Error("no event");
    expect(first).toMatchObject({
      session_id: token,
      type: "session.created",
      status: "pending",
      body_sealed: false,
    });
    expect(first.next_attempt_at).not.toBeNull();
    expect(first.attempts_history[0]).toMatchObject({
      attempt: 1,
      status_code: 503,
      response_excerpt: "receiver down for maintenance",
    });
    expect(first.attempts_history[0]?.latency_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(first)).not.toContain('"body"');

    // The company view: filters, counts.
    const all = (await api(admin, "GET", "/dashboard/api/callbacks?status=pending")).json() as {
      items: EventView[];
      counts: Record<string, number>;
    };
    expect(all.items.map((e) => e.event_id)).toContain(first.event_id);
    expect(all.counts.pending).toBeGreaterThanOrEqual(1);
    expect((await api(admin, "GET", "/dashboard/api/callbacks?status=nope")).statusCode).toBe(400);

    // Another company sees neither the session nor the event, and cannot replay it.
    expect((await api(stranger, "GET", `/dashboard/api/sessions/${token}/callbacks`)).statusCode).toBe(404);
    const theirs = (await api(stranger, "GET", "/dashboard/api/callbacks")).json() as { items: EventView[] };
    expect(theirs.items).toEqual([]);
    expect(
      (await api(stranger, "POST", `/dashboard/api/callbacks/${first.event_id}/replay`)).statusCode,
    ).toBe(404);
    // No CSRF token, no replay.
    expect((await api(op, "POST", `/dashboard/api/callbacks/${first.event_id}/replay`, "")).statusCode).toBe(
      403,
    );
    // Unauthenticated: 401.
    const anon = await t.http.inject({ method: "GET", url: "/dashboard/api/callbacks" });
    expect(anon.statusCode).toBe(401);

    // The receiver is back; an operator replays: the same id and body arrive, and it is delivered.
    failing = false;
    const before = received.length;
    const replay = await api(op, "POST", `/dashboard/api/callbacks/${first.event_id}/replay`);
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.json()).toMatchObject({ event_id: first.event_id, status: "pending" });
    const delivered = await until(
      async () => api(op, "GET", `/dashboard/api/sessions/${token}/callbacks`).then((r) => r.json()),
      (b: { items: EventView[] }) => b.items[0]?.status === "delivered",
    );
    expect(delivered.items[0]?.next_attempt_at).toBeNull();
    expect(delivered.items[0]?.attempts_history.at(-1)).toMatchObject({ status_code: 200 });
    const again = received.slice(before).filter((r) => r.id === first.event_id);
    expect(again.length).toBeGreaterThanOrEqual(1);
    expect(again[0]?.body).toBe(received.find((r) => r.id === first.event_id)?.body);

    const audit = (await api(admin, "GET", "/dashboard/api/audit")).json() as {
      items: { action: string; by: string; session_token: string | null; data: Record<string, unknown> }[];
    };
    expect(audit.items.find((a) => a.action === "callback.replay")).toMatchObject({
      by: "op@hooks.test",
      session_token: token,
      data: { event_id: first.event_id, type: "session.created" },
    });
  }, 30_000);

  it("never shows a one-time code: the event is listed as sealed, without its body", async () => {
    failing = false;
    const c = await t.company({ name: "Codes" });
    await t.services.companies.update(c.company_id, { callbackUrl: url });
    const op = await userOf(c.company_id, "op@codes.test", "operator");
    const token = await t.services.sessions.begin(await t.services.companies.require(c.company_id), {});
    const id = await t.services.callbacks.enqueue(c.company_id, {
      type: "one-time-password-request",
      sessionId: token,
      fields: { text: "Your code is 424242", phoneNumber: "+995555123456" },
    });
    await until(
      async () => received.some((r) => r.id === id),
      (v) => v,
    );
    expect(received.find((r) => r.id === id)?.body).toContain("424242"); // the receiver gets it
    const res = await api(op, "GET", `/dashboard/api/sessions/${token}/callbacks`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain("424242");
    expect(res.body).not.toContain("995555123456");
    const otp = (res.json() as { items: EventView[] }).items.find((e) => e.event_id === id);
    expect(otp).toMatchObject({ type: "one-time-password-request", body_sealed: true });
  }, 30_000);
});
