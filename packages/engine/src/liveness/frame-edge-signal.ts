import { clamp, logistic } from "./image-ops.ts";
import type { FaceBox, RgbImage, SignalResult } from "./liveness-types.ts";

type Side = "left" | "right" | "top" | "bottom";

export interface SideEvidence {
  readonly side: Side;
  /** Coverage of the whole side between the corners where it meets its neighbours' best lines. */
  readonly closedCoverage: number;
  /** Fraction of the segment alongside the face covered by a consistent straight edge. */
  readonly coverage: number;
  /** Distance of the line from the face box, in face sizes. */
  readonly distance: number;
  /** Mean and standard deviation of grey just outside the line (a bezel or dark frame is dark and flat). */
  readonly outsideMean: number;
  readonly outsideStd: number;
}

/** Face size (px) the image is normalised to before the line search. */
const NORM_FACE = 100;

interface GreyImage {
  readonly g: Float32Array;
  readonly w: number;
  readonly h: number;
}

function downscaleGrey(image: RgbImage, s: number): GreyImage {
  const w = Math.max(1, Math.floor(image.width * s));
  const h = Math.max(1, Math.floor(image.height * s));
  const g = new Float32Array(w * h);
  const inv = 1 / s;
  for (let y = 0; y < h; y++) {
    const sy0 = Math.floor(y * inv);
    const sy1 = Math.max(sy0 + 1, Math.min(image.height, Math.floor((y + 1) * inv)));
    for (let x = 0; x < w; x++) {
      const sx0 = Math.floor(x * inv);
      const sx1 = Math.max(sx0 + 1, Math.min(image.width, Math.floor((x + 1) * inv)));
      let acc = 0;
      let c = 0;
      for (let yy = sy0; yy < sy1; yy++) {
        for (let xx = sx0; xx < sx1; xx++) {
          const i = 3 * (yy * image.width + xx);
          acc +=
            0.299 * (image.data[i] ?? 0) +
            0.587 * (image.data[i + 1] ?? 0) +
            0.114 * (image.data[i + 2] ?? 0);
          c++;
        }
      }
      g[y * w + x] = acc / c;
    }
  }
  return { g, w, h };
}

/**
 * Looks for the straight edges of a phone/tablet bezel or a sheet of paper around the face:
 * for each side, the best near-axis line in a ring outside the face box, scored by how much of
 * the segment alongside the face it covers with a consistently oriented edge.
 */
