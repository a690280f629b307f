/**
 * The step catalogue's screens in real headless Chromium against the real app: a questionnaire with a
 * conditional question, the e-mail code step (the code read from a real local SMTP server), the
 * geolocation step with a granted position, and the KYB company-data and beneficiaries screens with
 * the children's progress. Screenshots land in test-artifacts/widget/steps-*.png.
 */
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findWidgetDir } from "../../server/src/routes/widget-assets.ts";
import { type LocalSmtp, startLocalSmtp } from "../../server/src/testing/local-smtp.ts";
import { createTestApp, type TestApp } from "../../server/src/testing/test-app.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const artifacts = path.join(repo, "test-artifacts/widget");
const CHROMIUM = "/usr/bin/chromium";

let t: TestApp;
let smtp: LocalSmtp;
let base: string;
let companyKey: string;
let browser: Browser;
let tmp: string;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error("chromium is missing: run scripts/test-deps.sh");
  if (!findWidgetDir()) throw new Error("apps/widget/dist is missing: run `node scripts/build.mjs` first");
  fs.mkdirSync(artifacts, { recursive: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "widget-steps-"));
  smtp = await startLocalSmtp();
  t = await createTestApp({ SMTP_URL: smtp.url, SMTP_FROM: "Verimat <codes@verimat.test>" });
  await t.http.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
  companyKey = (await t.company()).company_key;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await smtp?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function begin(steps: unknown[]): Promise<string> {
  const res = await t.http.inject({
    method: "POST",
    url: "/begin/",
    payload: {
      company_key: companyKey,
      flags: { skip_document: true, skip_face: true, skip_agreement: true, language: "en" },
      steps,
    },
  });
  return JSON.parse(res.body) as string;
}

async function result(token: string): Promise<Record<string, unknown>> {
  const res = await t.http.inject({
    method: "POST",
    url: "/external-api/result/",
    payload: { company_key: companyKey, session_token: token },
  });
  return JSON.parse(res.body) as Record<string, unknown>;
}

/** Full-page shots resize the viewport for a moment: take them between actions, not right before a click. */
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `steps-${name}.png`), fullPage: true });
}

