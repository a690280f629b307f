/**
 * The SDK against the real server over HTTP (the app listening on a free port): begin, result,
 * media, delete, typed errors, HMAC signing and response verification, callback verification.
 */
import type { AddressInfo } from "node:net";
import type { SessionResult as ServerSessionResult } from "@verimat/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../apps/server/src/testing/test-app.ts";
import {
  type SessionResult,
  Verimat,
  VerimatAuthError,
  VerimatConnectionError,
  VerimatNotFoundError,
  VerimatSignatureError,
  VerimatValidationError,
  verifyCallback,
} from "./index.ts";

// Compile-time check: what the server builds is what the SDK types describe.
const sameShape = (r: ServerSessionResult): SessionResult => r;
void sameShape;

let t: TestApp;
let baseUrl: string;
let plain: { company_id: string; company_key: string };
let hmac: { company_id: string; company_key: string; secret_key?: string };

beforeAll(async () => {
  t = await createTestApp();
  await t.http.listen({ port: 0, host: "127.0.0.1" });
  baseUrl = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
  plain = await t.company();
  hmac = await t.company({ hmac: true });
});
afterAll(async () => {
  await t.close();
});

describe("Verimat SDK against the server", () => {
  it("begins a session, reads its typed result, builds the widget URL, deletes it", async () => {
    const v = new Verimat({ baseUrl: `${baseUrl}/`, companyKey: plain.company_key });
    const token = await v.begin({ flags: { language: "ka", return_url: "https://shop.example/back" } });
    expect(token).toMatch(/^[0-9a-z]{40}$/);
    const r = await v.result(token);
    expect(r.result).toBe("in_progress");
    expect(r.session_token).toBe(token);
    expect(r.reject_reason).toEqual({ value: "", description: "" });
    expect(v.widgetUrl(token)).toBe(`${baseUrl}/?session_token=${token}`);
    await v.delete(token);
    const gone = await v.result(token).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(VerimatNotFoundError);
    expect(gone).toMatchObject({ code: "SESSION_NOT_FOUND", status: 404 });
  });

  it("downloads media, and answers null when there is none", async () => {
    const v = new Verimat({ baseUrl, companyKey: plain.company_key });
    const token = await v.begin();
    expect(await v.media(token, "face")).toBeNull();
    const s = await t.services.sessions.find(token);
    if (!s) throw new Error("no session");
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);
    await t.services.sessions.putMedia(s, "face", jpeg, "image/jpeg");
    const m = await v.media(token, "face");
    expect(m?.contentType).toMatch(/^image\/jpeg/);
    expect(Buffer.from(m?.bytes ?? []).equals(jpeg)).toBe(true);
    const missing = await v.media("0".repeat(40), "face").catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: "VerimatNotFoundError", code: "SESSION_NOT_FOUND" });
  });

  it("throws typed errors: bad key, bad flag, unreachable server", async () => {
    const bad = await new Verimat({ baseUrl, companyKey: "nope" }).begin().catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(VerimatAuthError);
    expect(bad).toMatchObject({ code: "COMPANY_KEY_INVALID", status: 401 });
    const badFlags: Record<string, unknown> = { liveness: "yes" }; // what an untyped caller might send
    const flag = await new Verimat({ baseUrl, companyKey: plain.company_key })
      .begin({ flags: badFlags })
      .catch((e: unknown) => e);
    expect(flag).toBeInstanceOf(VerimatValidationError);
    expect(flag).toMatchObject({ code: "FLAG_INVALID" });
    expect((flag as Error).message).toContain("liveness");
    const down = await new Verimat({ baseUrl: "http://127.0.0.1:9", companyKey: "k", timeoutMs: 2_000 })
      .begin()
      .catch((e: unknown) => e);
    expect(down).toBeInstanceOf(VerimatConnectionError);
  });

  it("signs requests of an HMAC company and verifies the responses", async () => {
    const secret = hmac.secret_key ?? "";
    const v = new Verimat({ baseUrl, companyKey: hmac.company_key, secretKey: secret });
    const token = await v.begin();
    expect((await v.result(token)).result).toBe("in_progress");
    const ts = new Verimat({
      baseUrl,
      companyKey: hmac.company_key,
      secretKey: secret,
      signTimestamp: true,
      now: () => t.clock.now(),
    });
    expect((await ts.result(token)).session_token).toBe(token);
    // Unsigned: refused by the server.
    const unsigned = await new Verimat({ baseUrl, companyKey: hmac.company_key })
      .begin()
      .catch((e: unknown) => e);
    expect(unsigned).toBeInstanceOf(VerimatAuthError);
    expect(unsigned).toMatchObject({ code: "SIGNATURE_MISSING" });
    // A wrong secret: the server refuses the request signature.
    const wrong = await new Verimat({ baseUrl, companyKey: hmac.company_key, secretKey: "wrong" })
      .begin()
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ name: "VerimatAuthError", code: "SIGNATURE_INVALID" });
    // A response whose signature does not match (a tampering proxy) is refused by the SDK.
    const tamper: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const headers = new Headers(res.headers);
      headers.set("authorization", 'signature="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="');
      return new Response(await res.arrayBuffer(), { status: res.status, headers });
    };
    const forged = await new Verimat({
      baseUrl,
      companyKey: hmac.company_key,
      secretKey: secret,
      fetch: tamper,
    })
      .result(token)
      .catch((e: unknown) => e);
    expect(forged).toBeInstanceOf(VerimatSignatureError);
  });
});

describe("verifyCallback", () => {
  // The same openssl vectors as the server's signature test.
  const body = '{"id":"evt_0123","type":"session.completed"}';
  const t0 = 1_764_072_000;
  const v1 = "aed6fa3e08ef01b8a80561590afd845c5647b6f932d9524f21da393744445905";
  const old = "9709de3cbce61745218311856c624e195e970e9853dd8ba5aa5cc40c71751b1f";

  it("accepts the server's signature (either secret during a rotation) and returns the event", () => {
    const header = `t=${t0},v1=${v1},v1=${old}`;
    expect(verifyCallback("whsec_test-secret", header, body, { now: t0 * 1000 }).id).toBe("evt_0123");
    expect(verifyCallback(["nope", "old-secret"], header, Buffer.from(body), { now: t0 * 1000 }).type).toBe(
      "session.completed",
    );
  });

  it("refuses a wrong secret, a changed body, an old timestamp and a missing header", () => {
    const header = `t=${t0},v1=${v1}`;
    expect(() => verifyCallback("other", header, body, { now: t0 * 1000 })).toThrow(VerimatSignatureError);
    expect(() => verifyCallback("whsec_test-secret", header, `${body} `, { now: t0 * 1000 })).toThrow(
      /does not match/,
    );
    expect(() => verifyCallback("whsec_test-secret", header, body, { now: (t0 + 301) * 1000 })).toThrow(
      /too old/,
    );
    expect(() => verifyCallback("whsec_test-secret", undefined, body)).toThrow(/no Verimat-Signature/);
  });
});
