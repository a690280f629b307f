/**
 * The dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core) against the
 * real app: log in with the keyboard, find a session this test made, open it, approve it and see the
 * result API change; build a configuration, save it and start a preview session in the widget; see a
 * session's failed callback with its attempt and replay it once the receiver is back; in Settings,
 * change the printed-fields mismatch effect with the keyboard and see it saved.
 * Screenshots land in test-artifacts/dashboard/.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { renderTd3DataPage } from "@verimat/engine/fixtures";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCallbacks } from "../../server/src/callbacks/index.ts";
import type { TestApp } from "../../server/src/testing/test-app.ts";
import { artifacts, type DashboardHarness, PASSWORD, startDashboardHarness } from "./dashboard-harness.ts";

let h: DashboardHarness;
let t: TestApp;
let base: string;
let company: { company_id: string; company_key: string };
let browser: Browser;
const shot = (page: Page, name: string) => h.shot(page, name);

async function result(token: string): Promise<{ result: string; result_comment: string }> {
  const res = await t.http.inject({
    method: "POST",
    url: "/external-api/result/",
    payload: { company_key: company.company_key, session_token: token },
  });
  return res.json() as { result: string; result_comment: string };
}

/** A session as the engine leaves it for review: findings, a passport image, reason codes. */
async function reviewCase(): Promise<string> {
  const res = await t.http.inject({
    method: "POST",
    url: "/external-api/begin/",
    payload: { company_key: company.company_key, flags: { document_types: ["passport"] } },
  });
  const token = res.json() as string;
  const s = await t.services.sessions.find(token);
  if (!s) throw new Error("session missing");
  await t.services.sessions.putMedia(s, "passport", (await renderTd3DataPage()).png, "image/png");
  await t.services.sessions.submit(s);
  t.clock.advance(3_000);
  await t.services.sessions.transition(token, "manual_check", "engine", {
    verification: {
      similarity: 0.68,
      live: false,
      documentType: "passport",
      person: {
        first_name: "ANNA MARIA",
        last_name: "ERIKSSON",
        document_number: "L898902C3",
        issuing_state: "UTO",
        nationality: "UTO",
        birthday: "8/12/1974",
      },
      visual: { first_name: "ANNA MARIA", last_name: "ERIKSON" },
      reasonCodes: ["face_match_uncertain"],
      rejectReason: {
        value: "face_match_uncertain",
        description: "The face match is in the manual-review band.",
      },
      signals: { similarity: 0.68, presentation: { gating: [], advisory: [] } },
    },
  });
  return token;
}

beforeAll(async () => {
  h = await startDashboardHarness({
    env: { ALLOW_PRIVATE_CALLBACKS: "1" },
    users: [{ email: "ops@acme.test", role: "admin" }],
    widget: true,
  });
  ({ t, base, company, browser } = h);
  // Some history for the overview.
  for (let i = 0; i < 4; i++) {
    const r = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: { company_key: company.company_key },
    });
    const token = r.json() as string;
    if (i < 3)
      await t.services.sessions.transition(token, i === 2 ? "rejected" : "approved", "engine", {
        verification: { reasonCodes: i === 2 ? ["face_mismatch"] : [] },
      });
  }
});

afterAll(async () => {
  await h?.close();
});

async function logIn(page: Page): Promise<void> {
  await page.goto(`${base}/dashboard/`);
  await page.waitForSelector("[data-page=login]");
  // Keyboard only: the email field has the focus, Tab to the password, Enter submits.
  expect(await page.evaluate("document.activeElement.name")).toBe("email");
  await page.keyboard.type("ops@acme.test");
  await page.keyboard.press("Tab");
  await page.keyboard.type("wrong password!");
  await page.keyboard.press("Enter");
  await page.waitForSelector("[role=alert]:has-text('Wrong email or password')");
  await shot(page, "00-login-failed");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForSelector("[data-stat=total]");
}

