/**
 * Random requests to every route of the app, signed in where the route needs it (a widget session
 * token, a dashboard admin's cookie and CSRF token): whatever the body, content type, path
 * parameter or query, the answer is never a 5xx. (external-api-security.intg.test.ts does the same for
 * the company-facing API, with a check that nothing is half-stored.)
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DashboardLogin, dashboardLogin } from "../testing/dashboard-login.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";

let t: TestApp;
const tokens: string[] = [];
let dashboard: DashboardLogin;
const PASSWORD = "correct horse battery";
const NO_KYC = { skip_document: true, skip_face: true, skip_agreement: true };

beforeAll(async () => {
  t = await createTestApp();
  const company = await t.company({ name: "Fuzz" });
  await t.services.dashboardUsers.create({
    companyId: company.company_id,
    email: "admin@fuzz.test",
    role: "admin",
    password: PASSWORD,
  });
  dashboard = await dashboardLogin(t.http, "admin@fuzz.test", PASSWORD);
  const flows: { flags?: Record<string, unknown>; steps?: unknown[] }[] = [
    {},
    { flags: NO_KYC, steps: [{ type: "email" }, { type: "phone-number" }, { type: "geolocation" }] },
    {
      flags: NO_KYC,
      steps: [
        { type: "language", flags: { languages: ["en", "ka"] } },
        {
          type: "user-questionnaire",
          questions: [{ key: "q", type: "single-choice", options: [{ value: "a" }, { value: "b" }] }],
        },
      ],
    },
    {
      flags: NO_KYC,
      steps: [{ type: "company-data", flags: { min_documents: 1 } }, { type: "beneficiaries" }],
    },
    { flags: NO_KYC, steps: [{ type: "selfie-with-id" }, { type: "proof-of-address" }] },
  ];
  for (const flow of flows) {
    const res = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: { company_key: company.company_key, ...flow },
    });
    expect(res.statusCode, res.body).toBe(200);
    tokens.push(JSON.parse(res.body) as string);
  }
}, 60_000);
afterAll(async () => {
  await t.close();
});

/**
 * Method and path of every route, read from Fastify's route tree (`printRoutes`), so a route added
 * later is fuzzed too. Each line is `├── <segment> (<METHODS>)`, its depth given by its indentation
 * (four characters a level) and its path its ancestors' segments and its own, joined as printed.
 */
function routesOf(tree: string): [string, string][] {
  const stack: string[] = [];
  const routes: [string, string][] = [];
  for (const line of tree.split("\n")) {
    const m = /^(.*?)[└├]── (.+) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? "").length / 4;
    stack.length = depth;
    stack.push(m[2] ?? "");
    const url = stack.join("").replace(/^\/\//, "/");
    for (const method of (m[3] ?? "").split(", ")) if (method !== "HEAD") routes.push([method, url]);
  }
  return routes;
}

// Signing out would leave the rest of the run unauthenticated; submitting would close the sessions,
// so the step routes would stop at their state check.
const SKIPPED = new Set(["/dashboard/api/logout", "/dashboard/api/logout-everywhere", "/api/widget/submit"]);

describe("every route", () => {
  it("never answers 5xx to random requests", async () => {
    const routes = routesOf(t.http.printRoutes({ commonPrefix: false })).filter(
      ([, url]) => !SKIPPED.has(url),
    );
    // The tree was read: the widget's, the dashboard's and the company API's routes are all there.
    expect(routes).toEqual(
      expect.arrayContaining([
        ["POST", "/api/widget/captures/:kind"],
        ["POST", "/dashboard/api/video-calls/:id/recording"],
        ["POST", "/external-api/result/:kind"],
      ]),
    );
    expect(routes.length).toBeGreaterThan(60);
    const param = fc.oneof(
      fc.constantFrom(
        "0",
        "1",
        "-1",
        "999999999999999999999",
        "passport",
        "face",
        "selfie",
        "x".repeat(300),
        "%00",
        "..%2f..%2fetc%2fpasswd",
        "1e3",
        "null",
      ),
      fc.string({ minLength: 1 }).map(encodeURIComponent),
      fc.constant("TOKEN"),
    );
    const jsonish = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(
        fc.constantFrom(
          "email",
          "phone",
          "code",
          "answers",
          "language",
          "latitude",
          "longitude",
          "accuracy",
          "name",
          "flags",
          "steps",
          "role",
          "password",
          "new_password",
          "status",
          "decision",
          "reason",
          "fields",
          "fields_mismatch_effect",
          "retention_days",
          "callback_url",
          "type",
          "sdp",
          "candidate",
          "beneficiaries",
          "index",
          "x",
        ),
        fc.oneof(
          fc.string(),
          fc.integer(),
          fc.double(),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.jsonValue(), { maxLength: 3 }),
          fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
        ),
      ),
    );
    const body = fc.oneof(
      jsonish.map((v) => ({ ct: "application/json", body: JSON.stringify(v) })),
      fc.string().map((s) => ({ ct: "application/json", body: s })),
      fc
        .uint8Array({ maxLength: 200 })
        .map((a) => ({ ct: "multipart/form-data; boundary=b", body: Buffer.from(a).toString("latin1") })),
      fc.constant({
        ct: "multipart/form-data; boundary=b",
        body: '--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0garbage\r\n--b--\r\n',
      }),
      fc.constant({ ct: "multipart/form-data", body: "x" }),
      fc.string().map((s) => ({ ct: "text/plain", body: s })),
      fc.constant({ ct: "", body: "" }),
      fc.string().map((s) => ({ ct: "application/x-www-form-urlencoded", body: s })),
    );
    const query = fc.option(
      fc.dictionary(
        fc.constantFrom(
          "limit",
          "offset",
          "status",
          "q",
          "cursor",
          "from",
          "to",
          "page",
          "session_token",
          "x",
        ),
        fc.string(),
      ),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        param,
        body,
        query,
        fc.constantFrom(...tokens),
        async ([method, route], p, b, q, token) => {
          const path = route.replace(/:[a-z]+/g, p === "TOKEN" ? token : p);
          const search = q ? `?${new URLSearchParams(q).toString()}` : "";
          const res = await t.http.inject({
            method: method as "GET",
            url: path + search,
            headers: {
              ...(b.ct ? { "content-type": b.ct } : {}),
              "x-session-token": token,
              cookie: dashboard.cookie,
              "x-csrf-token": dashboard.csrf,
            },
            ...(method === "GET" ? {} : { body: b.body }),
          });
          expect(
            res.statusCode,
            `${method} ${path}${search} ${b.ct} ${b.body.slice(0, 120)} → ${res.body.slice(0, 300)}`,
          ).toBeLessThan(500);
        },
      ),
      { numRuns: 2000 },
    );
  }, 600_000);
});
