/**
 * MRZ localisation in the spirit of PassportEye: black top-hat (dark strokes on a light page) →
 * Otsu → horizontal closing (characters merge into text lines) → connected components whose second
 * moments give each line's axis, length and thickness. MRZ lines are then recognised by their
 * signature: two or three parallel, equally long, evenly spaced lines.
 * @module
 */
import {
  blackTopHat,
  close,
  connectedComponents,
  type GrayImage,
  open,
  otsuThreshold,
  type Point,
  threshold,
} from "./raster.ts";

/** A text line in working-image pixels. */
export interface TextLine {
  readonly cx: number;
  readonly cy: number;
  /** Radians; near 0 for horizontal text. */
  readonly angle: number;
  readonly length: number;
  readonly thickness: number;
  /** Separate ink runs along the line's centre: about one per character for text, ~1 for a rule. */
  readonly glyphs: number;
}

/** A group of lines that may be an MRZ, with the band to crop around it (working-image pixels). */
export interface MrzBand {
  readonly lines: readonly TextLine[];
  readonly score: number;
  /** Band corners: top-left, top-right, bottom-right, bottom-left in reading order. */
  readonly origin: Point;
  readonly axisX: Point;
  readonly axisY: Point;
  readonly length: number;
  readonly height: number;
  /** Estimated character height (line thickness) in working pixels. */
  readonly charHeight: number;
}

const odd = (n: number) => Math.max(1, Math.round(n) | 1);

/** Finds near-horizontal text lines (within ±35°). Kernel sizes scale with the image's long side. */
export function findTextLines(gray: GrayImage): TextLine[] {
  const s = Math.max(gray.width, gray.height);
  const k = odd(s / 50);
  const th = blackTopHat(gray, k, k);
  const t = Math.max(otsuThreshold(th.data), 20);
  const bin = threshold(th, t);
  const merged = open(close(bin, odd(s / 30), 1), 1, 3);
  const comps = connectedComponents(merged, Math.max(20, (s * s) / 20000));
  const lines: TextLine[] = [];
  for (const c of comps) {
    if (c.length < s * 0.08 || c.length < 5 * Math.max(c.thickness, 1)) continue;
    if (Math.abs(c.angle) > (35 * Math.PI) / 180) continue;
    const line = {
      cx: c.cx,
      cy: c.cy,
      angle: c.angle,
      length: c.length,
      thickness: Math.max(c.thickness, 2),
    };
    lines.push({ ...line, glyphs: countGlyphs(bin, line) });
  }
  return mergeCollinear(lines);
}

/** Counts ink runs along a line, sampling a few offsets across it so thin strokes are not missed. */
function countGlyphs(bin: GrayImage, l: Omit<TextLine, "glyphs">): number {
  const ux = Math.cos(l.angle);
  const uy = Math.sin(l.angle);
  const offsets = [-0.25, 0, 0.25].map((f) => f * l.thickness);
  let runs = 0;
  let inRun = false;
  for (let a = -l.length / 2; a <= l.length / 2; a++) {
    let ink = false;
    for (const o of offsets) {
      const x = Math.round(l.cx + ux * a - uy * o);
      const y = Math.round(l.cy + uy * a + ux * o);
      if (x >= 0 && y >= 0 && x < bin.width && y < bin.height && (bin.data[y * bin.width + x] ?? 0) > 0) {
        ink = true;
        break;
      }
    }
    if (ink && !inRun) runs++;
    inRun = ink;
  }
  return runs;
}

function endpoints(l: TextLine): [Point, Point] {
  const dx = (Math.cos(l.angle) * l.length) / 2;
  const dy = (Math.sin(l.angle) * l.length) / 2;
  return [
    [l.cx - dx, l.cy - dy],
    [l.cx + dx, l.cy + dy],
  ];
}

/** Joins pieces of one text line that the closing left apart (a wide gap inside an MRZ line). */
function mergeCollinear(input: TextLine[]): TextLine[] {
  const lines = [...input].sort((a, b) => a.cx - a.length / 2 - (b.cx - b.length / 2));
  let changed = true;
  while (changed) {
    changed = false;
    outer: for (let i = 0; i < lines.length; i++) {
      for (let j = i + 1; j < lines.length; j++) {
        const a = lines[i];
        const b = lines[j];
        if (!a || !b) continue;
        if (Math.abs(a.angle - b.angle) > 0.06) continue;
        const t = Math.max(a.thickness, b.thickness);
        const ux = Math.cos(a.angle);
        const uy = Math.sin(a.angle);
        const perp = Math.abs(-(b.cx - a.cx) * uy + (b.cy - a.cy) * ux);
        if (perp > 0.45 * t) continue;
        const along = (b.cx - a.cx) * ux + (b.cy - a.cy) * uy;
        const gap = Math.abs(along) - (a.length + b.length) / 2;
        if (gap > 2.5 * t) continue;
        const [a0, a1] = endpoints(a);
        const [b0, b1] = endpoints(b);
        const pts = [a0, a1, b0, b1].map((p) => (p[0] - a.cx) * ux + (p[1] - a.cy) * uy);
        const lo = Math.min(...pts);
        const hi = Math.max(...pts);
        const wa = a.length;
        const wb = b.length;
        const mid = (lo + hi) / 2;
        lines[i] = {
          cx: a.cx + ux * mid,
          cy: a.cy + uy * mid + ((b.cy - a.cy - uy * along) * wb) / (wa + wb),
          angle: (a.angle * wa + b.angle * wb) / (wa + wb),
          length: hi - lo,
          thickness: (a.thickness * wa + b.thickness * wb) / (wa + wb),
          glyphs: a.glyphs + b.glyphs,
        };
        lines.splice(j, 1);
        changed = true;
        break outer;
      }
    }
  }
  return lines;
}

