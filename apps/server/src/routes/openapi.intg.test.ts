/**
 * /openapi.json and /docs/: the document is OpenAPI 3.1 built from the validating schemas, and what
 * the server really answers (result object, callback body) fits the documented schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../testing/test-app.ts";
import { ZCallbackEvent, ZSessionResult } from "./openapi-document.ts";

interface SchemaJson {
  type?: string;
  enum?: unknown[];
  required?: string[];
  additionalProperties?: unknown;
  properties: Record<string, SchemaJson>;
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, unknown>;
  components: { schemas: Record<string, SchemaJson> };
  webhooks: {
    sessionEvent: { post: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } };
  };
}

let t: TestApp;
let key: string;
beforeAll(async () => {
  t = await createTestApp();
  key = (await t.company()).company_key;
});
afterAll(async () => {
  await t.close();
});

describe("OpenAPI", () => {
  it("serves an OpenAPI 3.1 document with the flags schema of the validator", async () => {
    const res = await t.http.inject({ method: "GET", url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json<OpenApiDoc>();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/external-api/begin/",
        "/external-api/result/",
        "/external-api/delete/",
        "/external-api/result/face/",
        // Every media kind the server serves (MEDIA_KINDS), the extensions too.
        "/external-api/result/video-call-still/",
        "/external-api/result/video-call-recording/",
      ]),
    );
    const flags = doc.components.schemas.SessionFlags;
    if (!flags) throw new Error("no SessionFlags schema");
    expect(flags.properties.server?.enum).toEqual(["computer", "human"]);
    expect(flags.properties.liveness?.type).toBe("boolean");
    expect(flags.additionalProperties).toEqual({}); // unknown flags are kept
    expect(doc.components.schemas.BeginRequest?.required).toEqual(["company_key"]);
    expect(doc.webhooks.sessionEvent.post.requestBody.content["application/json"]?.schema.$ref).toBe(
      "#/components/schemas/CallbackEvent",
    );
    // Every $ref resolves.
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[A-Za-z]+"/g) ?? [];
    for (const r of refs) expect(doc.components.schemas[r.slice(22, -1)]).toBeDefined();
  });

  it("documents the result the server really sends", async () => {
    const begin = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: { company_key: key },
    });
    const token = JSON.parse(begin.body) as string;
    const res = await t.http.inject({
      method: "POST",
      url: "/external-api/result/",
      payload: { company_key: key, session_token: token },
    });
    const parsed = ZSessionResult.strict().safeParse(res.json());
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(ZSessionResult.safeParse({ ...res.json<object>(), result: "maybe" }).success).toBe(false);
  });

  it("documents the callback body the service builds", async () => {
    const c = await t.company();
    await t.services.companies.update(c.company_id, { callbackUrl: "https://example.com/hook" });
    const id = await t.services.callbacks.enqueue(c.company_id, {
      type: "session.completed",
      sessionId: "a".repeat(40),
      status: "approved",
    });
    const event = id ? await t.services.callbacks.getEvent(id) : null;
    const parsed = ZCallbackEvent.safeParse(event?.body);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toMatchObject({ result: "approved", status: "approved", id });
  });

  it("renders a self-contained reference page at /docs/", async () => {
    const res = await t.http.inject({ method: "GET", url: "/docs/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    expect(res.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(res.body).toContain("/external-api/begin/");
    expect(res.body).toContain('id="schema-SessionResult"');
    expect(res.body).toContain("document_countries");
    expect(res.body).not.toMatch(/<script|https?:\/\/(?!localhost)[a-z]/i);
  });
});
