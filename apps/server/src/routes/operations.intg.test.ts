/**
 * Operations surface: liveness and readiness probes (database, queue, storage), Prometheus metrics,
 * and the per-session capture total that keeps one session from filling the storage.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { manualClock } from "@verimat/core";
import { openDatabase } from "@verimat/db";
import { createBullJobQueue } from "@verimat/jobs";
import { createFsMediaStore } from "@verimat/media";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { multipartBody } from "../testing/multipart.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const JPEG = (size: number) =>
  Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]),
    Buffer.alloc(size - 14, 7),
    Buffer.from([0xff, 0xd9]),
  ]);

describe("health and readiness", () => {
  it("answers /healthz, and /readyz only while database, queue and storage answer", async () => {
    t = await createTestApp();
    expect((await t.http.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    const ready = await t.http.inject({ url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready", checks: { database: "ok", queue: "ok", storage: "ok" } });
    // The media folder turned into a file: the storage cannot be written.
    const media = path.join(t.dataDir, "media");
    fs.rmSync(media, { recursive: true, force: true });
    fs.writeFileSync(media, "");
    const broken = await t.http.inject({ url: "/readyz" });
    expect(broken.statusCode).toBe(503);
    expect(broken.json()).toMatchObject({
      status: "not_ready",
      checks: { database: "ok", storage: "unavailable" },
    });
  });

  it("reports the queue unavailable when its Redis does not answer", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-ops-"));
    const database = await openDatabase({ url: ":memory:", dataDir });
    const jobs = createBullJobQueue({ url: "redis://127.0.0.1:1", prefix: "unreachable" });
    const app = await buildApp({
      config: loadConfig({ DATA_DIR: dataDir, DEMO: "0", LOG_LEVEL: "silent" }),
      database,
      media: createFsMediaStore(path.join(dataDir, "media")),
      clock: manualClock(Date.now()),
      masterKey: Buffer.alloc(32, 1),
      jobs,
      logger: false,
    });
    try {
      const res = await app.http.inject({ url: "/readyz" });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({
        status: "not_ready",
        checks: { database: "ok", queue: "unavailable", storage: "ok" },
      });
    } finally {
      await app.http.close();
      await jobs.close();
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("metrics", () => {
  it("counts requests per route pattern (never the raw URL) and reports queue depth", async () => {
    t = await createTestApp();
    const { company_key } = await t.company();
    const begun = await t.http.inject({
      method: "POST",
      url: "/begin/",
      payload: { company_key, flags: {} },
    });
    const token = begun.json<string>();
    await t.http.inject({ url: `/api/widget/status?session_token=${token}` });
    await t.http.inject({ url: "/healthz" });
    await t.http.inject({ url: "/healthz" });
    await t.services.jobs.enqueue("verify", { token: "x" });
    const res = await t.http.inject({ url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toContain('verimat_http_requests_total{method="GET",route="/healthz",status="200"} 2');
    expect(text).toContain('verimat_http_requests_total{method="POST",route="/begin",status="200"} 1');
    expect(text).toMatch(
      /verimat_http_request_duration_seconds_count\{method="GET",route="\/api\/widget\/status"\} 1/,
    );
    expect(text).toContain('verimat_queue_jobs{queue="verify",state="queued"} 1');
    expect(text).toContain("verimat_job_duration_seconds");
    expect(text).not.toContain(token);
    expect(text).not.toContain(company_key);
  });

  it("times jobs per stage and counts verification outcomes", async () => {
    t = await createTestApp();
    const ok = t.metrics.timeJob("verify", async () => "done");
    const bad = t.metrics.timeJob("analyze", async () => {
      throw new Error("engine fault");
    });
    await ok();
    await expect(bad()).rejects.toThrow("engine fault");
    t.metrics.verificationOutcome("approved");
    t.metrics.verificationOutcome("approved");
    t.metrics.verificationOutcome("rejected");
    const text = await t.metrics.registry.metrics();
    expect(text).toContain('verimat_job_duration_seconds_count{stage="verify",outcome="ok"} 1');
    expect(text).toContain('verimat_job_duration_seconds_count{stage="analyze",outcome="error"} 1');
    expect(text).toContain('verimat_verification_outcomes_total{status="approved"} 2');
    expect(text).toContain('verimat_verification_outcomes_total{status="rejected"} 1');
  });

  it("can be switched off", async () => {
    t = await createTestApp({ METRICS: "0" });
    expect((await t.http.inject({ url: "/metrics" })).statusCode).toBe(404);
  });
});

describe("per-session capture total", () => {
  it("refuses the capture that would take a session past SESSION_MEDIA_LIMIT_BYTES, and every later one", async () => {
    t = await createTestApp({ UPLOAD_LIMIT_BYTES: "80000", SESSION_MEDIA_LIMIT_BYTES: "150000" });
    const { company_key } = await t.company();
    const begun = await t.http.inject({
      method: "POST",
      url: "/begin/",
      payload: { company_key, flags: { document_types: ["passport"], liveness: false } },
    });
    const token = begun.json<string>();
    const upload = (size: number) => {
      const mp = multipartBody([], [["image", "capture.jpg", JPEG(size)]]);
      return t?.http.inject({
        method: "POST",
        url: "/api/widget/captures/passport",
        body: mp.body,
        headers: { "x-session-token": token, "content-type": mp.contentType },
      });
    };
    expect((await upload(70_000))?.statusCode).toBe(201);
    expect((await upload(70_000))?.statusCode).toBe(201);
    const over = await upload(70_000); // 210 000 > 150 000
    expect(over?.statusCode).toBe(413);
    expect(over?.json()).toMatchObject({ error: { code: "SESSION_MEDIA_LIMIT" } });
    const full = await upload(20_000);
    expect(full?.statusCode).toBe(413);
    // The refused uploads left no index rows behind.
    const s = await t.services.sessions.find(token);
    if (!s) throw new Error("session lost");
    expect((await t.services.sessions.listMedia(s)).map((m) => m.size)).toEqual([70_000, 70_000]);
  });
});