/** Whether `b` can be the MRZ line right below `a`. Returns the perpendicular spacing or null. */
function nextLineSpacing(a: TextLine, b: TextLine): number | null {
  if (Math.abs(a.angle - b.angle) > 0.07) return null;
  const ux = Math.cos(a.angle);
  const uy = Math.sin(a.angle);
  const perp = -(b.cx - a.cx) * uy + (b.cy - a.cy) * ux;
  const t = Math.max(a.thickness, b.thickness);
  if (perp < 0.9 * t || perp > 3.6 * t) return null;
  const ratio = Math.min(a.length, b.length) / Math.max(a.length, b.length);
  if (ratio < 0.75) return null;
  const along = (b.cx - a.cx) * ux + (b.cy - a.cy) * uy;
  if (Math.abs(along) > 0.15 * Math.max(a.length, b.length)) return null;
  return perp;
}

/**
 * Ranks MRZ band candidates: stacks of 2–3 equal parallel lines first, then long single lines (an MRZ
 * whose other lines broke up). `imageHeight` lets a band near the bottom win ties (MRZs sit at the
 * bottom of the page when the image is upright).
 */
export function findMrzBands(lines: readonly TextLine[], imageWidth: number, imageHeight: number): MrzBand[] {
  const s = Math.max(imageWidth, imageHeight);
  const sorted = [...lines].sort((a, b) => a.cy - b.cy);
  const groups: TextLine[][] = [];
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i];
    if (!a) continue;
    groups.push([a]);
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j];
      if (!b || nextLineSpacing(a, b) === null) continue;
      groups.push([a, b]);
      for (let k = j + 1; k < sorted.length; k++) {
        const c = sorted[k];
        const s2 = c ? nextLineSpacing(b, c) : null;
        const s1 = nextLineSpacing(a, b);
        if (!c || s2 === null || s1 === null) continue;
        if (Math.abs(s2 - s1) > 0.35 * Math.max(s1, s2)) continue;
        groups.push([a, b, c]);
      }
    }
  }
  const bands = groups.map((g) => toBand(g, s, imageHeight));
  bands.sort((a, b) => b.score - a.score);
  return bands;
}

