import { describe, expect, it } from "vitest";
import {
  compareEmbeddings,
  DEFAULT_MATCH_THRESHOLDS,
  decideMatch,
  distanceToSimilarity,
  resolveMatchThresholds,
  SIMILARITY_CALIBRATION,
  similarityToDistance,
} from "./compare-embeddings.ts";
import { parseCsv } from "./compare-pairs.ts";

describe("similarity calibration", () => {
  it("is 0.5 at the equal-error distance and strictly decreasing", () => {
    expect(distanceToSimilarity(SIMILARITY_CALIBRATION.midpoint)).toBeCloseTo(0.5, 10);
    let previous = Number.POSITIVE_INFINITY;
    for (let d = 0; d <= 1.4; d += 0.01) {
      const s = distanceToSimilarity(d);
      expect(s).toBeLessThan(previous);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
      previous = s;
    }
  });

  it("round-trips through similarityToDistance", () => {
    for (const d of [0.3, 0.55, 0.585, 0.62, 0.9]) {
      expect(similarityToDistance(distanceToSimilarity(d))).toBeCloseTo(d, 6);
    }
  });

  it("puts the default accept threshold below dlib's classic 0.6 distance and reject above it", () => {
    expect(similarityToDistance(DEFAULT_MATCH_THRESHOLDS.accept)).toBeLessThan(0.6);
    expect(similarityToDistance(DEFAULT_MATCH_THRESHOLDS.reject)).toBeGreaterThan(0.6);
  });
});

describe("compareEmbeddings", () => {
  it("returns the Euclidean distance", () => {
    const a = new Float32Array([0, 0, 0, 0]);
    const b = new Float32Array([0.3, 0.4, 0, 0]);
    expect(compareEmbeddings(a, b).distance).toBeCloseTo(0.5, 6);
    expect(compareEmbeddings(a, a)).toEqual({ distance: 0, similarity: distanceToSimilarity(0) });
  });

  it("rejects embeddings of different lengths", () => {
    expect(() => compareEmbeddings(new Float32Array(128), new Float32Array(512))).toThrow(RangeError);
  });
});

describe("decision bands", () => {
  it("maps similarity to accept / review / reject at the band edges", () => {
    const t = { accept: 0.8, reject: 0.2 };
    expect(decideMatch(0.8, t)).toBe("accept");
    expect(decideMatch(0.79, t)).toBe("review");
    expect(decideMatch(0.2, t)).toBe("review");
    expect(decideMatch(0.19, t)).toBe("reject");
  });

  it("merges overrides and refuses inverted or out-of-range bands", () => {
    expect(resolveMatchThresholds({ accept: 0.9 })).toEqual({ ...DEFAULT_MATCH_THRESHOLDS, accept: 0.9 });
    expect(() => resolveMatchThresholds({ accept: 0.1, reject: 0.5 })).toThrow(RangeError);
    expect(() => resolveMatchThresholds({ accept: 1.5 })).toThrow(RangeError);
  });
});

describe("parseCsv", () => {
  it("handles quotes, doubled quotes, CRLF and blank lines", () => {
    const { header, rows } = parseCsv('path_a,path_b\r\n"a,1.jpg","say ""hi"".jpg"\r\n\r\nb.jpg,c.jpg\n');
    expect(header).toEqual(["path_a", "path_b"]);
    expect(rows).toEqual([
      { path_a: "a,1.jpg", path_b: 'say "hi".jpg' },
      { path_a: "b.jpg", path_b: "c.jpg" },
    ]);
  });
});
