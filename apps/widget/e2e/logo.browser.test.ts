/**
 * The company's logo in real headless Chromium: `branding.logo_url` on an https server of its own (a
 * self-signed certificate made with openssl, accepted by this browser context only) shows in the
 * widget's header, and the page's CSP names that one origin for images: an image from any other origin
 * (the same server on another port) is refused before it is requested.
 * Screenshots land in test-artifacts/widget/.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findWidgetDir } from "../../server/src/routes/widget-assets.ts";
import { createTestApp, type TestApp } from "../../server/src/testing/test-app.ts";
import { beginSession } from "./shop-parent.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const artifacts = path.join(repo, "test-artifacts/widget");
const CHROMIUM = "/usr/bin/chromium";
const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32">
<rect width="120" height="32" rx="6" fill="#0b6e4f"/><text x="60" y="22" font-size="16" fill="#fff"
 text-anchor="middle" font-family="sans-serif">ACME</text></svg>`;

let t: TestApp;
let base: string;
let tmp: string;
let browser: Browser;
/** Two https servers, two origins: the company's logo host and one the CSP does not name. */
const servers: https.Server[] = [];
const requests: string[][] = [[], []];
const origins: string[] = [];

function startLogoServer(i: number, key: Buffer, cert: Buffer): Promise<string> {
  const server = https.createServer({ key, cert }, (req, res) => {
    requests[i]?.push(req.url ?? "");
    res.setHeader("content-type", "image/svg+xml");
    res.end(LOGO_SVG);
  });
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`https://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

describe("widget branding in Chromium", () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error("chromium is missing: run scripts/test-deps.sh");
    if (!findWidgetDir()) throw new Error("apps/widget/dist is missing: run `node scripts/build.mjs` first");
    fs.mkdirSync(artifacts, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "widget-logo-"));
    const keyFile = path.join(tmp, "key.pem");
    const certFile = path.join(tmp, "cert.pem");
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
        ...["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile],
      ],
      { stdio: "ignore" },
    );
    const key = fs.readFileSync(keyFile);
    const cert = fs.readFileSync(certFile);
    origins.push(await startLogoServer(0, key, cert), await startLogoServer(1, key, cert));
    t = await createTestApp();
    await t.http.listen({ host: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
    await t?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("shows the company's logo from its https origin, and the CSP refuses images from any other", async () => {
    const [logoOrigin, otherOrigin] = origins;
    const c = await t.company({ name: "Acme" });
    await t.services.companies.update(c.company_id, {
      settings: { branding: { logo_url: `${logoOrigin}/brand/logo.svg`, primary_color: "#0b6e4f" } },
    });
    const token = await beginSession(t, { language: "en" }, c.company_key);
    // The self-signed certificate is trusted by this context only.
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      ignoreHTTPSErrors: true,
    });
    const page = await context.newPage();
    const blocked: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") blocked.push(m.text());
    });
    try {
      const res = await page.goto(`${base}/?session_token=${token}`);
      expect(res?.headers()["content-security-policy"]).toContain(
        `img-src 'self' blob: data: ${logoOrigin};`,
      );
      await page.waitForSelector("[data-screen=consent]");
      await page.waitForFunction(
        "(img => img !== null && img.complete && img.naturalWidth > 0)(document.querySelector('img.logo'))",
      );
      expect(await page.getAttribute("img.logo", "src")).toBe(`${logoOrigin}/brand/logo.svg`);
      expect(requests[0]).toEqual(["/brand/logo.svg"]);
      await page.screenshot({ path: path.join(artifacts, "19-company-logo.png") });

      // Another origin, as a logo or anything else: refused by the CSP, never requested.
      const refused = await page.evaluate(`(async (src) => {
        const violation = new Promise((resolve) => document.addEventListener(
          "securitypolicyviolation", (e) => resolve(e.effectiveDirective), { once: true }));
        const img = document.createElement("img");
        const loaded = new Promise((resolve) => {
          img.onload = () => resolve(true);
          img.onerror = () => resolve(false);
        });
        img.src = src;
        document.body.append(img);
        return { directive: await violation, loaded: await loaded, width: img.naturalWidth };
      })(${JSON.stringify(`${otherOrigin}/brand/logo.svg`)})`);
      expect(refused).toEqual({ directive: "img-src", loaded: false, width: 0 });
      expect(requests[1]).toEqual([]);
      expect(
        blocked.some((m) => m.includes("Content Security Policy") && m.includes(otherOrigin ?? "?")),
      ).toBe(true);
    } finally {
      await context.close();
    }
  });
});