describe("dashboard in Chromium", () => {
  it("shows a session's callback attempts and replays the event", async () => {
    // A receiver that is down (503) until told otherwise.
    let up = false;
    const receiver = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => (up ? res.writeHead(200).end("thanks") : res.writeHead(503).end("maintenance")));
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const hooks = await t.company({ name: "Hooks Ltd" });
    await t.services.companies.update(hooks.company_id, {
      callbackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
    });
    await t.services.dashboardUsers.create({
      companyId: hooks.company_id,
      email: "ops@hooks.test",
      role: "operator",
      password: PASSWORD,
    });
    const worker = startCallbacks({
      callbacks: t.services.callbacks,
      jobs: t.services.jobs,
      clock: t.clock,
      timeoutMs: 2_000,
      pollMs: 20,
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      const begun = await t.http.inject({
        method: "POST",
        url: "/external-api/begin/",
        payload: { company_key: hooks.company_key },
      });
      const token = begun.json() as string;
      const [event] = await t.services.callbacks.listEvents(hooks.company_id, { sessionId: token });
      if (!event) throw new Error("no callback event");
      // The first attempt fails; the manual clock holds the retry back.
      await expect.poll(async () => (await t.services.callbacks.getEvent(event.event_id))?.attempts).toBe(1);

      await h.logIn(page, "ops@hooks.test");
      await page.goto(`${base}/dashboard/#/sessions/${token}`);
      const item = `[data-section=callbacks] [data-event="${event.event_id}"]`;
      await page.waitForSelector(`${item}[data-callback-status=pending]`);
      expect(await page.textContent(`${item} tr[data-attempt="1"]`)).toContain("HTTP 503");
      expect(await page.textContent(`${item} tr[data-attempt="1"]`)).toContain("maintenance");
      expect(await page.textContent(`${item} .callback-head`)).toContain("next attempt");
      await shot(page, "10-session-callbacks");

      up = true;
      await page.click(`${item} [data-action=replay]`);
      await page.waitForSelector(".notice:has-text('queued again')");
      await expect
        .poll(async () => (await t.services.callbacks.getEvent(event.event_id))?.status)
        .toBe("delivered");
      // The company's history page shows it delivered, with both attempts.
      await page.click("nav >> text=Callbacks");
      await page.waitForSelector(`[data-event="${event.event_id}"][data-callback-status=delivered]`);
      expect(await page.locator(`[data-event="${event.event_id}"] tr[data-attempt]`).count()).toBe(2);
      await shot(page, "11-callbacks-page");
    } catch (err) {
      await shot(page, "failed-callbacks");
      throw err;
    } finally {
      await context.close();
      await worker.stop();
      receiver.closeAllConnections();
      receiver.close();
    }
  }, 60_000);

  it("logs in, finds the session, approves it, and the result API follows", async () => {
    const token = await reviewCase();
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await logIn(page);
      expect(await page.textContent("[data-stat=total] strong")).toBe("5");
      await shot(page, "01-overview");

      await page.click("nav >> text=Sessions");
      await page.waitForSelector("table.sessions");
      await page.fill("input[name=q]", "eriksson");
      await page.keyboard.press("Enter");
      await expect.poll(() => page.locator("table.sessions tbody tr").count()).toBe(1);
      expect(await page.getAttribute("table.sessions tbody tr", "data-token")).toBe(token);
      await shot(page, "02-sessions-search");

      await page.click(`tr[data-token="${token}"] a`);
      await page.waitForSelector("[data-status=manual_check]");
      // (The page's CSP forbids string evaluation in the page, so poll from outside.)
      await expect
        .poll(() =>
          page.evaluate(
            '[...document.querySelectorAll("figure.capture img")].every((i) => i.complete && i.naturalWidth > 0)',
          ),
        )
        .toBe(true);
      // The visual zone disagrees with the MRZ on the last name: highlighted.
      expect(await page.getAttribute("tr[data-field=last_name]", "class")).toContain("mismatch");
      expect(await page.getAttribute("tr[data-field=first_name]", "class")).not.toContain("mismatch");
      await shot(page, "03-session-detail");

      await page.fill("textarea[name=comment]", "Document checked by hand");
      await page.focus("[data-action=approve]");
      await page.keyboard.press("Enter");
      await page.waitForSelector("[data-status=approved]");
      await page.waitForSelector("[data-audit='session.review']");
      expect(await result(token)).toMatchObject({
        result: "approved",
        result_comment: "Document checked by hand",
      });
      await shot(page, "04-session-approved");

      // A tablet in portrait: the same page, one column.
      await page.setViewportSize({ width: 820, height: 1180 });
      await shot(page, "05-session-tablet");
      expect(errors).toEqual([]);
    } catch (err) {
      await shot(page, "failed-review");
      throw err;
    } finally {
      await context.close();
    }
  }, 60_000);

  it("builds a configuration, saves it and starts a preview session in the widget", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      await logIn(page);
      await page.click("nav >> text=Configurations");
      await page.click("text=New configuration");
      await page.waitForSelector("form.builder");
      await page.fill("input[name=name]", "Passport and liveness");
      await page.selectOption("select[name=language]", "en");
      await page.check("input[name=allow_document_upload]");
      await page.selectOption("select[aria-label='Step to add']", "identity-document");
      await page.click("[data-add-step]");
      await page.selectOption("select[aria-label='Step to add']", "liveness");
      await page.click("[data-add-step]");
      // Reorder with the keyboard: liveness first.
      await page.focus("[data-index='1'] [data-move=up]");
      await page.keyboard.press("Enter");
      expect(await page.getAttribute("[data-index='0']", "data-type")).toBe("liveness");
      await shot(page, "06-config-builder");
      await page.click("button[type=submit]");
      await page.waitForSelector("[data-config-id]");
      const configId = (await page.getAttribute("[data-config-id]", "data-config-id")) ?? "";
      expect(configId).toMatch(/^[0-9a-f]{24}$/);
      const saved = await t.services.configurations.get(company.company_id, configId);
      expect(saved?.steps.map((s) => s.type)).toEqual(["liveness", "identity-document"]);
      expect(saved?.flags).toMatchObject({ language: "en", allow_document_upload: true });

      const [widget] = await Promise.all([context.waitForEvent("page"), page.click("[data-action=preview]")]);
      // A window opened with noopener starts without a viewport in headless mode: give it a phone's.
      await widget.setViewportSize({ width: 420, height: 800 });
      await widget.waitForSelector("[data-screen=consent]");
      await widget.screenshot({ path: path.join(artifacts, "08-preview-widget.png") });
      const token = new URL(widget.url()).searchParams.get("session_token") ?? "";
      const session = await t.services.sessions.find(token);
      expect(session?.configId).toBe(configId);
      expect(session?.effectiveSteps.map((s) => s.type)).toEqual([
        "agreement",
        "liveness",
        "identity-document",
      ]);
      await page.waitForSelector("[data-preview]");
      expect(await page.textContent(".notice")).toContain("Saved");
      await shot(page, "07-config-saved");

      // Settings: a new API key is shown once and works with begin/.
      await page.click("nav >> text=Settings");
      await page.waitForSelector("[data-form=settings]");
      await page.click("button:has-text('Add a key')");
      const key = await page.inputValue(".shown-once input");
      const begun = await t.http.inject({
        method: "POST",
        url: "/external-api/begin/",
        payload: { company_key: key },
      });
      expect(begun.statusCode).toBe(200);

      // The printed-fields mismatch effect, with the keyboard only: the group's checked choice takes
      // the focus, an arrow key moves the choice, the save button submits.
      const choice = (v: string) => `[data-setting=fields_mismatch_effect] input[value=${v}]`;
      expect(await page.isChecked(choice("review"))).toBe(true);
      await page.focus(choice("review"));
      await page.keyboard.press("ArrowDown");
      expect(await page.isChecked(choice("reject"))).toBe(true);
      expect(await page.evaluate("document.activeElement.value")).toBe("reject");
      await page.focus("[data-form=settings] button[type=submit]");
      await page.keyboard.press("Enter");
      await page.waitForSelector(".notice:has-text('Settings saved')");
      expect((await t.services.companies.require(company.company_id)).settings.fieldsMismatchEffect).toBe(
        "reject",
      );
      await page.reload();
      await page.waitForSelector("[data-form=settings]");
      expect(await page.isChecked(choice("reject"))).toBe(true);
      await shot(page, "09-settings");
    } catch (err) {
      await shot(page, "failed-config");
      throw err;
    } finally {
      await context.close();
    }
  }, 60_000);
});