async function open(token: string, options: { geolocation?: boolean } = {}) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    ...(options.geolocation
      ? { geolocation: { latitude: 41.7151, longitude: 44.8271, accuracy: 25 }, permissions: ["geolocation"] }
      : {}),
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/?session_token=${token}`);
  return { context, page, errors };
}

describe("step catalogue in Chromium", () => {
  it("questionnaire with a condition, e-mail code from the SMTP server, geolocation", async () => {
    const token = await begin([
      {
        type: "user-questionnaire",
        key: "extra",
        title: { en: "About you" },
        questions: [
          {
            key: "pep",
            type: "yes-no",
            required: true,
            label: { en: "Are you a politically exposed person?" },
          },
          {
            key: "pep_role",
            type: "text",
            required: true,
            label: { en: "Which public role?" },
            when: { question: "pep", equals: true },
          },
          {
            key: "purpose",
            type: "single-choice",
            required: true,
            label: { en: "Purpose of the account" },
            options: [
              { value: "savings", label: { en: "Savings" } },
              { value: "trading", label: { en: "Trading" } },
            ],
          },
        ],
      },
      { type: "email" },
      { type: "geolocation" },
    ]);
    const { context, page, errors } = await open(token, { geolocation: true });
    try {
      await page.waitForSelector("[data-screen=questionnaire]");
      const role = page.locator("[data-field=pep_role]");
      expect(await role.isHidden()).toBe(true);
      await shot(page, "01-questionnaire");
      await page.getByLabel("Yes").check();
      expect(await role.isVisible()).toBe(true);
      await page.getByLabel("Savings").check();
      await page.click("[data-action=submit-answers]");
      // The server's check names the missing answer; the form shows it at the question.
      await page.waitForSelector("[data-error-for=pep_role]:has-text('an answer is required')");
      await shot(page, "02-questionnaire-condition-error");
      await page.getByLabel("Which public role?").fill("Member of parliament");
      await page.click("[data-action=submit-answers]");

      await page.waitForSelector("[data-screen=email]");
      await page.fill("input[name=destination]", "nino@example.ge");
      await shot(page, "03-email");
      await page.click("[data-action=send-code]");
      await page.waitForSelector("[data-screen=otp-code]");
      const mail = await smtp.waitFor("nino@example.ge");
      const code = /\b(\d{6})\b/.exec(mail.text)?.[1] ?? "";
      expect(code).toMatch(/^\d{6}$/);
      await page.fill("input[name=code]", code === "000000" ? "111111" : "000000");
      await page.click("[data-action=verify-code]");
      await page.waitForSelector("[data-error-for=code]:has-text('The code is not correct; 4 tries left')");
      await shot(page, "04-code-wrong");
      await page.fill("input[name=code]", code);
      await page.click("[data-action=verify-code]");

      await page.waitForSelector("[data-screen=geolocation]");
      await shot(page, "05-geolocation");
      await page.click("[data-action=share-location]");
      await page.waitForSelector("[data-screen=final-finished]");
      await shot(page, "06-finished");

      const r = (await result(token)) as {
        questionnaires: unknown;
        person: Record<string, unknown>;
        geolocation: Record<string, unknown>;
      };
      expect(r.questionnaires).toEqual([
        {
          key: "extra",
          questions: [
            { key: "pep", answer: true },
            { key: "pep_role", answer: "Member of parliament" },
            { key: "purpose", answer: "savings" },
          ],
        },
      ]);
      expect(r.person.email).toBe("nino@example.ge");
      expect(r.geolocation).toMatchObject({
        consent: true,
        latitude: 41.7151,
        accuracy: 25,
        positionCountry: "GE",
      });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("KYB: company data with a registration document, two beneficiaries, their progress", async () => {
    const token = await begin([
      {
        type: "company-data",
        flags: { fields: ["company_name", "registration_number", "country"], min_documents: 1 },
      },
      { type: "beneficiaries", flags: { max: 4 } },
    ]);
    const pdf = path.join(tmp, "extract.pdf");
    fs.writeFileSync(pdf, "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n");
    const { context, page, errors } = await open(token);
    try {
      await page.waitForSelector("[data-screen=company-data]");
      await page.fill("input[name=company_name]", "Acme LLC");
      await page.fill("input[name=registration_number]", "404123456");
      await page.fill("input[name=country]", "GE");
      await page.click("[data-action=submit-company]");
      await page.waitForSelector("[data-error-for=documents]:has-text('at least 1 required')");
      await page.setInputFiles("input[name=documents]", pdf);
      await page.waitForSelector("[data-documents] .badge.approved");
      // The earlier "at least 1 required" goes once a document is in.
      expect(await page.locator("[data-error-for=documents]").textContent()).toBe("");
      await shot(page, "07-company-data");
      await page.click("[data-action=submit-company]");

      await page.waitForSelector("[data-screen=beneficiaries]");
      await page.click("[data-action=add-person]");
      const people = page.locator("[data-person]");
      expect(await people.count()).toBe(2);
      const fill = async (
        i: number,
        p: { first: string; last: string; role: string; share: string; email: string },
      ) => {
        const person = people.nth(i);
        await person.locator("input[name=first_name]").fill(p.first);
        await person.locator("input[name=last_name]").fill(p.last);
        await person.getByLabel(p.role, { exact: true }).check();
        await person.locator("input[name=share]").fill(p.share);
        await person.locator("input[name=email]").fill(p.email);
      };
      await fill(0, { first: "Nino", last: "Beridze", role: "Owner", share: "60", email: "nino@acme.ge" });
      await fill(1, {
        first: "Giorgi",
        last: "Kapanadze",
        role: "Owner",
        share: "50",
        email: "giorgi@acme.ge",
      });
      await page.click("[data-action=send-links]");
      // 60 + 50 > 100: refused by the server, shown on the form.
      await page.waitForSelector(".form-error:has-text('shares add up to more than 100%')");
      await shot(page, "08-beneficiaries");
      await people.nth(1).locator("input[name=share]").fill("40");
      await page.click("[data-action=send-links]");

      await page.waitForSelector("[data-screen=beneficiaries-progress]");
      const rows = page.locator("[data-progress] li");
      expect(await rows.allInnerTexts()).toEqual([
        expect.stringMatching(/Nino Beridze\s+Link sent by e-mail\s+Waiting/),
        expect.stringMatching(/Giorgi Kapanadze\s+Link sent by e-mail\s+Waiting/),
      ]);
      const children = (await result(token)).beneficiaries as { session_token: string }[];
      expect((await smtp.waitFor("nino@acme.ge")).text).toContain(children[0]?.session_token ?? "missing");
      await t.services.sessions.transition(children[0]?.session_token ?? "", "approved", "operator");
      await page.click("[data-action=refresh]");
      await page.waitForSelector("[data-progress] .badge.approved");
      await shot(page, "09-beneficiaries-progress");
      await page.click("[data-action=continue]");
      await page.waitForSelector("[data-screen=final-finished]");
      expect((await result(token)).result).toBe("in_progress"); // waits for Giorgi
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
