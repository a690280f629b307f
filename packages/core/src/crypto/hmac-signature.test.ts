import { describe, expect, it } from "vitest";
import { parseSignatureHeader, signaturesEqual, signBody, signParts } from "./hmac-signature.ts";

describe("Identomat HMAC scheme", () => {
  it("matches the reference's worked example for a JSON body", () => {
    expect(signBody("test-secret", '{"company_key":"abcd","session_token":"defg"}')).toBe(
      "3+5KMw3zhvvmoBIda1xHl8FCR+5ZZ9zD3jkdDUHPjiU=",
    );
  });

  it("matches the reference's worked example for chained multipart parts", () => {
    expect(signParts("test-secret", ["abcd", "defg"])).toBe("uViFBC7Mar+1kFFMt4AJujWq3TyImFwlTBGkUsaBGco=");
  });

  it("depends on part order", () => {
    expect(signParts("k", ["a", "b"])).not.toBe(signParts("k", ["b", "a"]));
  });

  it("parses the Authorization header with and without quotes", () => {
    expect(parseSignatureHeader('signature="abc+/="')).toBe("abc+/=");
    expect(parseSignatureHeader("signature=abc")).toBe("abc");
    expect(parseSignatureHeader("Bearer xyz")).toBeNull();
    expect(parseSignatureHeader(undefined)).toBeNull();
  });

  it("compares only well-formed MACs, in constant time", () => {
    const mac = signBody("k", "body");
    expect(signaturesEqual(mac, mac)).toBe(true);
    expect(signaturesEqual(mac, signBody("k", "other"))).toBe(false);
    expect(signaturesEqual(mac, "short")).toBe(false);
  });
});
