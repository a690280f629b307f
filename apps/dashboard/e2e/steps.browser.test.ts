/**
 * The step catalogue on the dashboard's session page, in headless Chromium against the real app: a
 * KYB session's beneficiaries (child sessions with their status) and an operator questionnaire filled
 * in by the operator, which the result API then carries; a questionnaire step built with the
 * configuration builder's form (question types, labels per language, required, a condition; checked
 * with the core rules as it is typed; raw JSON underneath) and saved. Screenshots:
 * test-artifacts/dashboard/steps-kyb.png, steps-builder-form.png.
 */
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../../server/src/testing/test-app.ts";
import { artifacts, type DashboardHarness, startDashboardHarness } from "./dashboard-harness.ts";

let h: DashboardHarness;
let t: TestApp;
let base: string;
let company: { company_id: string; company_key: string };
let browser: Browser;

beforeAll(async () => {
  h = await startDashboardHarness({
    env: { PUBLIC_URL: "https://verify.example.test" },
    users: [
      { email: "ops@acme.test", role: "operator" },
      { email: "admin@acme.test", role: "admin" },
    ],
  });
  ({ t, base, company, browser } = h);
  // Links go out through the company's own provider (a callback URL; nothing listens in this test).
  await t.services.companies.update(company.company_id, {
    callbackUrl: "https://hooks.example.test/verimat",
  });
});

