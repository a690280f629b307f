/**
 * The step catalogue on the dashboard's session page, in headless Chromium against the real app: a
 * KYB session's beneficiaries (child sessions with their status) and an operator questionnaire filled
 * in by the operator, which the result API then carries. Screenshot: test-artifacts/dashboard/steps-kyb.png.
 */
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findDashboardDir } from "../../server/src/dashboard/dashboard-routes.ts";
import { createTestApp, type TestApp } from "../../server/src/testing/test-app.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const artifacts = path.join(repo, "test-artifacts/dashboard");
const CHROMIUM = "/usr/bin/chromium";
const PASSWORD = "operator password 1";

let t: TestApp;
let base: string;
let company: { company_id: string; company_key: string };
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error("chromium is missing: run scripts/test-deps.sh");
  if (!findDashboardDir())
    throw new Error("apps/dashboard/dist is missing: run `node scripts/build.mjs` first");
  fs.mkdirSync(artifacts, { recursive: true });
  t = await createTestApp({ PUBLIC_URL: "https://verify.example.test" });
  await t.http.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
  company = await t.company({ name: "Acme Bank" });
  // Links go out through the company's own provider (a callback URL; nothing listens in this test).
  await t.services.companies.update(company.company_id, {
    callbackUrl: "https://hooks.example.test/verimat",
  });
  await t.services.dashboardUsers.create({
    companyId: company.company_id,
    email: "ops@acme.test",
    role: "operator",
    password: PASSWORD,
  });
  await t.services.dashboardUsers.create({
    companyId: company.company_id,
    email: "admin@acme.test",
    role: "admin",
    password: PASSWORD,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("dashboard: step catalogue", () => {
  it("shows the KYB tree and takes the operator questionnaire", async () => {
    const begin = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: {
        company_key: company.company_key,
        flags: { skip_document: true, skip_face: true, skip_agreement: true },
        steps: [
          {
            type: "operator-questionnaire",
            key: "call-notes",
            questions: [
              { key: "video_ok", type: "yes-no", required: true, label: { en: "Video quality acceptable?" } },
              { key: "notes", type: "text", required: true, label: { en: "Notes" } },
            ],
          },
          { type: "beneficiaries" },
        ],
      },
    });
    const token = begin.json() as string;
    const widget = (method: "GET" | "POST", url: string, payload?: Record<string, unknown>) =>
      t.http.inject({ method, url, headers: { "x-session-token": token }, ...(payload ? { payload } : {}) });
    await widget("POST", "/api/widget/steps/0/complete");
    const listed = await widget("POST", "/api/widget/steps/beneficiaries", {
      beneficiaries: [
        { first_name: "Nino", last_name: "Beridze", roles: ["owner"], share: 70, email: "nino@acme.ge" },
        { first_name: "Giorgi", last_name: "Kapanadze", roles: ["director"], phone: "+995555000111" },
      ],
    });
    expect(listed.statusCode, listed.body).toBe(200);
    const children = (
      (
        await t.http.inject({
          method: "POST",
          url: "/external-api/result/",
          payload: { company_key: company.company_key, session_token: token },
        })
      ).json() as { beneficiaries: { session_token: string }[] }
    ).beneficiaries;
    await t.services.sessions.transition(children[0]?.session_token ?? "", "approved", "operator");

    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await page.goto(`${base}/dashboard/`);
      await page.waitForSelector("[data-page=login]");
      await page.fill("input[name=email]", "ops@acme.test");
      await page.fill("input[name=password]", PASSWORD);
      await page.keyboard.press("Enter");
      await page.waitForSelector("[data-stat=total]");
      await page.goto(`${base}/dashboard/#/sessions/${token}`);
      await page.waitForSelector("[data-beneficiaries] li");
      expect(await page.locator("[data-beneficiaries] li").allInnerTexts()).toEqual([
        expect.stringMatching(/Nino Beridze — owner, 70%\s+approved/),
        expect.stringMatching(/Giorgi Kapanadze — director\s+in progress/),
      ]);
      const form = page.locator("[data-operator-questionnaire=call-notes]");
      await form.getByLabel("Video quality acceptable?").selectOption("no");
      await form.getByRole("button", { name: "Save answers" }).click();
      await form.locator("[role=status]:has-text('notes: an answer is required')").waitFor();
      await form.getByLabel("Notes").fill("Second call booked");
      await form.getByRole("button", { name: "Save answers" }).click();
      await page.waitForSelector("table.kv:has-text('Second call booked')");
      await page.screenshot({ path: path.join(artifacts, "steps-kyb.png"), fullPage: true });
      const r = (
        await t.http.inject({
          method: "POST",
          url: "/external-api/result/",
          payload: { company_key: company.company_key, session_token: token },
        })
      ).json() as { questionnaires: unknown };
      expect(r.questionnaires).toEqual([
        {
          key: "call-notes",
          questions: [
            { key: "video_ok", answer: false },
            { key: "notes", answer: "Second call booked" },
          ],
        },
      ]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("builds a questionnaire step in the configuration builder (settings as JSON, checked on save)", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      await page.goto(`${base}/dashboard/`);
      await page.waitForSelector("[data-page=login]");
      await page.fill("input[name=email]", "admin@acme.test");
      await page.fill("input[name=password]", PASSWORD);
      await page.keyboard.press("Enter");
      await page.waitForSelector("[data-stat=total]");
      await page.click("nav >> text=Configurations");
      await page.click("text=New configuration");
      await page.waitForSelector("form.builder");
      await page.fill("input[name=name]", "Source of funds");
      await page.selectOption("select[aria-label='Step to add']", "user-questionnaire");
      await page.click("[data-add-step]");
      const json = page.locator("[data-type=user-questionnaire] [data-step-json]");
      await json.fill(
        JSON.stringify({ key: "funds", questions: [{ key: "source", type: "single-choice" }] }),
      );
      await json.blur();
      await page.click("button[type=submit]");
      await page.waitForSelector("text=options are required");
      await json.fill(
        JSON.stringify({
          key: "funds",
          questions: [
            {
              key: "source",
              type: "single-choice",
              required: true,
              options: [{ value: "salary" }, { value: "savings" }],
            },
          ],
        }),
      );
      await json.blur();
      await page.click("button[type=submit]");
      await page.waitForSelector("[data-config-id]");
      await page.screenshot({ path: path.join(artifacts, "steps-builder.png"), fullPage: true });
      const configId = (await page.getAttribute("[data-config-id]", "data-config-id")) ?? "";
      const saved = await t.services.configurations.get(company.company_id, configId);
      expect(saved?.steps).toEqual([
        {
          type: "user-questionnaire",
          flags: {
            key: "funds",
            questions: [
              {
                key: "source",
                type: "single-choice",
                required: true,
                options: [{ value: "salary" }, { value: "savings" }],
              },
            ],
          },
        },
      ]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
