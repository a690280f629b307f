import fs from "node:fs";
import path from "node:path";
import type { UserService } from "../dashboard/user-service.ts";
import type { CompanyService } from "./company-service.ts";

export interface DemoCompany {
  company_id: string;
  company_key: string;
  /** The demo's dashboard admin, as first created (a later password change is not tracked here). */
  admin_email?: string;
  admin_password?: string;
}

export const DEMO_ADMIN_EMAIL = "admin@demo.verimat";

/**
 * The demo company of the first run. Its raw key is kept in DATA_DIR/demo-company.json (mode 0600)
 * because the demo page must call the API with it on every start; real companies' keys are never
 * stored in the clear. Created only when the database has no company yet. With `users`, the demo also
 * gets a dashboard admin whose one-time password is kept in the same file, so each start can print
 * the login.
 */
export async function ensureDemoCompany(
  companies: CompanyService,
  dataDir: string,
  users?: Pick<UserService, "create" | "findByEmail">,
): Promise<{ demo: DemoCompany; created: boolean } | null> {
  const file = path.join(dataDir, "demo-company.json");
  const save = (demo: DemoCompany) => {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  };
  /** Adds the demo admin once (also to a demo company made before the dashboard existed). */
  const withAdmin = async (demo: DemoCompany): Promise<DemoCompany> => {
    if (!users || demo.admin_email || (await users.findByEmail(DEMO_ADMIN_EMAIL))) return demo;
    const made = await users.create({ companyId: demo.company_id, email: DEMO_ADMIN_EMAIL, role: "admin" });
    const next = { ...demo, admin_email: made.user.email, admin_password: made.password ?? "" };
    save(next);
    return next;
  };
  try {
    const saved = JSON.parse(fs.readFileSync(file, "utf8")) as DemoCompany;
    if ((await companies.authenticate(saved.company_key)) !== null)
      return { demo: await withAdmin(saved), created: false };
  } catch {
    // absent or stale: fall through
  }
  if ((await companies.list()).length > 0) return null;
  const created = await companies.create({ name: "Demo company", hmac: false });
  const demo = { company_id: created.company_id, company_key: created.company_key };
  save(demo);
  return { demo: await withAdmin(demo), created: true };
}
