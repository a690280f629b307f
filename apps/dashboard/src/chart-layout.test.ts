import { describe, expect, it } from "vitest";
import { layoutChart, niceMax } from "./chart-layout.ts";

describe("overview chart layout", () => {
  it("rounds the axis to 1, 2 or 5 × 10^k", () => {
    expect([0, 1, 3, 7, 11, 230].map(niceMax)).toEqual([1, 1, 5, 10, 20, 500]);
  });

  it("stacks each day's outcomes up to its share of the busiest day", () => {
    const l = layoutChart(
      [
        { day: "2026-11-24", counts: { approved: 3, rejected: 1 } },
        { day: "2026-11-25", counts: { approved: 10 } },
        { day: "2026-11-26", counts: {} },
      ],
      { width: 330, height: 120, left: 30, bottom: 20 },
    );
    expect(l.max).toBe(10);
    const [a, b, c] = l.bars;
    expect(a?.segments.map((s) => [s.outcome, s.height])).toEqual([
      ["approved", 30],
      ["rejected", 10],
    ]);
    // stacked: the second segment sits on top of the first
    expect((a?.segments[1]?.y ?? 0) + (a?.segments[1]?.height ?? 0)).toBeCloseTo(a?.segments[0]?.y ?? -1);
    expect(b?.segments[0]).toMatchObject({ y: 0, height: 100 });
    expect(c?.segments).toEqual([]);
    expect((b?.x ?? 0) - (a?.x ?? 0)).toBeCloseTo(100);
    expect(l.ticks.map((t) => t.value)).toEqual([0, 5, 10]);
  });
});
