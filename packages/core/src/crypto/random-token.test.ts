import { describe, expect, it } from "vitest";
import { isSessionToken, randomHexId, randomToken } from "./random-token.ts";

describe("tokens", () => {
  it("are 40 characters of [0-9a-z] and distinct", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const t = randomToken();
      expect(isSessionToken(t)).toBe(true);
      seen.add(t);
    }
    expect(seen.size).toBe(2000);
  });

  it("use the whole alphabet roughly uniformly", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 500; i++) for (const c of randomToken()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(36);
    // 20,000 draws: each symbol expects ~556; a biased modulo would skew the first symbols.
    for (const n of counts.values()) expect(n).toBeGreaterThan(420);
  });

  it("makes 24-hex ids", () => {
    expect(randomHexId()).toMatch(/^[0-9a-f]{24}$/);
  });
});