export function measureFrameEdges(image: RgbImage, face: FaceBox): SideEvidence[] {
  const faceSize = Math.max(face.width, face.height);
  const s = Math.min(1, NORM_FACE / faceSize);
  const { g, w, h } = downscaleGrey(image, s);
  const gx = new Float32Array(w * h);
  const gy = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const p = (dx: number, dy: number): number => g[(y + dy) * w + x + dx] ?? 0;
      // Sobel divided by 4 so the magnitude of a step edge equals the step height.
      gx[y * w + x] = (p(1, -1) + 2 * p(1, 0) + p(1, 1) - p(-1, -1) - 2 * p(-1, 0) - p(-1, 1)) / 4;
      gy[y * w + x] = (p(-1, 1) + 2 * p(0, 1) + p(1, 1) - p(-1, -1) - 2 * p(0, -1) - p(1, -1)) / 4;
    }
  }
  const bx = face.x * s;
  const by = face.y * s;
  const bw = face.width * s;
  const bh = face.height * s;
  const fs = Math.max(bw, bh);
  const cx = bx + bw / 2;
  const cy = by + bh / 2;
  const minStep = 10;
  const cosTol = Math.cos((25 * Math.PI) / 180);
  // +1 / −1: an edge of that polarity across the line at (x, y) (±1 px); 0: none.
  const edgeSign = (x: number, y: number, nx: number, ny: number): number => {
    for (let d = -1; d <= 1; d++) {
      const xx = Math.round(x + d * nx);
      const yy = Math.round(y + d * ny);
      if (xx < 1 || yy < 1 || xx >= w - 1 || yy >= h - 1) continue;
      const ex = gx[yy * w + xx] ?? 0;
      const ey = gy[yy * w + xx] ?? 0;
      const m = Math.hypot(ex, ey);
      const proj = ex * nx + ey * ny;
      if (m >= minStep && Math.abs(proj) >= cosTol * m) return proj > 0 ? 1 : -1;
    }
    return 0;
  };
  const stats = (x0: number, y0: number, x1: number, y1: number): [number, number] => {
    let sum = 0;
    let sq = 0;
    let c = 0;
    for (
      let y = Math.max(0, Math.floor(Math.min(y0, y1)));
      y < Math.min(h, Math.ceil(Math.max(y0, y1)));
      y++
    ) {
      for (
        let x = Math.max(0, Math.floor(Math.min(x0, x1)));
        x < Math.min(w, Math.ceil(Math.max(x0, x1)));
        x++
      ) {
        const v = g[y * w + x] ?? 0;
        sum += v;
        sq += v * v;
        c++;
      }
    }
    if (c === 0) return [Number.NaN, Number.NaN];
    const m = sum / c;
    return [m, Math.sqrt(Math.max(0, sq / c - m * m))];
  };
  const out: SideEvidence[] = [];
  const lines: Array<{
    vertical: boolean;
    off: number;
    t: number;
    alongC: number;
    nx: number;
    ny: number;
  } | null> = [];
  const sides: Side[] = ["left", "right", "top", "bottom"];
  for (const side of sides) {
    const vertical = side === "left" || side === "right";
    // The segment the edge must cover: alongside the face, a little beyond it.
    const along0 = vertical ? by - 0.25 * bh : bx - 0.25 * bw;
    const along1 = vertical ? by + 1.25 * bh : bx + 1.25 * bw;
    const alongC = vertical ? cy : cx;
    let offsets: number[];
    if (side === "left") offsets = range(bx - 0.05 * fs, bx - 2.5 * fs, -1);
    else if (side === "right") offsets = range(bx + bw + 0.05 * fs, bx + bw + 2.5 * fs, 1);
    else if (side === "top") offsets = range(by - 0.05 * fs, by - 2.5 * fs, -1);
    else offsets = range(by + bh + 0.05 * fs, by + bh + 2.5 * fs, 1);
    let best = { coverage: 0, offset: Number.NaN, theta: 0, nx: 0, ny: 0 };
    for (let deg = -12; deg <= 12; deg += 2) {
      const t = Math.tan((deg * Math.PI) / 180);
      const norm = Math.hypot(1, t);
      // Unit normal to the line.
      const nx = vertical ? 1 / norm : -t / norm;
      const ny = vertical ? -t / norm : 1 / norm;
      for (const off of offsets) {
        // The image border is not evidence (video letterboxing, crops).
        if (vertical ? off < 4 || off > w - 5 : off < 4 || off > h - 5) continue;
        let pos = 0;
        let neg = 0;
        let total = 0;
        for (let a = along0; a <= along1; a += 1) {
          const x = vertical ? off + (a - alongC) * t : a;
          const y = vertical ? a : off + (a - alongC) * t;
          total++;
          if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1) continue;
          const sg = edgeSign(x, y, nx, ny);
          if (sg > 0) pos++;
          else if (sg < 0) neg++;
        }
        // One polarity only: a bezel or paper edge is a single step, texture alternates.
        const coverage = total > 0 ? Math.max(pos, neg) / total : 0;
        if (coverage > best.coverage) best = { coverage, offset: off, theta: t, nx, ny };
      }
    }
    let outsideMean = Number.NaN;
    let outsideStd = Number.NaN;
    let distance = Number.NaN;
    if (Number.isFinite(best.offset)) {
      const band = 0.12 * fs;
      const o = best.offset;
      if (side === "left") [outsideMean, outsideStd] = stats(o - 2 - band, by, o - 2, by + bh);
      else if (side === "right") [outsideMean, outsideStd] = stats(o + 2, by, o + 2 + band, by + bh);
      else if (side === "top") [outsideMean, outsideStd] = stats(bx, o - 2 - band, bx + bw, o - 2);
      else [outsideMean, outsideStd] = stats(bx, o + 2, bx + bw, o + 2 + band);
      distance =
        side === "left"
          ? (bx - o) / fs
          : side === "right"
            ? (o - bx - bw) / fs
            : side === "top"
              ? (by - o) / fs
              : (o - by - bh) / fs;
    }
    lines.push(
      Number.isFinite(best.offset)
        ? { vertical, off: best.offset, t: best.theta, alongC, nx: best.nx, ny: best.ny }
        : null,
    );
    out.push({
      side,
      closedCoverage: 0,
      coverage: best.coverage,
      distance: Math.round(distance * 100) / 100,
      outsideMean: Math.round(outsideMean),
      outsideStd: Math.round(outsideStd * 10) / 10,
    });
  }
  // Close the rectangle: intersect each side's line with its neighbours' and measure the edge
  // over the whole side between the corners. Background lines (door frames, shelves) seldom
  // meet at corners; a bezel or a sheet of paper does. Points outside the image are not counted.
  const [left, right, top, bottom] = lines;
  const pointOn = (l: NonNullable<(typeof lines)[number]>, a: number): [number, number] =>
    l.vertical ? [l.off + (a - l.alongC) * l.t, a] : [a, l.off + (a - l.alongC) * l.t];
  const meet = (v: (typeof lines)[number], hz: (typeof lines)[number]): [number, number] | null => {
    if (!v || !hz) return null;
    // x = v.off + (y − v.c)·v.t ; y = hz.off + (x − hz.c)·hz.t
    const y = (hz.off + (v.off - v.alongC * v.t - hz.alongC) * hz.t) / (1 - v.t * hz.t);
    return [v.off + (y - v.alongC) * v.t, y];
  };
  const corners = {
    tl: meet(left ?? null, top ?? null),
    tr: meet(right ?? null, top ?? null),
    bl: meet(left ?? null, bottom ?? null),
    br: meet(right ?? null, bottom ?? null),
  };
  const ends: Array<[[number, number] | null, [number, number] | null]> = [
    [corners.tl, corners.bl],
    [corners.tr, corners.br],
    [corners.tl, corners.tr],
    [corners.bl, corners.br],
  ];
  lines.forEach((l, i) => {
    const [c0, c1] = ends[i] ?? [null, null];
    const ev = out[i];
    if (!l || !c0 || !c1 || !ev) return;
    const a0 = l.vertical ? Math.min(c0[1], c1[1]) : Math.min(c0[0], c1[0]);
    const a1 = l.vertical ? Math.max(c0[1], c1[1]) : Math.max(c0[0], c1[0]);
    // Trim the corners themselves (rounded device corners, blur).
    const pad = 0.08 * (a1 - a0);
    let hits = 0;
    let visible = 0;
    for (let a = a0 + pad; a <= a1 - pad; a += 1) {
      const [x, y] = pointOn(l, a);
      if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1) continue;
      visible++;
      if (edgeSign(x, y, l.nx, l.ny) !== 0) hits++;
    }
    const length = a1 - a0 - 2 * pad;
    const closed = length > 0 && visible >= 0.4 * length && visible >= 0.8 * fs ? hits / visible : 0;
    out[i] = { ...ev, closedCoverage: closed };
  });
  return out;
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  if (step > 0) for (let v = from; v <= to; v += step) out.push(v);
  else for (let v = from; v >= to; v += step) out.push(v);
  return out;
}

