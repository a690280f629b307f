import { createTestApp } from "./testing/test-app.ts";

const t = await createTestApp({ BEGIN_RATE_LIMIT_PER_MINUTE: "100000000" });
const c = await t.company();
const body = {
  company_key: c.company_key,
  flags: {
    liveness: true,
    language: "en",
    document_types: ["id", "passport"],
    return_url: "https://shop.example/done",
  },
};
for (let i = 0; i < 8000; i++) await t.http.inject({ method: "POST", url: "/begin/", payload: body });
await t.close();