function toBand(group: TextLine[], s: number, imageHeight: number): MrzBand {
  const first = group[0] as TextLine;
  const angle =
    group.reduce((acc, l) => acc + l.angle * l.length, 0) / group.reduce((a, l) => a + l.length, 0);
  const ux = Math.cos(angle);
  const uy = Math.sin(angle);
  const nx = -uy;
  const ny = ux;
  const charHeight = median(group.map((l) => l.thickness));
  const ps = group.map((l) => l.cx * nx + l.cy * ny);
  let spacing = 2.2 * charHeight;
  if (group.length > 1) spacing = ((ps[ps.length - 1] ?? 0) - (ps[0] ?? 0)) / (group.length - 1);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const l of group) {
    for (const p of endpoints(l)) {
      const a = p[0] * ux + p[1] * uy;
      lo = Math.min(lo, a);
      hi = Math.max(hi, a);
    }
  }
  // Moment-based lengths run short when a line ends in thin fillers; rows are trimmed to ink later.
  lo -= 2.5 * charHeight;
  hi += 2.5 * charHeight;
  // Leave room for MRZ lines the detector missed: a lone line may be any of three.
  const extend = group.length >= 3 ? 0.75 : group.length === 2 ? 1.3 : 2.3;
  const p0 = (ps[0] ?? 0) - extend * spacing;
  const p1 = (ps[ps.length - 1] ?? 0) + extend * spacing;
  const origin: Point = [lo * ux + p0 * nx, lo * uy + p0 * ny];

  const lengths = group.map((l) => l.length);
  const meanLen = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  const aspect = meanLen / charHeight;
  let score = meanLen / s;
  score *= group.length === 3 ? 2.2 : group.length === 2 ? 2 : 1;
  // MRZ lines hold 30–44 characters, so they are long for their height and made of many glyphs.
  if (aspect < 14) score *= 0.5;
  const glyphs = group.reduce((a, l) => a + l.glyphs, 0) / group.length;
  score *= Math.min(1.2, Math.max(0.25, glyphs / 30));
  // An upright document has its MRZ near the bottom; prefer that slightly.
  score *= 0.85 + 0.3 * (first.cy / Math.max(imageHeight, 1));
  return {
    lines: group,
    score,
    origin,
    axisX: [ux, uy],
    axisY: [nx, ny],
    length: hi - lo,
    height: p1 - p0,
    charHeight,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** A text row inside a deskewed band crop: pixel rows [top, bottom) and columns [left, right). */
export interface BandRow {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/**
 * Splits a deskewed band (grey, characters about `charHeight` px high) into text rows with a
 * horizontal projection of the top-hat response, and trims each row to its inked columns.
 */
export function segmentBandRows(band: GrayImage, charHeight: number): BandRow[] {
  const { width: w, height: h } = band;
  const th = blackTopHat(band, odd(charHeight * 1.2), odd(charHeight * 1.2));
  const t = Math.max(otsuThreshold(th.data), 25);
  const rowInk = new Float64Array(h);
  for (let y = 0; y < h; y++) {
    let sum = 0;
    for (let x = 0; x < w; x++) if ((th.data[y * w + x] ?? 0) > t) sum++;
    rowInk[y] = sum;
  }
  const smooth = new Float64Array(h);
  for (let y = 0; y < h; y++) {
    smooth[y] =
      ((rowInk[y - 1] ?? rowInk[y] ?? 0) + (rowInk[y] ?? 0) * 2 + (rowInk[y + 1] ?? rowInk[y] ?? 0)) / 4;
  }
  const peak = Math.max(...smooth);
  if (peak <= 0) return [];
  const on = 0.25 * peak;
  const segments: [number, number][] = [];
  let start = -1;
  for (let y = 0; y <= h; y++) {
    const active = y < h && (smooth[y] ?? 0) > on;
    if (active && start < 0) start = y;
    if (!active && start >= 0) {
      segments.push([start, y]);
      start = -1;
    }
  }
  // Two touching rows come out as one tall segment: cut it at its weakest rows.
  const rows: [number, number][] = [];
  for (const [a, b] of segments) {
    const parts = Math.round((b - a) / (charHeight * 1.9));
    if (parts <= 1) {
      rows.push([a, b]);
      continue;
    }
    const cuts: number[] = [];
    for (let p = 1; p < parts; p++) {
      const centre = a + ((b - a) * p) / parts;
      let best = Math.round(centre);
      for (let y = Math.round(centre - charHeight * 0.4); y <= centre + charHeight * 0.4; y++) {
        if ((smooth[y] ?? Number.POSITIVE_INFINITY) < (smooth[best] ?? Number.POSITIVE_INFINITY)) best = y;
      }
      cuts.push(best);
    }
    let prev = a;
    for (const c of cuts) {
      rows.push([prev, c]);
      prev = c;
    }
    rows.push([prev, b]);
  }
  const out: BandRow[] = [];
  for (const [top, bottom] of rows) {
    if (bottom - top < charHeight * 0.45) continue;
    const colInk = new Uint16Array(w);
    for (let y = top; y < bottom; y++)
      for (let x = 0; x < w; x++) if ((th.data[y * w + x] ?? 0) > t) colInk[x] = (colInk[x] ?? 0) + 1;
    // Ignore isolated specks: a column counts when a few pixels in it are ink. The row is the longest
    // run of inked columns whose gaps stay under two characters (MRZ lines have no wide gaps).
    const minInk = Math.max(2, Math.round((bottom - top) * 0.12));
    const maxGap = 2 * charHeight;
    let best: [number, number] | null = null;
    let runStart = -1;
    let lastInk = -1;
    for (let x = 0; x <= w; x++) {
      const inked = x < w && (colInk[x] ?? 0) >= minInk;
      if (inked) {
        if (runStart < 0 || x - lastInk > maxGap) runStart = x;
        lastInk = x;
        if (!best || x - runStart > best[1] - best[0]) best = [runStart, x];
      }
    }
    if (!best || best[1] - best[0] < charHeight * 8) continue;
    // MRZ rows are 30–44 separate glyphs (fillers included); an edge or a rule is one long run.
    const midTop = top + Math.floor((bottom - top) / 3);
    const midBottom = bottom - Math.floor((bottom - top) / 3);
    let glyphs = 0;
    let inGlyph = false;
    for (let x = best[0]; x <= best[1]; x++) {
      let ink = false;
      for (let y = midTop; y < midBottom && !ink; y++) ink = (th.data[y * w + x] ?? 0) > t;
      if (ink && !inGlyph) glyphs++;
      inGlyph = ink;
    }
    if (glyphs < 12) continue;
    out.push({ top, bottom, left: best[0], right: best[1] + 1 });
  }
  // MRZ lines share one length; much shorter rows are other text caught in the band.
  const longest = Math.max(0, ...out.map((r) => r.right - r.left));
  return out.filter((r) => r.right - r.left >= 0.6 * longest);
}
