/** The first-run demo company gets a dashboard admin whose login is kept for the start-up banner. */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO_ADMIN_EMAIL, ensureDemoCompany } from "../services/demo-company.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe("demo admin", () => {
  it("is created once with the demo company, can log in, and is remembered across starts", async () => {
    const first = await ensureDemoCompany(t.services.companies, t.dataDir, t.services.dashboardUsers);
    expect(first?.created).toBe(true);
    const { admin_email, admin_password } = first?.demo ?? {};
    expect(admin_email).toBe(DEMO_ADMIN_EMAIL);
    expect(admin_password).toMatch(/^[a-zA-Z0-9]{16}$/);
    const stat = fs.statSync(path.join(t.dataDir, "demo-company.json"));
    expect(stat.mode & 0o077).toBe(0);
    const login = await t.http.inject({
      method: "POST",
      url: "/dashboard/api/login",
      payload: { email: admin_email, password: admin_password },
    });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ user: { role: "admin", company_id: first?.demo.company_id } });

    const second = await ensureDemoCompany(t.services.companies, t.dataDir, t.services.dashboardUsers);
    expect(second).toMatchObject({ created: false, demo: { admin_email, admin_password } });
    expect(await t.services.dashboardUsers.list(first?.demo.company_id ?? "")).toHaveLength(1);
  });
});
