/**
 * Callbacks against the in-memory app and a real local HTTP receiver: session events, signatures,
 * retries after a failure and a timeout, stored history, replay, idempotent event ids, the SSRF guard.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../testing/test-app.ts";
import { verifySignature } from "./callback-signature.ts";
import { type CallbackWorker, startCallbacks } from "./start-callbacks.ts";

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

/** A receiver whose behaviour per request is scripted: "ok", "fail" (500) or "hang" (never answers). */
function receiver(script: ("ok" | "fail" | "hang")[] = []) {
  const got: Received[] = [];
  const seen = new Set<string>();
  let processed = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const json = JSON.parse(body) as Record<string, unknown>;
      got.push({ headers: req.headers, body, json });
      const mode = script.shift() ?? "ok";
      if (mode === "hang") return; // the sender's timeout ends it
      if (mode === "fail") {
        res.writeHead(500).end("receiver broken");
        return;
      }
      // Idempotent processing keyed on the event id, as the integration guide recommends.
      if (!seen.has(String(json.id))) {
        seen.add(String(json.id));
        processed++;
      }
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  });
  return {
    got,
    get processed() {
      return processed;
    },
    async listen(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/verimat`;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function until<T>(fn: () => Promise<T> | T, ok: (v: T) => boolean, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met in ${ms} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

let t: TestApp;
let worker: CallbackWorker | null = null;

beforeEach(async () => {
  t = await createTestApp({ ALLOW_PRIVATE_CALLBACKS: "1", CALLBACK_TIMEOUT_SECONDS: "0.3" });
});
afterEach(async () => {
  await worker?.stop();
  worker = null;
  await t.close();
});

function startWorker() {
  worker = startCallbacks({
    callbacks: t.services.callbacks,
    jobs: t.services.jobs,
    clock: t.clock,
    timeoutMs: 300,
    pollMs: 10,
  });
}

async function companyWithCallback(url: string, hmac = false) {
  const c = await t.company({ hmac });
  await t.services.companies.update(c.company_id, { callbackUrl: url, callbackKey: "cb-key-1" });
  const secret = await t.services.callbacks.ensureSigningSecret(c.company_id);
  return { ...c, signingSecret: hmac ? (c.secret_key ?? "") : (secret ?? "") };
}

async function begin(companyKey: string): Promise<string> {
  const res = await t.http.inject({
    method: "POST",
    url: "/external-api/begin/",
    payload: { company_key: companyKey },
  });
  expect(res.statusCode).toBe(200);
  return JSON.parse(res.body) as string;
}

describe("callbacks", () => {
  it("sends every session event, signed, with Identomat fields and stable ids", async () => {
    const r = receiver();
    const url = await r.listen();
    try {
      const c = await companyWithCallback(url);
      expect(c.signingSecret).toMatch(/^whsec_/);
      expect(await t.services.callbacks.ensureSigningSecret(c.company_id)).toBeNull(); // shown once
      startWorker();
      const token = await begin(c.company_key);
      const s = await t.services.sessions.find(token);
      if (!s) throw new Error("no session");
      const opened = await t.services.sessions.open(s, {
        remoteAddress: "203.0.113.9",
        userAgent: "t",
        countryCode: "",
      });
      await t.services.sessions.completeStep(opened, 0);
      await t.services.sessions.transition(token, "approved", "engine");
      await t.services.sessions.transition(token, "rejected", "operator");
      // Deleting a session also deletes its stored callback events (data deletion), so let the
      // earlier ones go out first.
      await until(
        () => t.services.callbacks.counts(c.company_id),
        (n) => n.delivered === 5,
      );
      const del = await t.http.inject({
        method: "POST",
        url: "/external-api/delete/",
        payload: { company_key: c.company_key, session_token: token },
      });
      expect(del.statusCode).toBe(200);

      const types = [
        "session.created",
        "session.opened",
        "step.completed",
        "session.completed",
        "session.reviewed",
        "session.deleted",
      ];
      await until(
        () => r.got.length,
        (n) => n >= types.length,
      );
      // Deliveries run concurrently: order by the event's own timestamp, then check the set.
      expect(r.got.map((g) => g.json.type).sort()).toEqual([...types].sort());
      const now = Math.floor(t.clock.now() / 1000);
      for (const g of r.got) {
        expect(g.json).toMatchObject({ callbackApiKey: "cb-key-1", sessionId: token });
        expect(String(g.json.id)).toMatch(/^evt_[0-9a-f]{24}$/);
        expect(g.headers["verimat-event-id"]).toBe(g.json.id);
        const sig = String(g.headers["verimat-signature"]);
        expect(verifySignature(c.signingSecret, sig, g.body, now)).toBe(true);
        expect(verifySignature("wrong", sig, g.body, now)).toBe(false);
      }
      const completed = r.got.find((g) => g.json.type === "session.completed");
      expect(completed?.json).toMatchObject({ status: "approved", result: "approved" });
      expect(r.got.find((g) => g.json.type === "session.reviewed")?.json).toMatchObject({
        status: "rejected",
        result: "rejected",
        data: { from: "approved", to: "rejected", actor: "operator" },
      });
      const events = await until(
        () => t.services.callbacks.listEvents(c.company_id),
        (l) => l.every((e) => e.status === "delivered"),
      );
      // Deleting a session may also delete its stored callback events (data deletion); the deletion
      // event itself is kept and holds no personal data.
      expect(events.find((e) => e.type === "session.deleted")).toMatchObject({
        attempts: 1,
        last_status_code: 200,
      });
    } finally {
      await r.close();
    }
  });

  it("emits disagreed and expired, and nothing for a company without a callback URL", async () => {
    const r = receiver();
    const url = await r.listen();
    try {
      const c = await companyWithCallback(url);
      const quiet = await t.company();
      startWorker();
      const a = await begin(c.company_key);
      const b = await begin(c.company_key);
      await begin(quiet.company_key);
      await t.services.sessions.transition(a, "disagreed", "user");
      // Moving the manual clock while a delivery runs would expire its lease (a second run): settle first.
      await until(
        () => t.services.callbacks.counts(c.company_id),
        (n) => n.delivered === 3,
      );
      t.clock.advance(16 * 60_000); // past the 15 min open deadline
      expect(await t.services.sessions.expireDue()).toBeGreaterThanOrEqual(1);
      await until(
        () => r.got.length,
        (n) => n >= 4,
      );
      await new Promise((res) => setTimeout(res, 100));
      expect(r.got.map((g) => g.json.type)).toHaveLength(4);
      const byType = (type: string) => r.got.filter((g) => g.json.type === type).map((g) => g.json.sessionId);
      expect(byType("session.disagreed")).toEqual([a]);
      expect(byType("session.expired")).toEqual([b]);
      expect(await t.services.callbacks.listEvents(quiet.company_id)).toEqual([]);
    } finally {
      await r.close();
    }
  });

  it("retries a receiver that fails, then times out, then succeeds; keeps the history; the id is processed once", async () => {
    const r = receiver(["fail", "hang", "ok"]);
    const url = await r.listen();
    try {
      const c = await companyWithCallback(url);
      startWorker();
      const token = await begin(c.company_key);
      const [event] = await t.services.callbacks.listEvents(c.company_id);
      if (!event) throw new Error("no event");
      // First attempt fails (500): the retry is scheduled within 5 s of the clock.
      const job1 = await until(
        () => t.database.db.selectFrom("jobs").selectAll().where("queue", "=", "callback").executeTakeFirst(),
        (j) => j?.attempts === 1 && j.status === "queued",
      );
      expect(Number(job1?.run_at) - t.clock.now()).toBeLessThanOrEqual(5_000);
      expect(Number(job1?.run_at) - t.clock.now()).toBeGreaterThan(0);
      t.clock.advance(5_000);
      // Second attempt hangs until the 300 ms timeout.
      await until(
        () => t.database.db.selectFrom("jobs").selectAll().where("queue", "=", "callback").executeTakeFirst(),
        (j) => j?.attempts === 2 && j.status === "queued",
      );
      t.clock.advance(10_000);
      const done = await until(
        () => t.services.callbacks.getEvent(event.event_id),
        (e) => e?.status === "delivered",
      );
      expect(done?.attempts_history.map((a) => [a.attempt, a.status_code, a.ok])).toEqual([
        [1, 500, false],
        [2, null, false],
        [3, 200, true],
      ]);
      expect(done?.attempts_history[0]?.response_excerpt).toBe("receiver broken");
      expect(done?.attempts_history[1]?.error).toMatch(/timed out/);
      expect(done?.attempts_history[1]?.latency_ms).toBeGreaterThanOrEqual(250);
      expect(done?.attempts_history[2]?.response_excerpt).toBe('{"ok":true}');
      expect(r.got.map((g) => g.json.id)).toEqual([event.event_id, event.event_id, event.event_id]);
      expect(new Set(r.got.map((g) => g.body)).size).toBe(1); // byte-identical retries
      expect(r.got.map((g) => g.headers["verimat-delivery-attempt"])).toEqual(["1", "2", "3"]);
      expect(done?.session_id).toBe(token);

      // Replay: the same id again; the receiver's dedupe processes it once.
      const replay = await t.services.callbacks.replay(event.event_id);
      expect(replay.event_id).toBe(event.event_id);
      await until(
        () => r.got.length,
        (n) => n === 4,
      );
      expect(r.got[3]?.json.id).toBe(event.event_id);
      expect(r.processed).toBe(1);
      const after = await until(
        () => t.services.callbacks.getEvent(event.event_id),
        (e) => e?.attempts_history.length === 4,
      );
      expect(after?.status).toBe("delivered");
      await expect(t.services.callbacks.replay("evt_000000000000000000000000")).rejects.toMatchObject({
        code: "CALLBACK_EVENT_NOT_FOUND",
      });
    } finally {
      await r.close();
    }
  });

  it("gives up after a day", async () => {
    const r = receiver(["fail", "fail"]);
    const url = await r.listen();
    try {
      const c = await companyWithCallback(url);
      startWorker();
      await begin(c.company_key);
      const [event] = await t.services.callbacks.listEvents(c.company_id);
      if (!event) throw new Error("no event");
      await until(
        () => t.services.callbacks.getEvent(event.event_id),
        (e) => e?.attempts === 1,
      );
      t.clock.advance(24 * 3_600_000);
      const failed = await until(
        () => t.services.callbacks.getEvent(event.event_id),
        (e) => e?.status === "failed",
      );
      expect(failed?.attempts).toBe(2);
      const job = await t.database.db
        .selectFrom("jobs")
        .selectAll()
        .where("queue", "=", "callback")
        .executeTakeFirst();
      expect(job?.status).toBe("failed");
    } finally {
      await r.close();
    }
  });

  it("signs with the HMAC secret_key, and with both secrets during a rotation", async () => {
    const r = receiver();
    const url = await r.listen();
    try {
      const h = await companyWithCallback(url, true);
      expect(await t.services.callbacks.ensureSigningSecret(h.company_id)).toBeNull();
      await expect(t.services.callbacks.rotateSigningSecret(h.company_id)).rejects.toMatchObject({
        code: "COMPANY_SETTING_INVALID",
      });
      const p = await companyWithCallback(url);
      // (An HMAC company: the session is made through the service; its session.created is sent too.)
      const otpSession = await t.services.sessions.begin(
        await t.services.companies.require(h.company_id),
        {},
      );
      startWorker();
      // The step catalogue's use: an Identomat OTP callback with its own top-level fields.
      const id = await t.services.callbacks.enqueue(h.company_id, {
        type: "one-time-password-request",
        sessionId: otpSession,
        fields: { text: "Your code is 123456", phoneNumber: "+995555000000", id: "cannot override" },
      });
      await until(
        () => r.got.length,
        (n) => n === 2,
      );
      const now = () => Math.floor(t.clock.now() / 1000);
      const first = r.got.find((g) => g.json.type === "one-time-password-request");
      if (!first) throw new Error("nothing received");
      expect(
        verifySignature(h.signingSecret, String(first.headers["verimat-signature"]), first.body, now()),
      ).toBe(true);
      expect(first.json).toMatchObject({
        id,
        type: "one-time-password-request",
        callbackApiKey: "cb-key-1",
        text: "Your code is 123456",
        phoneNumber: "+995555000000",
      });
      // At rest the body is sealed under the session's key: neither the code nor the number is
      // readable in the row, and the history never shows the body.
      const row = await t.database.db
        .selectFrom("callback_events")
        .select(["body", "status"])
        .where("id", "=", id ?? "")
        .executeTakeFirstOrThrow();
      expect(row.body).not.toContain("123456");
      expect(row.body).not.toContain("995555000000");
      expect(row.body).not.toContain("{");
      const shown = await until(
        () => t.services.callbacks.getEvent(id ?? ""),
        (e) => e?.status === "delivered",
      );
      expect(shown).toMatchObject({ body: null, body_sealed: true, type: "one-time-password-request" });
      expect(JSON.stringify(await t.services.callbacks.listEventsWithAttempts(h.company_id))).not.toContain(
        "123456",
      );

      const rotated = await t.services.callbacks.rotateSigningSecret(p.company_id);
      await begin(p.company_key);
      await until(
        () => r.got.length,
        (n) => n === 3,
      );
      const second = r.got[2];
      if (!second) throw new Error("nothing received");
      const sig = String(second.headers["verimat-signature"]);
      expect(sig.match(/v1=/g)).toHaveLength(2);
      expect(verifySignature(rotated, sig, second.body, now())).toBe(true);
      expect(verifySignature(p.signingSecret, sig, second.body, now())).toBe(true);
    } finally {
      await r.close();
    }
  });
});

describe("outbox: events commit with the change they report", () => {
  const eventsOf = (token: string) =>
    t.database.db
      .selectFrom("callback_events")
      .select(["id", "type", "status"])
      .where("session_token", "=", token)
      .execute();

  it("a transition that rolls back leaves no event; a committed one has its event at once", async () => {
    const c = await companyWithCallback("http://127.0.0.1:9/never-called");
    const token = await begin(c.company_key);
    // begin/ committed the session with its session.created row (no worker, no wait).
    expect((await eventsOf(token)).map((e) => e.type)).toEqual(["session.created"]);

    // A write in the same transaction fails: the status change and its event roll back together.
    await expect(
      t.services.sessions.transition(token, "approved", "engine", {}, {}, async () => {
        throw new Error("audit write failed");
      }),
    ).rejects.toThrow("audit write failed");
    expect((await t.services.sessions.find(token))?.status).toBe("in_progress");
    expect((await eventsOf(token)).map((e) => e.type)).toEqual(["session.created"]);

    await t.services.sessions.transition(token, "approved", "engine");
    expect((await eventsOf(token)).map((e) => e.type).sort()).toEqual([
      "session.completed",
      "session.created",
    ]);
  });

  it("an event whose job was lost after the commit is delivered by the relay", async () => {
    const r = receiver();
    const url = await r.listen();
    try {
      const c = await companyWithCallback(url);
      const token = await begin(c.company_key);
      // The process "dies" between the commit and the job: enqueueing fails for this transition.
      const jobs = t.services.jobs;
      const original = jobs.enqueue.bind(jobs);
      jobs.enqueue = async () => {
        throw new Error("crashed before the job was written");
      };
      try {
        await t.services.sessions.transition(token, "rejected", "engine");
      } finally {
        jobs.enqueue = original;
      }
      const rows = await eventsOf(token);
      const completed = rows.find((e) => e.type === "session.completed");
      expect(completed?.status).toBe("pending");
      const jobRows = await t.database.db
        .selectFrom("jobs")
        .select("id")
        .where("dedupe_key", "=", `callback:${completed?.id}`)
        .execute();
      expect(jobRows).toHaveLength(0);
      // The worker's relay (at start, then every 30 s) gives it a job; it is delivered once.
      startWorker();
      await until(
        () => r.got.map((g) => g.json.type).sort(),
        (types) => types.length === 2,
      );
      expect(r.got.map((g) => g.json.type).sort()).toEqual(["session.completed", "session.created"]);
      expect(await t.services.callbacks.requeuePending()).toBe(0); // nothing left behind
    } finally {
      await r.close();
    }
  });
});

describe("SSRF guard in delivery", () => {
  it("refuses a loopback callback URL without ALLOW_PRIVATE_CALLBACKS and records why", async () => {
    const strict = await createTestApp({ ALLOW_PRIVATE_CALLBACKS: "0" });
    const r = receiver();
    const url = await r.listen();
    const w = startCallbacks({
      callbacks: strict.services.callbacks,
      jobs: strict.services.jobs,
      clock: strict.clock,
      timeoutMs: 300,
      pollMs: 10,
    });
    try {
      const c = await strict.company();
      await strict.services.companies.update(c.company_id, { callbackUrl: url });
      const res = await strict.http.inject({
        method: "POST",
        url: "/external-api/begin/",
        payload: { company_key: c.company_key },
      });
      expect(res.statusCode).toBe(200);
      const [event] = await strict.services.callbacks.listEvents(c.company_id);
      if (!event) throw new Error("no event");
      const failed = await until(
        () => strict.services.callbacks.getEvent(event.event_id),
        (e) => e?.status === "failed",
      );
      expect(failed?.attempts_history[0]?.error).toMatch(/refused: .*private/);
      expect(r.got).toHaveLength(0);
    } finally {
      await w.stop();
      await r.close();
      await strict.close();
    }
  });
});
