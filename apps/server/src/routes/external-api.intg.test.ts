/**
 * The external API against the in-memory app: every endpoint, every encoding real clients use,
 * contract errors, expiry, company isolation, media and deletion.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { multipartBody } from "../testing/multipart.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";

let t: TestApp;
let key: string;

beforeEach(async () => {
  t = await createTestApp();
  key = (await t.company()).company_key;
});
afterEach(async () => {
  await t.close();
});

async function begin(payload: Record<string, unknown>): Promise<string> {
  const res = await t.http.inject({
    method: "POST",
    url: "/external-api/begin/",
    payload: { company_key: key, ...payload },
  });
  expect(res.statusCode).toBe(200);
  return JSON.parse(res.body) as string;
}

async function result(token: string, k = key) {
  return t.http.inject({
    method: "POST",
    url: "/external-api/result/",
    payload: { company_key: k, session_token: token },
  });
}

describe("begin", () => {
  it("answers a bare JSON string of 40 [0-9a-z] characters", async () => {
    const res = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: { company_key: key },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.body).toMatch(/^"[0-9a-z]{40}"$/);
  });

  it.each([
    ["/begin/"],
    ["/begin"],
    ["/external-api/begin"],
    ["/external-api/begin/"],
    ["/external-api//begin//"],
  ])("is served at %s", async (url) => {
    const res = await t.http.inject({ method: "POST", url, payload: { company_key: key } });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatch(/^[0-9a-z]{40}$/);
  });

  const flags = { liveness: true, language: "ka", document_types: ["passport"] };
  const encodings: Array<
    [
      string,
      () => { method: "GET" | "POST"; url: string; body?: string | Buffer; headers?: Record<string, string> },
    ]
  > = [
    [
      "JSON body",
      () => ({
        method: "POST",
        url: "/external-api/begin/",
        body: JSON.stringify({ company_key: key, flags }),
        headers: { "content-type": "application/json" },
      }),
    ],
    [
      "JSON labelled as a form (PHP)",
      () => ({
        method: "POST",
        url: "/external-api/begin/",
        body: JSON.stringify({ company_key: key, flags }),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    ],
    [
      "urlencoded with flags as a JSON string",
      () => ({
        method: "POST",
        url: "/external-api/begin/",
        body: new URLSearchParams({ company_key: key, flags: JSON.stringify(flags) }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    ],
    [
      "urlencoded without Content-Type (Rust)",
      () => ({
        method: "POST",
        url: "/external-api/begin/",
        body: new URLSearchParams({ company_key: key, flags: JSON.stringify(flags) }).toString(),
      }),
    ],
    [
      "GET with a JSON body (older Rust)",
      () => ({
        method: "GET",
        url: "/external-api/begin/",
        body: JSON.stringify({ company_key: key, flags }),
        headers: { "content-type": "application/json" },
      }),
    ],
    [
      "GET with everything in the query (C#)",
      () => ({
        method: "GET",
        url: `/external-api/begin/?company_key=${key}&flags=${encodeURIComponent(JSON.stringify(flags))}`,
      }),
    ],
    [
      "POST with the query and an empty body (iOS, unescaped JSON)",
      () => ({
        method: "POST",
        url: `/external-api/begin?company_key=${key}&flags={"liveness":true,"language":"ka","document_types":["passport"]}`,
      }),
    ],
    [
      "multipart form",
      () => {
        const mp = multipartBody([
          ["company_key", key],
          ["flags", JSON.stringify(flags)],
        ]);
        return {
          method: "POST",
          url: "/external-api/begin/",
          body: mp.body,
          headers: { "content-type": mp.contentType },
        };
      },
    ],
  ];

  it.each(encodings)("accepts %s and applies the flags", async (_name, make) => {
    const req = make();
    const res = await t.http.inject({
      method: req.method,
      url: req.url,
      ...(req.body !== undefined ? { body: req.body } : {}),
      headers: req.headers ?? {},
    });
    expect(res.statusCode, res.body).toBe(200);
    const token = JSON.parse(res.body) as string;
    const s = await t.services.sessions.find(token);
    expect(s?.flags).toMatchObject(flags);
    const doc = s?.effectiveSteps.find((x) => x.type === "identity-document");
    expect(doc?.flags).toMatchObject({ document_types: ["passport"] });
  });

  it("answers COMPANY_KEY_INVALID as a bare JSON string for a wrong or missing key", async () => {
    for (const payload of [{ company_key: "nope" }, {}]) {
      const res = await t.http.inject({ method: "POST", url: "/begin/", payload });
      expect(res.statusCode).toBe(401);
      expect(res.body).toBe('"COMPANY_KEY_INVALID"');
    }
  });

  it("keeps unknown flags verbatim and names a flag with the wrong type", async () => {
    const token = await begin({ flags: { liveness: false, future_flag: { x: [1] } } });
    expect((await t.services.sessions.find(token))?.flags).toEqual({
      liveness: false,
      future_flag: { x: [1] },
    });
    const res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      payload: { company_key: key, flags: { skip_face: "yes" } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: "FLAG_INVALID" } });
    expect(res.json().error.message).toContain("skip_face");
  });

  it("rejects a relative return_url and flags that are not JSON", async () => {
    let res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      payload: { company_key: key, flags: { return_url: "/done" } },
    });
    expect(res.json().error.code).toBe("FLAG_INVALID");
    res = await t.http.inject({ method: "POST", url: `/begin/?company_key=${key}&flags=%7Bnot-json` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("PARAM_INVALID");
  });

  it("computes the effective steps: implicit agreement, document, face; explicit steps; skips", async () => {
    const token = await begin({
      flags: { skip_face: true, require_face_document: true },
      steps: [{ type: "user-questionnaire", key: "q", questions: [] }],
    });
    const s = await t.services.sessions.find(token);
    expect(s?.effectiveSteps.map((x) => x.type)).toEqual([
      "agreement",
      "identity-document",
      "face-document",
      "user-questionnaire",
    ]);
  });

  it("uses a saved configuration, overriding its steps of the same type", async () => {
    const company = (await t.services.companies.list())[0];
    if (!company) throw new Error("no company");
    const cfg = await t.services.configurations.create(company.id, {
      name: "KYC",
      flags: { liveness: true, language: "ru" },
      steps: [{ type: "user-questionnaire", key: "base" }, { type: "email" }],
    });
    const configId = cfg.id;
    const token = await begin({
      config_id: configId,
      flags: { language: "es" },
      steps: [{ type: "user-questionnaire", key: "override" }],
    });
    const s = await t.services.sessions.find(token);
    expect(s?.configId).toBe(configId);
    expect(s?.flags).toMatchObject({ liveness: true, language: "es" });
    expect(s?.effectiveSteps.map((x) => [x.type, x.key])).toEqual([
      ["agreement", undefined],
      ["identity-document", undefined],
      ["liveness", undefined],
      ["user-questionnaire", "override"],
      ["email", undefined],
    ]);
    const r = await result(token);
    expect(r.json().configId).toBe(configId);

    // Another company cannot use it.
    const other = await t.company();
    const res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      payload: { company_key: other.company_key, config_id: configId },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("CONFIG_NOT_FOUND");
  });

  it("links a child session to its parent, only within the company", async () => {
    const parent = await begin({});
    const child = await begin({ parent_session_id: parent });
    expect((await t.services.sessions.find(child))?.parentSessionId).toBe(parent);
    const other = await t.company();
    const res = await t.http.inject({
      method: "POST",
      url: "/begin/",
      payload: { company_key: other.company_key, parent_session_id: parent },
    });
    expect(res.json().error.code).toBe("PARENT_SESSION_NOT_FOUND");
  });
});

describe("result", () => {
  it("returns the complete object with defaults while in progress", async () => {
    const token = await begin({});
    const res = await result(token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      result: "in_progress",
      similarity: 0,
      live: false,
      document_type: "",
      generalDocuments: [],
      reject_reason: { value: "", description: "" },
      result_comment: "",
      name: "",
      face_images: 0,
      id_card_front: {},
      id_card_back: {},
      suggested: {},
      person: {},
      technicalDetails: { remoteAddress: "", userAgent: "", countryCode: "" },
      configId: null,
      trustedDatabaseRecord: null,
      questionnaires: [],
      screeningMatches: [],
      session_token: token,
      reason_codes: [],
    });
  });

  it("answers SESSION_NOT_FOUND for unknown tokens and for another company's token", async () => {
    const token = await begin({});
    const other = await t.company();
    for (const [k, tok] of [
      [key, "0".repeat(40)],
      [key, "not-a-token"],
      [other.company_key, token],
    ] as const) {
      const res = await result(tok, k);
      expect(res.statusCode).toBe(404);
      expect(res.body).toBe('"SESSION_NOT_FOUND"');
    }
  });

  it("accepts GET with the query string and the camelCase parameter names", async () => {
    const token = await begin({});
    let res = await t.http.inject({
      method: "GET",
      url: `/external-api/result?company_key=${key}&session_token=${token}`,
    });
    expect(res.json().result).toBe("in_progress");
    res = await t.http.inject({
      method: "POST",
      url: "/external-api/result/",
      payload: { companyKey: key, sessionId: token },
    });
    expect(res.json().result).toBe("in_progress");
  });

  it("reports the widget's technical details once the session is opened", async () => {
    const token = await begin({});
    await t.http.inject({
      method: "GET",
      url: `/?session_token=${token}`,
      headers: { "user-agent": "TestBrowser/1.0" },
    });
    const r = (await result(token)).json();
    expect(r.technicalDetails.userAgent).toBe("TestBrowser/1.0");
    expect(r.technicalDetails.remoteAddress).toBe("127.0.0.1");
  });
});

describe("session lifetime", () => {
  it("expires an unopened token after 15 minutes", async () => {
    const token = await begin({});
    t.clock.advance(15 * 60_000 - 1);
    expect((await result(token)).json().result).toBe("in_progress");
    t.clock.advance(1);
    expect((await result(token)).json().result).toBe("expired");
    const page = await t.http.inject({ method: "GET", url: `/?session_token=${token}` });
    expect(page.statusCode).toBe(410);
  });

  it("keeps an opened session while the person is active, then expires it when idle", async () => {
    const token = await begin({});
    t.clock.advance(10 * 60_000);
    await t.http.inject({ method: "GET", url: `/?session_token=${token}` });
    t.clock.advance(25 * 60_000); // past the open window, within the idle limit
    await t.http.inject({ method: "GET", url: `/?session_token=${token}` });
    t.clock.advance(25 * 60_000);
    expect((await result(token)).json().result).toBe("in_progress");
    t.clock.advance(5 * 60_000);
    expect((await result(token)).json().result).toBe("expired");
  });

  it("uses the company's own time-to-open and the background sweep", async () => {
    const company = (await t.services.companies.list())[0];
    if (!company) throw new Error("no company");
    await t.services.companies.update(company.id, { sessionTtlMinutes: 2 });
    const token = await begin({});
    t.clock.advance(2 * 60_000);
    expect(await t.services.sessions.expireDue()).toBe(1);
    const events = await t.services.sessions.events(token);
    expect(events.map((e) => e.type)).toEqual(["session.created", "session.expired"]);
    expect((await result(token)).json().result).toBe("expired");
  });

  it("serves a clear page for unknown and finished tokens", async () => {
    expect(
      (await t.http.inject({ method: "GET", url: `/?session_token=${"z".repeat(40)}` })).statusCode,
    ).toBe(404);
    const token = await begin({});
    await t.services.sessions.transition(token, "approved", "engine");
    const res = await t.http.inject({ method: "GET", url: `/?session_token=${token}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("finished");
  });
});

describe("media and delete", () => {
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);

  it("serves stored media with its content type, and argumentError otherwise", async () => {
    const token = await begin({});
    const s = await t.services.sessions.find(token);
    if (!s) throw new Error("no session");
    await t.services.sessions.putMedia(s, "card-front", jpeg, "image/jpeg");
    for (const url of [
      "/external-api/result/card-front/",
      "/external-api/result/card-front",
      "/external-api/result/card-front//",
    ]) {
      const res = await t.http.inject({
        method: "POST",
        url,
        payload: { company_key: key, session_token: token },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("image/jpeg");
      expect(res.rawPayload.equals(jpeg)).toBe(true);
    }
    const missing = await t.http.inject({
      method: "POST",
      url: "/external-api/result/card-back/",
      payload: { company_key: key, session_token: token },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toHaveProperty("argumentError");
    const unknownKind = await t.http.inject({
      method: "POST",
      url: "/external-api/result/selfie-x/",
      payload: { company_key: key, session_token: token },
    });
    expect(unknownKind.json()).toHaveProperty("argumentError");
    const other = await t.company();
    const foreign = await t.http.inject({
      method: "POST",
      url: "/external-api/result/card-front/",
      payload: { company_key: other.company_key, session_token: token },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toHaveProperty("argumentError");
  });

  it("accepts media requests as multipart (PHP, React Native)", async () => {
    const token = await begin({});
    const s = await t.services.sessions.find(token);
    if (!s) throw new Error("no session");
    await t.services.sessions.putMedia(s, "face", jpeg, "image/jpeg");
    const mp = multipartBody([
      ["company_key", key],
      ["session_token", token],
    ]);
    const res = await t.http.inject({
      method: "POST",
      url: "/external-api/result/face/",
      body: mp.body,
      headers: { "content-type": mp.contentType },
    });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(jpeg)).toBe(true);
  });

  it("deletes the session, its media files and its timeline for good", async () => {
    const token = await begin({});
    const s = await t.services.sessions.find(token);
    if (!s) throw new Error("no session");
    const m = await t.services.sessions.putMedia(s, "passport", jpeg, "image/jpeg");
    const file = path.join(t.dataDir, "media", ...m.storageKey.split("/"));
    expect(fs.existsSync(file)).toBe(true);
    const other = await t.company();
    const foreign = await t.http.inject({
      method: "POST",
      url: "/external-api/delete/",
      payload: { company_key: other.company_key, session_token: token },
    });
    expect(foreign.body).toBe('"SESSION_NOT_FOUND"');
    expect(fs.existsSync(file)).toBe(true);
    const res = await t.http.inject({
      method: "POST",
      url: "/external-api/delete/",
      payload: { company_key: key, session_token: token },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('"SESSION_DELETED"');
    expect(fs.existsSync(file)).toBe(false);
    expect((await result(token)).body).toBe('"SESSION_NOT_FOUND"');
    expect(await t.services.sessions.events(token)).toEqual([]);
  });
});

describe("keys", () => {
  it("stops accepting a rotated key at once", async () => {
    const company = (await t.services.companies.list())[0];
    if (!company) throw new Error("no company");
    const rotated = await t.services.companies.rotateKey(company.id);
    const old = await t.http.inject({ method: "POST", url: "/begin/", payload: { company_key: key } });
    expect(old.body).toBe('"COMPANY_KEY_INVALID"');
    const fresh = await t.http.inject({
      method: "POST",
      url: "/begin/",
      payload: { company_key: rotated.company_key },
    });
    expect(fresh.statusCode).toBe(200);
  });
});
