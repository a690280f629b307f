/**
 * The example company server end to end in headless Chromium against a Verimat server listening on a
 * real port, with the callback worker running: the iframe flow (DONE resolves the browser helper's
 * promise) and the redirect flow (back on return_url), each with its signed callbacks received,
 * verified and deduplicated by the example.
 */
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CallbackWorker, startCallbacks } from "../../apps/server/src/callbacks/index.ts";
import { createTestApp, type TestApp } from "../../apps/server/src/testing/test-app.ts";
import { createExampleServer, type ExampleServer } from "./server.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const video = path.resolve(repo, "../shared/eval/video/foreman_cif_352x288_30fps.mjpeg");

let t: TestApp;
let worker: CallbackWorker;
let example: ExampleServer;
let shop: string;
let browser: Browser;

async function until<T>(fn: () => T, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  t = await createTestApp({ ALLOW_PRIVATE_CALLBACKS: "1" });
  t.clock.set(Date.now()); // callback signatures carry this clock's time; the example checks it against its own
  await t.http.listen({ port: 0, host: "127.0.0.1" });
  const verimatUrl = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
  worker = startCallbacks({
    callbacks: t.services.callbacks,
    jobs: t.services.jobs,
    clock: t.clock,
    timeoutMs: 5_000,
    pollMs: 20,
  });
  const company = await t.company({ name: "Example shop" });
  const secrets: string[] = [];
  example = createExampleServer({
    verimatUrl,
    companyKey: company.company_key,
    callbackSecrets: secrets,
    now: () => t.clock.now(),
  });
  shop = await example.listen(0);
  await t.services.companies.update(company.company_id, {
    callbackUrl: `${shop}/verimat/callbacks`,
    callbackKey: "shop-callback-key",
    allowedOrigins: [shop],
  });
  const secret = await t.services.callbacks.ensureSigningSecret(company.company_id);
  if (!secret) throw new Error("no signing secret issued");
  secrets.push(secret);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await example?.close();
  await t?.close();
});

describe("example company server", () => {
  it("iframe flow: the widget's DONE resolves mountWidget, and the callbacks arrive signed", async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    try {
      await page.goto(shop);
      await page.click("#start-iframe");
      await page.waitForSelector("#widget iframe");
      const iframe = await page.$("#widget iframe");
      expect(await iframe?.getAttribute("allow")).toContain("camera");
      const frame = await (await page.waitForSelector("#widget iframe")).contentFrame();
      if (!frame) throw new Error("no widget frame");
      await frame.waitForSelector("[data-action=agree]");
      await frame.click("[data-action=agree]");
      await frame.waitForSelector("[data-screen=camera] [data-action=capture]:not([disabled])", {
        timeout: 20_000,
      });
      await frame.click("[data-action=capture]");
      await page.waitForSelector("#status[data-state=done]", { timeout: 20_000 });
      const status = JSON.parse((await page.textContent("#result")) ?? "{}") as { result: string };
      expect(status.result).toBe("in_progress"); // submitted; the decision comes later
      expect(await page.$("#widget iframe")).toBeNull(); // destroyed after DONE
      const token = [...example.events.keys()].find((k) =>
        (example.events.get(k) ?? []).some((e) => e.type === "session.opened"),
      );
      if (!token) throw new Error("no session.opened callback");
      const types = await until(
        () => (example.events.get(token) ?? []).map((e) => e.type),
        (l) => l.filter((x) => x === "step.completed").length >= 2,
      );
      expect(types).toEqual(expect.arrayContaining(["session.created", "session.opened", "step.completed"]));
      for (const e of example.events.get(token) ?? []) expect(e.callbackApiKey).toBe("shop-callback-key");
    } finally {
      await page.close();
    }
  });

  it("redirect flow: back on return_url with the session's outcome, and session.disagreed delivered", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await page.goto(shop);
      await page.click("#start-redirect");
      await page.waitForSelector("[data-action=refuse]", { timeout: 20_000 });
      await page.click("[data-action=refuse]");
      await page.waitForURL(/\/return\?session_token=/, { timeout: 15_000 });
      expect(await page.getAttribute("#outcome", "data-result")).toBe("disagreed");
      const token = new URL(page.url()).searchParams.get("session_token") ?? "";
      const types = await until(
        () => (example.events.get(token) ?? []).map((e) => e.type),
        (l) => l.includes("session.disagreed"),
      );
      expect(types).toEqual(
        expect.arrayContaining(["session.created", "session.opened", "session.disagreed"]),
      );
      const disagreed = (example.events.get(token) ?? []).find((e) => e.type === "session.disagreed");
      expect(disagreed).toMatchObject({ status: "disagreed", sessionId: token });
      expect(example.deliveries()).toBeGreaterThanOrEqual([...example.events.values()].flat().length);
    } finally {
      await page.close();
    }
  });
});
