import fs from "node:fs";
import path from "node:path";
import type { CompanyService } from "./company-service.ts";

export interface DemoCompany {
  company_id: string;
  company_key: string;
}

/**
 * The demo company of the first run. Its raw key is kept in DATA_DIR/demo-company.json (mode 0600)
 * because the demo page must call the API with it on every start; real companies' keys are never
 * stored in the clear. Created only when the database has no company yet.
 */
export async function ensureDemoCompany(
  companies: CompanyService,
  dataDir: string,
): Promise<{ demo: DemoCompany; created: boolean } | null> {
  const file = path.join(dataDir, "demo-company.json");
  try {
    const saved = JSON.parse(fs.readFileSync(file, "utf8")) as DemoCompany;
    if ((await companies.authenticate(saved.company_key)) !== null) return { demo: saved, created: false };
  } catch {
    // absent or stale: fall through
  }
  if ((await companies.list()).length > 0) return null;
  const created = await companies.create({ name: "Demo company", hmac: false });
  const demo = { company_id: created.company_id, company_key: created.company_key };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  return { demo, created: true };
}
