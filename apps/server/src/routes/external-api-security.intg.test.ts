/**
 * HMAC signing, the replay-guard extension, rate limits, bad input (including random bodies with
 * fast-check) and what the logs may contain.
 */
import { Writable } from "node:stream";
import { signBody, signParts } from "@verimat/core";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { multipartBody } from "../testing/multipart.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";

let t: TestApp;
afterEach(async () => {
  await t.close();
});

describe("HMAC", () => {
  let key: string;
  let secret: string;
  beforeEach(async () => {
    t = await createTestApp();
    const c = await t.company({ hmac: true });
    key = c.company_key;
    secret = c.secret_key ?? "";
    expect(secret).not.toBe("");
  });

  const sig = (code: string) => ({ authorization: `signature="${code}"` });

  it("refuses unsigned and wrongly signed calls, without signing the failure", async () => {
    const body = JSON.stringify({ company_key: key });
    let res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe("SIGNATURE_MISSING");
    expect(res.headers.authorization).toBeUndefined();
    res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      body,
      headers: { "content-type": "application/json", ...sig(signBody("wrong", body)) },
    });
    expect(res.json().error.code).toBe("SIGNATURE_INVALID");
    expect(res.headers.authorization).toBeUndefined();
  });

  it("accepts a signed JSON body and signs the response over its exact bytes", async () => {
    const body = JSON.stringify({ company_key: key, flags: { liveness: true } });
    const res = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      body,
      headers: { "content-type": "application/json", ...sig(signBody(secret, body)) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers.authorization).toBe(`signature="${signBody(secret, res.rawPayload)}"`);
    const token = JSON.parse(res.body) as string;

    const rbody = JSON.stringify({ company_key: key, session_token: token });
    const r = await t.http.inject({
      method: "POST",
      url: "/external-api/result/",
      body: rbody,
      headers: { "content-type": "application/json", ...sig(signBody(secret, rbody)) },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers.authorization).toBe(`signature="${signBody(secret, r.rawPayload)}"`);
  });

  it("verifies multipart requests with the chained scheme, text fields first", async () => {
    const mp = multipartBody([
      ["company_key", key],
      ["flags", '{"liveness":false}'],
    ]);
    const ok = signParts(secret, [key, '{"liveness":false}']);
    let res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      body: mp.body,
      headers: { "content-type": mp.contentType, ...sig(ok) },
    });
    expect(res.statusCode).toBe(200);
    const reversed = signParts(secret, ['{"liveness":false}', key]);
    res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      body: mp.body,
      headers: { "content-type": mp.contentType, ...sig(reversed) },
    });
    expect(res.json().error.code).toBe("SIGNATURE_INVALID");
  });

  it("signs query-only calls over the raw query string, and ignores unsigned extra parameters", async () => {
    const query = `company_key=${key}&flags=${encodeURIComponent('{"liveness":true}')}`;
    const res = await t.http.inject({
      method: "GET",
      url: `/begin/?${query}`,
      headers: sig(signParts(secret, [query])),
    });
    expect(res.statusCode).toBe(200);
    // The empty-body signature is the same for every call, so it must not authorise a query.
    const forged = await t.http.inject({
      method: "GET",
      url: `/begin/?${query}`,
      headers: sig(signBody(secret, "")),
    });
    expect(forged.json().error.code).toBe("SIGNATURE_INVALID");
    // A signed body with unsigned query parameters: the query does not count.
    const body = JSON.stringify({ company_key: key });
    const mixed = await t.http.inject({
      method: "POST",
      url: `/begin/?flags=${encodeURIComponent('{"return_url":"https://evil.example/"}')}`,
      body,
      headers: { "content-type": "application/json", ...sig(signBody(secret, body)) },
    });
    expect(mixed.statusCode).toBe(200);
    const s = await t.services.sessions.find(JSON.parse(mixed.body) as string);
    expect(s?.flags).toEqual({});
  });

  it("signs media responses too", async () => {
    const body = JSON.stringify({ company_key: key });
    const token = JSON.parse(
      (
        await t.http.inject({
          method: "POST",
          url: "/begin/",
          body,
          headers: { "content-type": "application/json", ...sig(signBody(secret, body)) },
        })
      ).body,
    ) as string;
    const s = await t.services.sessions.find(token);
    if (!s) throw new Error("no session");
    const img = Buffer.from([0xff, 0xd8, 9, 9, 0xff, 0xd9]);
    await t.services.sessions.putMedia(s, "face", img, "image/jpeg");
    const mbody = JSON.stringify({ company_key: key, session_token: token });
    const res = await t.http.inject({
      method: "POST",
      url: "/external-api/result/face/",
      body: mbody,
      headers: { "content-type": "application/json", ...sig(signBody(secret, mbody)) },
    });
    expect(res.rawPayload.equals(img)).toBe(true);
    expect(res.headers.authorization).toBe(`signature="${signBody(secret, img)}"`);
  });

  it("with the replay guard on, requires a fresh signed timestamp", async () => {
    const company = (await t.services.companies.list())[0];
    if (!company) throw new Error("no company");
    await t.services.companies.update(company.id, { hmacTimestampRequired: true });
    const body = JSON.stringify({ company_key: key });
    const nowS = String(Math.floor(t.clock.now() / 1000));
    const headers = { "content-type": "application/json" };
    let res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      body,
      headers: { ...headers, ...sig(signBody(secret, body)) },
    });
    expect(res.json().error.code).toBe("SIGNATURE_EXPIRED");
    res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      body,
      headers: { ...headers, "verimat-timestamp": nowS, ...sig(signParts(secret, [nowS, body])) },
    });
    expect(res.statusCode).toBe(200);
    // The same signed request replayed ten minutes later.
    t.clock.advance(10 * 60_000);
    res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      body,
      headers: { ...headers, "verimat-timestamp": nowS, ...sig(signParts(secret, [nowS, body])) },
    });
    expect(res.json().error.code).toBe("SIGNATURE_EXPIRED");
    // A timestamp that is not part of the MAC is rejected.
    const later = String(Math.floor(t.clock.now() / 1000));
    res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      body,
      headers: { ...headers, "verimat-timestamp": later, ...sig(signParts(secret, [nowS, body])) },
    });
    expect(res.json().error.code).toBe("SIGNATURE_INVALID");
  });
});

