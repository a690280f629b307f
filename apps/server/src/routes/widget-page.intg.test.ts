/** The widget entry: the built shell under a strict CSP, hashed assets cached for a year, framing rules. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../testing/test-app.ts";
import { findWidgetDir, widgetAssetRoutes } from "./widget-assets.ts";
import { frameAncestors, logoOrigin, widgetPageRoutes } from "./widget-page.ts";

let t: TestApp;
let key: string;
beforeAll(async () => {
  t = await createTestApp();
  key = (await t.company()).company_key;
});
afterAll(async () => {
  await t.close();
});

async function begin(flags: Record<string, unknown> = {}): Promise<string> {
  const res = await t.http.inject({ method: "POST", url: "/begin/", payload: { company_key: key, flags } });
  return JSON.parse(res.body) as string;
}

describe("widget page", () => {
  it("lets images come from the company's https logo origin only", async () => {
    if (!findWidgetDir()) throw new Error("apps/widget/dist is missing: run `node scripts/build.mjs` first");
    const c = await t.company();
    await t.services.companies.update(c.company_id, {
      settings: { branding: { logo_url: "https://cdn.shop.example/brand/logo.svg" } },
    });
    const res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      payload: { company_key: c.company_key, flags: {} },
    });
    const page = await t.http.inject({
      method: "GET",
      url: `/?session_token=${JSON.parse(res.body) as string}`,
    });
    expect(String(page.headers["content-security-policy"])).toContain(
      "img-src 'self' blob: data: https://cdn.shop.example;",
    );
    const widget = await t.http.inject({
      method: "GET",
      url: "/api/widget/session",
      headers: { "x-session-token": JSON.parse(res.body) as string },
    });
    expect(JSON.parse(widget.body)).toMatchObject({
      branding: { logo_url: "https://cdn.shop.example/brand/logo.svg" },
    });
    expect(logoOrigin({ branding: { logo_url: "http://cdn.shop.example/logo.png" } })).toBeNull();
    expect(logoOrigin({ branding: { logo_url: "javascript:alert(1)" } })).toBeNull();
    expect(logoOrigin({ branding: { logo_url: "https://x.example/a b" } })).toBe("https://x.example");
    expect(logoOrigin({})).toBeNull();
  });

  it("serves the built widget with a CSP that allows no inline script", async () => {
    if (!findWidgetDir()) throw new Error("apps/widget/dist is missing: run `node scripts/build.mjs` first");
    const token = await begin();
    const res = await t.http.inject({ method: "GET", url: `/?session_token=${token}` });
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.body).not.toMatch(/<script>/);
    const src = /<script type="module" crossorigin src="(\/widget-assets\/[^"]+\.js)"/.exec(res.body)?.[1];
    expect(src).toBeDefined();
    const js = await t.http.inject({ method: "GET", url: src ?? "" });
    expect(js.statusCode).toBe(200);
    expect(js.headers["content-type"]).toContain("text/javascript");
    expect(js.headers["cache-control"]).toContain("immutable");
    const zipped = await t.http.inject({
      method: "GET",
      url: src ?? "",
      headers: { "accept-encoding": "gzip, br" },
    });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.rawPayload.length).toBeLessThan(js.rawPayload.length / 2);
    const tracker = await t.http.inject({ method: "GET", url: "/widget-assets/face/human.esm.js" });
    expect(tracker.statusCode).toBe(200);
    expect((await t.http.inject({ method: "GET", url: "/widget-assets/face/faceres.bin" })).statusCode).toBe(
      404,
    );
    // unknown tokens keep their status; the widget renders the translated page from the API's answer
    expect(
      (await t.http.inject({ method: "GET", url: `/?session_token=${"z".repeat(40)}` })).statusCode,
    ).toBe(404);
  });

  it("serves only plain files from the build folder", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "widget-assets-"));
    fs.writeFileSync(path.join(dir, "app-1.js"), "export {}");
    fs.writeFileSync(path.join(dir, ".secret.js"), "no");
    const app = Fastify();
    await app.register(widgetAssetRoutes, { widgetDir: dir });
    try {
      expect((await app.inject({ method: "GET", url: "/widget-assets/app-1.js" })).statusCode).toBe(200);
      expect((await app.inject({ method: "GET", url: "/widget-assets/.secret.js" })).statusCode).toBe(404);
      expect((await app.inject({ method: "GET", url: "/widget-assets/..%2Fapp-1.js" })).statusCode).toBe(404);
      expect((await app.inject({ method: "GET", url: "/widget-assets/missing.js" })).statusCode).toBe(404);
      expect((await app.inject({ method: "GET", url: "/widget-assets/index.html" })).statusCode).toBe(404);
    } finally {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes frame-ancestors from the company when given the company service, and falls back to plain pages without a build", async () => {
    const c = await t.company({ name: "Framed" });
    await t.services.companies.update(c.company_id, { allowedOrigins: ["https://shop.example"] });
    const res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      payload: { company_key: c.company_key },
    });
    const token = JSON.parse(res.body) as string;
    const app = Fastify();
    await app.register(widgetPageRoutes, {
      sessions: t.services.sessions,
      companies: t.services.companies,
      widgetDir: null,
    });
    try {
      const page = await app.inject({ method: "GET", url: `/?session_token=${token}` });
      expect(page.headers["content-security-policy"]).toContain(
        "frame-ancestors 'self' https://shop.example",
      );
      expect(page.body).toContain("identity-document");
      const finished = await begin();
      await t.services.sessions.transition(finished, "approved", "engine");
      const done = await app.inject({ method: "GET", url: `/?session_token=${finished}` });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain("This verification is finished");
      expect((await app.inject({ method: "GET", url: "/widget-assets/index.js" })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it("lets only the company's origins frame the widget when it configured some", () => {
    expect(frameAncestors([])).toBe("*");
    expect(frameAncestors(["https://shop.example", "http://localhost:8080"])).toBe(
      "'self' https://shop.example http://localhost:8080",
    );
    expect(frameAncestors(["https://x.example; script-src *"])).toBe("'self'");
  });
});
