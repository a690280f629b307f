import { describe, expect, it } from "vitest";
import { isSessionToken, newSessionToken, randomHexId, randomToken } from "./random-token.ts";

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

  it("session tokens keep the format, sort by creation time and stay unguessable", () => {
    const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);
    const early = newSessionToken(t0);
    const late = newSessionToken(t0 + 1);
    expect(isSessionToken(early)).toBe(true);
    expect(isSessionToken(late)).toBe(true);
    expect(early < late).toBe(true);
    expect(Number.parseInt(early.slice(0, 9), 36)).toBe(t0);
    // Same millisecond: the 31 random characters differ.
    const same = new Set(Array.from({ length: 1000 }, () => newSessionToken(t0)));
    expect(same.size).toBe(1000);
    expect(new Set([...same].map((t) => t.slice(0, 9))).size).toBe(1);
  });

  it("makes 24-hex ids", () => {
    expect(randomHexId()).toMatch(/^[0-9a-f]{24}$/);
  });
});
