/**
 * What every dashboard browser test starts from: the real app listening on a port, a company with
 * dashboard users, Debian's Chromium, and the steps each test repeats (log in, screenshot).
 */
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { findDashboardDir } from "../../server/src/dashboard/dashboard-routes.ts";
import { findWidgetDir } from "../../server/src/routes/widget-assets.ts";
import { createTestApp, type TestApp } from "../../server/src/testing/test-app.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const artifacts = path.join(repo, "test-artifacts/dashboard");
const CHROMIUM = "/usr/bin/chromium";
/** Every harness user's password. */
export const PASSWORD = "operator password 1";

export interface DashboardHarnessOptions {
  /** Settings for the app (createTestApp's environment). */
  env?: Record<string, string>;
  /** Dashboard users of the harness company. */
  users: readonly { email: string; role: "admin" | "operator" }[];
  /** The test opens the widget too (its build must exist). */
  widget?: boolean;
  /** Chromium flags beyond the ones every test needs. */
  chromiumArgs?: readonly string[];
}

export interface DashboardHarness {
  t: TestApp;
  /** http://127.0.0.1:port of the app. */
  base: string;
  company: { company_id: string; company_key: string };
  browser: Browser;
  /** A full-page screenshot in test-artifacts/dashboard/<name>.png. */
  shot(page: Page, name: string): Promise<void>;
  /** Logs `email` in (with PASSWORD) and waits for the overview. */
  logIn(page: Page, email: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboardHarness(options: DashboardHarnessOptions): Promise<DashboardHarness> {
  if (!fs.existsSync(CHROMIUM)) throw new Error("chromium is missing: run scripts/test-deps.sh");
  if (!findDashboardDir() || (options.widget && !findWidgetDir()))
    throw new Error("apps/dashboard/dist or apps/widget/dist is missing: run `node scripts/build.mjs` first");
  fs.mkdirSync(artifacts, { recursive: true });
  const t = await createTestApp(options.env ?? {});
  let browser: Browser | undefined;
  try {
    await t.http.listen({ host: "127.0.0.1", port: 0 });
    const base = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
    const company = await t.company({ name: "Acme Bank" });
    for (const u of options.users)
      await t.services.dashboardUsers.create({ companyId: company.company_id, password: PASSWORD, ...u });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        ...(options.chromiumArgs ?? []),
      ],
    });
    const open = browser;
    return {
      t,
      base,
      company,
      browser: open,
      async shot(page, name) {
        await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
      },
      async logIn(page, email) {
        await page.goto(`${base}/dashboard/`);
        await page.waitForSelector("[data-page=login]");
        await page.fill("input[name=email]", email);
        await page.fill("input[name=password]", PASSWORD);
        await page.keyboard.press("Enter");
        await page.waitForSelector("[data-stat=total]");
      },
      async close() {
        await open.close();
        await t.close();
      },
    };
  } catch (err) {
    await browser?.close();
    await t.close();
    throw err;
  }
}
