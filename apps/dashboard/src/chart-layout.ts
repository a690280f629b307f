/**
 * The overview chart's geometry, kept free of the DOM so it is unit-tested: one stacked bar per day,
 * one segment per outcome, scaled to the busiest day.
 * @module
 */

export const OUTCOMES = [
  "approved",
  "rejected",
  "manual_check",
  "in_progress",
  "expired",
  "disagreed",
] as const;

export interface BarSegment {
  outcome: string;
  count: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ChartLayout {
  width: number;
  height: number;
  max: number;
  bars: { day: string; total: number; x: number; segments: BarSegment[] }[];
  /** Y positions and labels of the horizontal grid lines. */
  ticks: { y: number; value: number }[];
}

/** A round axis maximum ≥ n (1, 2, 5 × 10^k). */
export function niceMax(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

export function layoutChart(
  perDay: readonly { day: string; counts: Readonly<Record<string, number>> }[],
  size: { width: number; height: number; left: number; bottom: number },
): ChartLayout {
  const totals = perDay.map((d) => Object.values(d.counts).reduce((a, b) => a + b, 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = size.width - size.left;
  const plotH = size.height - size.bottom;
  const slot = perDay.length > 0 ? plotW / perDay.length : plotW;
  const barW = Math.max(2, slot * 0.7);
  const bars = perDay.map((d, i) => {
    const x = size.left + i * slot + (slot - barW) / 2;
    let y = plotH;
    const segments: BarSegment[] = [];
    const order = [
      ...OUTCOMES,
      ...Object.keys(d.counts).filter((k) => !(OUTCOMES as readonly string[]).includes(k)),
    ];
    for (const outcome of order) {
      const count = d.counts[outcome] ?? 0;
      if (count <= 0) continue;
      const height = (count / max) * plotH;
      y -= height;
      segments.push({ outcome, count, x, y, width: barW, height });
    }
    return { day: d.day, total: totals[i] ?? 0, x, segments };
  });
  const ticks = [0, 0.5, 1].map((f) => ({ y: plotH - f * plotH, value: Math.round(f * max) }));
  return { width: size.width, height: size.height, max, bars, ticks };
}