afterAll(async () => {
  await h?.close();
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
      await h.logIn(page, "ops@acme.test");
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

  it("builds a questionnaire step with the builder's form (checked as begin/ checks it), with a raw JSON fallback, and saves it", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await h.logIn(page, "admin@acme.test");
      await page.click("nav >> text=Configurations");
      await page.click("text=New configuration");
      await page.waitForSelector("form.builder");
      await page.fill("input[name=name]", "Source of funds");
      await page.selectOption("select[aria-label='Step to add']", "user-questionnaire");
      await page.click("[data-add-step]");
      const step = page.locator("[data-type=user-questionnaire]");
      const problem = step.locator("[data-step-problem]");
      // (A field's change lands when it loses the focus, as for a person: hence the Tabs.)
      const type = async (selector: string, text: string) => {
        await step.locator(selector).fill(text);
        await step.locator(selector).press("Tab");
      };
      await type("[name=questionnaire-key]", "funds");

      // Question 1: single choice with two options, labelled in English and Georgian, required.
      const q1 = '[data-question="0"]';
      await type(`${q1} [name=q-key]`, "source");
      await step.locator(`${q1} [name=q-type]`).selectOption("single-choice");
      await type(`${q1} [name=q-options]`, "salary = Salary\nsavings = Savings");
      await type(`${q1} [data-label-lang=en]`, "Where does the money come from?");
      await type(`${q1} [data-label-lang=ka]`, "საიდან არის თანხა?");
      expect(await step.locator(`${q1} [name=q-required]`).isChecked()).toBe(true);

      // Question 2: a duplicate key is caught at once with begin/'s own message, then fixed.
      await step.locator("[data-add-question]").click();
      const q2 = '[data-question="1"]';
      await type(`${q2} [name=q-key]`, "source");
      await expect.poll(() => problem.textContent()).toBe("step 0: duplicate question key source");
      await page.click("button[type=submit]");
      await page.waitForSelector("[role=alert]:has-text('duplicate question key source')");
      await type(`${q2} [name=q-key]`, "employer");
      await expect.poll(() => problem.textContent()).toBe("");
      await type(`${q2} [data-label-lang=en]`, "Employer");
      await step.locator(`${q2} [name=q-required]`).check();
      // Shown only when the money is salary.
      await step.locator(`${q2} [name=q-when]`).selectOption("source");
      await step.locator(`${q2} [name=q-when-op]`).selectOption("equals");
      await step.locator(`${q2} [name=q-when-value]`).selectOption("salary");

      // The raw JSON underneath follows the form; an edit there (a length limit the form does not show)
      // comes back into the form.
      await step.locator("details.raw-json summary").click();
      const json = step.locator("[data-step-json]");
      const flags = JSON.parse(await json.inputValue()) as { questions: Record<string, unknown>[] };
      expect(flags.questions[1]).toMatchObject({
        key: "employer",
        when: { question: "source", equals: "salary" },
      });
      (flags.questions[1] as Record<string, unknown>).max_length = 200;
      await json.fill(JSON.stringify(flags));
      await json.press("Tab");
      await expect.poll(() => step.locator(`${q2} [name=q-key]`).inputValue()).toBe("employer");
      await page.screenshot({ path: path.join(artifacts, "steps-builder-form.png"), fullPage: true });

      await page.click("button[type=submit]");
      await page.waitForSelector("[data-config-id]");
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
                label: { en: "Where does the money come from?", ka: "საიდან არის თანხა?" },
                options: [
                  { value: "salary", label: { en: "Salary" } },
                  { value: "savings", label: { en: "Savings" } },
                ],
              },
              {
                key: "employer",
                type: "text",
                required: true,
                label: { en: "Employer" },
                when: { question: "source", equals: "salary" },
                max_length: 200,
              },
            ],
          },
        },
      ]);

      // The saved flow works as built: the condition decides whether the employer is asked for.
      const answer = async (answers: Record<string, unknown>) => {
        const begun = await t.http.inject({
          method: "POST",
          url: "/external-api/begin/",
          payload: {
            company_key: company.company_key,
            config_id: configId,
            flags: { skip_document: true, skip_face: true, skip_agreement: true },
          },
        });
        const res = await t.http.inject({
          method: "POST",
          url: "/api/widget/steps/questionnaire",
          headers: { "x-session-token": begun.json() as string },
          payload: { answers },
        });
        return res.json() as { currentStep?: number; error?: { code: string; message: string } };
      };
      expect(await answer({ source: "savings" })).toEqual({ currentStep: 1 });
      expect((await answer({ source: "salary" })).error).toMatchObject({
        code: "QUESTIONNAIRE_ANSWER_MISSING",
        message: "employer: an answer is required",
      });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);

  it("builds a KYB flow and the KYC extras with their forms: company fields, beneficiaries, languages, geolocation, Selfie with ID, Proof of address", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await h.logIn(page, "admin@acme.test");
      await page.click("nav >> text=Configurations");
      await page.click("text=New configuration");
      await page.waitForSelector("form.builder");
      await page.fill("input[name=name]", "Company onboarding");
      const picker = page.locator("select[aria-label='Step to add']");
      // The builder names the capture steps as Identomat's builder does.
      expect(await picker.locator("option[value=face-document]").textContent()).toBe(
        "Selfie with ID (face-document)",
      );
      expect(await picker.locator("option[value=general-document]").textContent()).toBe(
        "Proof of address (general-document)",
      );
      for (const type of [
        "language",
        "company-data",
        "beneficiaries",
        "geolocation",
        "email",
        "general-document",
      ]) {
        await picker.selectOption(type);
        await page.click("[data-add-step]");
      }
      await page.locator("[data-type=language] [name=lang-ru]").uncheck();
      const companyStep = page.locator("[data-type=company-data]");
      await companyStep.locator("[name=cd-field-legal_form]").uncheck();
      await companyStep.locator("[name=cd-field-tax_number]").check();
      await companyStep.locator("[name=cd-required-address]").uncheck();
      await companyStep.locator("[name=cd-min-documents]").fill("2");
      await companyStep.locator("[name=cd-min-documents]").press("Tab");
      const owners = page.locator("[data-type=beneficiaries]");
      await owners.locator("[name=bo-max]").fill("30");
      await owners.locator("[name=bo-max]").press("Tab");
      // Over the limit begin/ allows: the step says so before anything is sent.
      await expect
        .poll(() => owners.locator("[data-step-problem]").textContent())
        .toBe("step 2: min/max beneficiaries out of range (1–25)");
      await owners.locator("[name=bo-max]").fill("4");
      await owners.locator("[name=bo-max]").press("Tab");
      await expect.poll(() => owners.locator("[data-step-problem]").textContent()).toBe("");
      await owners.locator("[name=bo-require_face_document]").check();
      await page.locator("[data-type=geolocation] [name=geo-required]").check();
      expect(await page.locator("[data-type=general-document] strong").textContent()).toBe(
        "6. Proof of address (general-document)",
      );
      await page.screenshot({ path: path.join(artifacts, "steps-builder-kyb.png"), fullPage: true });
      await page.click("button[type=submit]");
      await page.waitForSelector("[data-config-id]");
      const configId = (await page.getAttribute("[data-config-id]", "data-config-id")) ?? "";
      const saved = await t.services.configurations.get(company.company_id, configId);
      expect(saved?.steps).toEqual([
        { type: "language", flags: { languages: ["en", "ka"] } },
        {
          type: "company-data",
          flags: {
            fields: ["company_name", "registration_number", "country", "address", "tax_number"],
            required_fields: ["company_name", "registration_number", "country", "tax_number"],
            min_documents: 2,
          },
        },
        {
          type: "beneficiaries",
          flags: { min: 1, max: 4, child_flags: { liveness: true, require_face_document: true } },
        },
        { type: "geolocation", flags: { required: true } },
        { type: "email", flags: {} },
        {
          type: "general-document",
          flags: {
            general_document_types: ["bank_statement", "utility_bill"],
            allow_capture: true,
            allow_upload: true,
          },
        },
      ]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
