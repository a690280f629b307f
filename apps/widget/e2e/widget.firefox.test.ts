/**
 * The widget in real headless Firefox (Debian's `firefox-esr`, driven by playwright-core over WebDriver
 * BiDi: `firefox.launch({ channel: "moz-firefox", executablePath })` — stock Firefox, no patched build)
 * against the real app. Firefox's own fake camera (`media.navigator.streams.fake`, a synthetic coloured
 * frame) stands in for a webcam, with the permission prompt turned off. Firefox ESR lacks one BiDi command
 * playwright-core sends; see shimMissingBidiCommands. Covered: keyboard consent, a
 * document upload ending at the return_url, a camera selfie taken by hand, liveness starting (challenge
 * and flash), the iframe flow's postMessage, an iframe without `allow="camera"`, and the unknown-link
 * page in the browser's language. Screenshots land in
 * test-artifacts/widget-firefox/. Skipped only when firefox-esr is missing outside CI.
 */
import fs from "node:fs";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderTd3DataPage } from "@verimat/engine/fixtures";
import { type Browser, type Frame, firefox, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findWidgetDir } from "../../server/src/routes/widget-assets.ts";
import { createTestApp, type TestApp } from "../../server/src/testing/test-app.ts";
import { beginSession, startShopParent } from "./shop-parent.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const artifacts = path.join(repo, "test-artifacts/widget-firefox");
const FIREFOX = "/usr/bin/firefox-esr";
const haveFirefox = fs.existsSync(FIREFOX);

/**
 * Fake camera without a prompt, and nothing that reaches for the network: the test machine is offline,
 * and an update check, telemetry or a captive-portal probe would only slow the start.
 */
const PREFS: Record<string, string | number | boolean> = {
  "media.navigator.streams.fake": true,
  "media.navigator.permission.disabled": true,
  "media.autoplay.default": 0,
  "app.update.enabled": false,
  "app.update.auto": false,
  "app.normandy.enabled": false,
  "browser.shell.checkDefaultBrowser": false,
  "browser.startup.homepage_override.mstone": "ignore",
  "browser.newtabpage.enabled": false,
  "browser.safebrowsing.malware.enabled": false,
  "browser.safebrowsing.phishing.enabled": false,
  "browser.safebrowsing.downloads.enabled": false,
  "browser.safebrowsing.provider.mozilla.updateURL": "",
  "browser.search.update": false,
  "captivedetect.canonicalURL": "",
  "datareporting.healthreport.uploadEnabled": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "toolkit.telemetry.enabled": false,
  "toolkit.telemetry.unified": false,
  "extensions.update.enabled": false,
  "extensions.getAddons.cache.enabled": false,
  "extensions.blocklist.enabled": false,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "network.dns.disablePrefetch": true,
  "network.prefetch-next": false,
  "services.settings.server": "http://127.0.0.1:9/",
  "remote-settings.poll_interval": 86400 * 365,
  "intl.accept_languages": "en-US, en",
};

/**
 * Firefox ESR 153's WebDriver BiDi has no `emulation.setMediaFeaturesOverride` (newer Firefox has), and
 * playwright-core 1.65 sends it for `prefers-color-scheme` on every new context, which then fails with
 * "unknown command". We never emulate a colour scheme, so that one command is answered as done here; every
 * other command still goes to Firefox. The in-process server's BiDi session is reached through the
 * client's connection (playwright-core runs in this process); checked at run time so an upgrade that
 * moves it fails loudly rather than silently.
 */
const MISSING_IN_ESR = new Set(["emulation.setMediaFeaturesOverride"]);
function shimMissingBidiCommands(b: Browser): void {
  const connection: unknown = Reflect.get(b, "_connection");
  const toImpl: unknown = connection instanceof Object ? Reflect.get(connection, "toImpl") : undefined;
  if (typeof toImpl !== "function") throw new Error("playwright-core internals changed: no toImpl");
  const server: unknown = Reflect.apply(toImpl, connection, [b]);
  const session: unknown = server instanceof Object ? Reflect.get(server, "_browserSession") : undefined;
  if (!(session instanceof Object)) throw new Error("playwright-core internals changed: no BiDi session");
  const proto: unknown = Object.getPrototypeOf(session);
  const send: unknown = proto instanceof Object ? Reflect.get(proto, "send") : undefined;
  if (!(proto instanceof Object) || typeof send !== "function") {
    throw new Error("playwright-core internals changed: no BiDi send");
  }
  if (Reflect.get(proto, "__verimatShim") === true) return;
  Reflect.set(proto, "__verimatShim", true);
  Reflect.set(proto, "send", function (this: unknown, method: unknown, ...rest: unknown[]): unknown {
    if (typeof method === "string" && MISSING_IN_ESR.has(method)) return Promise.resolve({});
    return Reflect.apply(send, this, [method, ...rest]);
  });
}