/**
 * Closed-rectangle coverage the third-best side must reach. Genuine captures in shared/eval
 * reached 0.75 (a window frame behind the head); the real tablet replay 0.81.
 */
export const FRAME_COVERAGE_THRESHOLD = 0.78;

/**
 * Device bezel / paper edge: the face is enclosed by straight edges on at least three sides.
 * The score is a logistic of the third-best side's coverage (one or two straight lines are
 * common in genuine backgrounds: doors, windows, shelves).
 */
export function frameEdgeSignal(
  image: RgbImage,
  face: FaceBox,
  threshold = FRAME_COVERAGE_THRESHOLD,
): SignalResult {
  const sides = measureFrameEdges(image, face);
  const sorted = [...sides].sort((a, b) => b.closedCoverage - a.closedCoverage);
  const third = sorted[2]?.closedCoverage ?? 0;
  const darkSides = sides.filter(
    (sd) => sd.coverage >= 0.5 && sd.outsideMean < 70 && sd.outsideStd < 20,
  ).length;
  const score = clamp(logistic((third - threshold) / 0.02), 0, 1);
  const detail: Record<string, number | string | boolean> = {
    thirdBestCoverage: Math.round(third * 1000) / 1000,
    coverageThreshold: threshold,
    darkFrameSides: darkSides,
  };
  for (const sd of sides) {
    detail[`${sd.side}Coverage`] = Math.round(sd.coverage * 1000) / 1000;
    detail[`${sd.side}Closed`] = Math.round(sd.closedCoverage * 1000) / 1000;
    detail[`${sd.side}Distance`] = sd.distance;
    detail[`${sd.side}OutsideMean`] = sd.outsideMean;
  }
  return {
    name: "frame-edges",
    status: "measured",
    score: Math.round(score * 1000) / 1000,
    threshold: 0.5,
    gate: true,
    fired: score >= 0.5,
    detail,
  };
}
