import { createTestApp } from "./testing/test-app.ts";

const t = await createTestApp({ BEGIN_RATE_LIMIT_PER_MINUTE: "100000000" });
const c = await t.company();
const company = (await t.services.companies.list())[0]!;
const body = {
  company_key: c.company_key,
  flags: {
    liveness: true,
    language: "en",
    document_types: ["id", "passport"],
    return_url: "https://shop.example/done",
  },
};
for (const [name, fn] of [
  ["auth", () => t.services.companies.authenticate(c.company_key)],
  ["begin-service", () => t.services.sessions.begin(company, { flags: body.flags })],
  ["inject", () => t.http.inject({ method: "POST", url: "/begin/", payload: body })],
] as const) {
  for (let i = 0; i < 200; i++) await fn();
  const n = 3000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  console.log(name, (((performance.now() - t0) / n) * 1000).toFixed(0), "µs");
}
await t.close();