let t: TestApp;
let base: string;
let companyKey: string;
let parent: http.Server;
let parentBase: string;
let browser: Browser;
let passportFile: string;
let tmp: string;

function begin(flags: Record<string, unknown>, key = companyKey, steps?: unknown[]): Promise<string> {
  return beginSession(t, flags, key, steps);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

/**
 * Before each screenshot Playwright's BiDi backend adds and removes a `<style>body {}</style>` to sync
 * animations; over BiDi (unlike CDP) its scripts do not bypass CSP, so the widget's strict `style-src`
 * blocks it and Firefox logs that. It is the test tool's element, not the widget's: recognised by its hash.
 */
const PLAYWRIGHT_SCREENSHOT_STYLE = "sha256-YjaKGiklmzC6wjXA513HAMmzus8VE61XCOT+SmwNZWA=";

/** Script errors and console errors (CSP violations show there too). */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  // Firefox reports CSP violations as page errors over BiDi, so both channels are filtered.
  const add = (text: string): void => {
    if (!text.includes(PLAYWRIGHT_SCREENSHOT_STYLE)) errors.push(text);
  };
  page.on("pageerror", (e) => add(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") add(m.text());
  });
  return errors;
}

async function widgetFrame(page: Page): Promise<Frame> {
  await page.waitForSelector("iframe");
  for (let i = 0; i < 100; i++) {
    const frame = page.frames().find((f) => f.url().startsWith(base));
    if (frame) return frame;
    await page.waitForTimeout(100);
  }
  throw new Error("the widget frame did not load");
}

async function mediaKinds(token: string): Promise<string[]> {
  const s = await t.services.sessions.find(token);
  return s ? (await t.services.sessions.listMedia(s)).map((m) => m.kind).sort() : [];
}

