import { describe, expect, it } from "vitest";
import {
  computeSignature,
  parseSignatureHeader,
  signatureHeader,
  verifySignature,
} from "./callback-signature.ts";

// Vectors computed independently with `printf '%s' 't.body' | openssl dgst -sha256 -hmac <secret>`.
const BODY = '{"id":"evt_0123","type":"session.completed"}';
const T = 1_764_072_000;
const NEW = "aed6fa3e08ef01b8a80561590afd845c5647b6f932d9524f21da393744445905";
const OLD = "9709de3cbce61745218311856c624e195e970e9853dd8ba5aa5cc40c71751b1f";

describe("callback signature", () => {
  it("matches the openssl vectors", () => {
    expect(computeSignature("whsec_test-secret", T, BODY)).toBe(NEW);
    expect(computeSignature("old-secret", T, BODY)).toBe(OLD);
    expect(signatureHeader(["whsec_test-secret"], T, BODY)).toBe(`t=${T},v1=${NEW}`);
    expect(signatureHeader(["whsec_test-secret", "old-secret"], T, BODY)).toBe(`t=${T},v1=${NEW},v1=${OLD}`);
  });

  it("verifies with either secret during a rotation, within the time window", () => {
    const header = `t=${T},v1=${NEW},v1=${OLD}`;
    expect(verifySignature("whsec_test-secret", header, BODY, T + 10)).toBe(true);
    expect(verifySignature("old-secret", header, BODY, T + 10)).toBe(true);
    expect(verifySignature("other", header, BODY, T + 10)).toBe(false);
    expect(verifySignature("old-secret", header, BODY, T + 301)).toBe(false);
    expect(verifySignature("old-secret", header, BODY, T - 301)).toBe(false);
  });

  it("rejects a changed body, a changed timestamp and malformed headers", () => {
    expect(verifySignature("whsec_test-secret", `t=${T},v1=${NEW}`, `${BODY} `, T)).toBe(false);
    expect(verifySignature("whsec_test-secret", `t=${T + 1},v1=${NEW}`, BODY, T)).toBe(false);
    expect(verifySignature("whsec_test-secret", `v1=${NEW}`, BODY, T)).toBe(false);
    expect(verifySignature("whsec_test-secret", `t=${T},v1=${NEW.slice(2)}`, BODY, T)).toBe(false);
    expect(verifySignature("whsec_test-secret", "", BODY, T)).toBe(false);
    expect(parseSignatureHeader(` t=${T} , v1=${NEW} `)).toEqual({ timestamp: T, v1: [NEW] });
  });
});