describe("limits and bad input", () => {
  let key: string;
  beforeEach(async () => {
    t = await createTestApp({ BEGIN_RATE_LIMIT_PER_MINUTE: "3", BODY_LIMIT_BYTES: "2048" });
    key = (await t.company()).company_key;
  });

  const created: string[] = [];
  async function sessionRows(): Promise<number> {
    const r = await t.database.db
      .selectFrom("sessions")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  it("limits begin per company and tells when to retry", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await t.http.inject({ method: "POST", url: "/begin/", payload: { company_key: key } });
      expect(res.statusCode).toBe(200);
    }
    const res = await t.http.inject({ method: "POST", url: "/begin/", payload: { company_key: key } });
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe("RATE_LIMITED");
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    const other = await t.company();
    expect(
      (await t.http.inject({ method: "POST", url: "/begin/", payload: { company_key: other.company_key } }))
        .statusCode,
    ).toBe(200);
    t.clock.advance(20_000);
    expect(
      (await t.http.inject({ method: "POST", url: "/begin/", payload: { company_key: key } })).statusCode,
    ).toBe(200);
  });

  it.each([
    ["malformed JSON", "application/json", '{"company_key": ', 400, "BODY_MALFORMED"],
    ["a JSON array", "application/json", "[1,2]", 400, "BODY_MALFORMED"],
    ["an unsupported media type", "application/xml", "<a/>", 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["a broken multipart body", "multipart/form-data; boundary=x", "--x\r\nnonsense", 400, "BODY_MALFORMED"],
  ])("answers %s with a clear 4xx", async (_name, ct, body, status, code) => {
    const res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      body,
      headers: { "content-type": ct },
    });
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
  });

  it("refuses oversized bodies with 413 and stores nothing", async () => {
    const body = JSON.stringify({ company_key: key, flags: { note: "x".repeat(5000) } });
    const before = await sessionRows();
    const res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(res.statusCode).toBe(413);
    expect(await sessionRows()).toBe(before);
    expect(res.json().error.code).toBe("BODY_TOO_LARGE");
    const get = await t.http.inject({
      method: "GET",
      url: "/begin/",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(get.statusCode).toBe(413);
  });

  it("answers unknown routes with ROUTE_NOT_FOUND", async () => {
    const res = await t.http.inject({ method: "POST", url: "/external-api/nothing-here/" });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("ROUTE_NOT_FOUND");
  });

  it("never answers 5xx to random bodies, and a failed begin stores no session", async () => {
    const urls = [
      "/begin/",
      "/external-api/begin/",
      "/external-api/result/",
      "/external-api/result/face/",
      "/external-api/delete/",
    ];
    const contentTypes = [
      "application/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=b",
      "text/plain",
      "",
      "image/png",
    ];
    const valueArb = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string()),
      fc.dictionary(fc.string(), fc.jsonValue()),
    );
    const bodyArb = fc.oneof(
      fc
        .dictionary(
          fc.constantFrom(
            "company_key",
            "session_token",
            "flags",
            "steps",
            "config_id",
            "parent_session_id",
            "x",
          ),
          valueArb,
        )
        .map((d) => JSON.stringify({ company_key: key, ...d })),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString("latin1")),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...urls),
        fc.constantFrom(...contentTypes),
        fc.constantFrom("GET", "POST") as fc.Arbitrary<"GET" | "POST">,
        bodyArb,
        async (url, ct, method, body) => {
          const res = await t.http.inject({ method, url, body, headers: ct ? { "content-type": ct } : {} });
          expect(
            res.statusCode,
            `${method} ${url} ${ct} ${body.slice(0, 80)} → ${res.body.slice(0, 200)}`,
          ).toBeLessThan(500);
          if (res.statusCode === 200 && url.includes("begin")) created.push(JSON.parse(res.body) as string);
        },
      ),
      { numRuns: 300 },
    );
    // Nothing half-stored: exactly the sessions whose begin succeeded exist.
    expect(await sessionRows()).toBe(created.length);
    for (const token of created) expect(await t.services.sessions.find(token)).not.toBeNull();
  });
});

describe("logs", () => {
  it("never contain company keys, secrets or session tokens", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    t = await createTestApp({}, { logStream: sink });
    const c = await t.company({ hmac: true });
    const body = JSON.stringify({ company_key: c.company_key });
    const res = await t.http.inject({
      method: "POST",
      url: `/begin/?company_key=${c.company_key}`,
      body,
      headers: {
        "content-type": "application/json",
        authorization: `signature="${signBody(c.secret_key ?? "", body)}"`,
      },
    });
    const token = JSON.parse(res.body) as string;
    await t.http.inject({
      method: "GET",
      url: `/external-api/result/?company_key=${c.company_key}&session_token=${token}`,
    });
    await t.http.inject({ method: "GET", url: `/?session_token=${token}` });
    await t.http.inject({
      method: "POST",
      url: "/begin/",
      body: "{broken",
      headers: { "content-type": "application/json" },
    });
    const text = lines.join("");
    expect(text).toContain("incoming request");
    expect(text).toContain("[redacted]");
    for (const secret of [c.company_key, c.secret_key ?? "x", token, "signature="])
      expect(text).not.toContain(secret);
  });
});