describe.skipIf(!haveFirefox && !process.env.CI)("widget in Firefox", () => {
  beforeAll(async () => {
    if (!haveFirefox) throw new Error("firefox-esr is missing: run scripts/test-deps.sh");
    if (!findWidgetDir()) throw new Error("apps/widget/dist is missing: run `node scripts/build.mjs` first");
    fs.mkdirSync(artifacts, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "widget-firefox-"));
    passportFile = path.join(tmp, "passport.png");
    fs.writeFileSync(passportFile, (await renderTd3DataPage()).png);
    t = await createTestApp();
    await t.http.listen({ host: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
    companyKey = (await t.company()).company_key;
    parent = await startShopParent(base);
    parentBase = `http://127.0.0.1:${(parent.address() as AddressInfo).port}`;
    browser = await firefox.launch({
      channel: "moz-firefox",
      executablePath: FIREFOX,
      headless: true,
      firefoxUserPrefs: PREFS,
      timeout: 60_000,
    });
    shimMissingBidiCommands(browser);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => parent?.close(resolve));
    await t?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("phone: keyboard consent, passport upload, camera selfie by hand, back to return_url", async () => {
    const token = await begin({
      liveness: false,
      document_types: ["passport"],
      allow_document_upload: true,
      language: "en",
      return_url: `${parentBase}/back?order=7`,
    });
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors = collectErrors(page);
    try {
      await page.goto(`${base}/?session_token=${token}`);
      await page.waitForSelector("[data-screen=consent]");
      // laid out for the phone: nothing wider than the screen
      expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
      await shot(page, "01-consent-phone");
      // keyboard only: focus starts on the heading, Tab reaches "I agree", Enter presses it
      expect(await page.evaluate<string>("document.activeElement.tagName")).toBe("H1");
      await page.keyboard.press("Tab");
      expect(await page.evaluate<string>("document.activeElement.dataset.action")).toBe("agree");
      await page.keyboard.press("Enter");

      await page.waitForSelector(
        "[data-screen=camera][data-subject=passport] [data-action=capture]:not([disabled])",
      );
      await shot(page, "02-passport-camera");
      await page.click("[data-action=switch-upload]");
      await page.waitForSelector("[data-screen=upload]");
      await shot(page, "03-passport-upload");
      await page.setInputFiles("input[type=file]", passportFile);

      // Firefox's fake camera plays in the selfie view; the shutter is pressed by hand.
      await page.waitForSelector(
        "[data-screen=camera][data-subject=selfie] [data-action=capture]:not([disabled])",
      );
      // [videoWidth, videoHeight, readyState] of the live view
      const size = await page.evaluate<number[]>(
        "(v => [v.videoWidth, v.videoHeight, v.readyState])(document.querySelector('video'))",
      );
      expect(size?.[0] ?? 0).toBeGreaterThan(0);
      expect(size?.[2] ?? 0).toBeGreaterThanOrEqual(2);
      await page.waitForTimeout(300);
      await shot(page, "04-selfie-camera");
      await page.click("[data-action=capture]");

      await page.waitForSelector("[data-screen=final-finished]");
      await shot(page, "05-final");
      await page.waitForURL(/\/back\?/, { timeout: 15_000 });
      const back = new URL(page.url());
      expect(back.origin).toBe(parentBase);
      expect(back.searchParams.get("order")).toBe("7");
      expect(back.searchParams.get("session_token")).toBe(token);

      expect((await t.services.sessions.find(token))?.submittedAt).not.toBeNull();
      expect(await mediaKinds(token)).toEqual(["face", "passport"]);
      const s = await t.services.sessions.find(token);
      const face = s ? await t.services.sessions.getMedia(s, "face") : null;
      expect(face?.record.contentType).toBe("image/jpeg");
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("liveness starts: the server's challenge is fetched and its flash shows over the running camera", async () => {
    const token = await begin({ liveness: true, skip_document: true, skip_agreement: true }, companyKey, [
      { type: "liveness", flags: { liveness: true, prompts: 1 } },
    ]);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors = collectErrors(page);
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    try {
      await page.goto(`${base}/?session_token=${token}`);
      await page.waitForSelector("[data-screen=liveness-intro]");
      await shot(page, "06-liveness-intro");
      await page.click("[data-action=start-liveness]");
      // the on-device face tracker (wasm) loaded in Firefox too
      await page.waitForSelector("[data-screen=liveness-running][data-flash=on][data-tracking=on]", {
        timeout: 20_000,
      });
      await shot(page, "07-liveness-flash");
      const events = await t.services.sessions.events(token);
      expect(events.some((e) => e.type === "liveness.challenge")).toBe(true);
      // frames of the flash phase reach the server while it runs
      await expect
        .poll(
          async () =>
            (await t.services.sessions.events(token)).filter(
              (e) => e.type === "capture.stored" && e.data.kind === "liveness-frame",
            ).length,
          { timeout: 10_000 },
        )
        .toBeGreaterThan(0);
      // everything, the face models included, comes from our own origin
      expect(
        requests.filter((u) => !u.startsWith(base) && !u.startsWith("data:") && !u.startsWith("blob:")),
      ).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("iframe: posts DONE to the company's origin", async () => {
    const c = await t.company({ name: "Shop" });
    await t.services.companies.update(c.company_id, { allowedOrigins: [parentBase] });
    const token = await begin({ liveness: false, skip_document: true, language: "en" }, c.company_key);
    const page = await browser.newPage({ viewport: { width: 900, height: 760 } });
    try {
      await page.goto(`${parentBase}/parent?token=${token}`);
      const frame = await widgetFrame(page);
      await frame.waitForSelector("[data-screen=consent]");
      await frame.click("[data-action=agree]");
      await frame.waitForSelector("[data-screen=camera] [data-action=capture]:not([disabled])");
      await shot(page, "08-iframe-camera");
      await frame.click("[data-action=capture]");
      await frame.waitForSelector("[data-screen=final-finished]");
      await page.waitForFunction(
        () => (globalThis as unknown as { messages: unknown[] }).messages.length > 0,
      );
      const messages = await page.evaluate(() => (globalThis as unknown as { messages: unknown[] }).messages);
      expect(messages).toEqual([{ origin: base, data: "DONE" }]);
    } finally {
      await page.close();
    }
  });

  it("explains an iframe without camera permission, offering upload", async () => {
    const token = await begin({ liveness: false, skip_document: true, skip_agreement: true });
    const page = await browser.newPage({ viewport: { width: 900, height: 760 } });
    try {
      await page.goto(`${parentBase}/parent?allow=0&token=${token}`);
      const frame = await widgetFrame(page);
      await frame.waitForSelector("[data-screen=camera-problem]");
      await shot(page, "10-iframe-no-camera-permission");
      expect(await frame.getAttribute("[data-screen=camera-problem]", "data-problem")).toBe("frame");
      expect(await frame.locator("[data-screen=camera-problem] input[type=file]").count()).toBe(1);
    } finally {
      await page.close();
    }
  });

  it("shows a clear page for an unknown link, in the browser's language", async () => {
    const page = await browser.newPage({ locale: "ru-RU" });
    try {
      const res = await page.goto(`${base}/?session_token=${"z".repeat(40)}`);
      expect(res?.status()).toBe(404);
      await page.waitForSelector("[data-screen=unknown]");
      expect(await page.textContent("h1")).toBe("Ссылка недействительна");
      await shot(page, "09-unknown-ru");
    } finally {
      await page.close();
    }
  });
});
