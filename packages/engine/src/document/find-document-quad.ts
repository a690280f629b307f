/**
 * Finds the document's quadrilateral in a photo and warps it to a flat rectangle. The approach is
 * deliberately simple: on a ~400 px grey copy, strong gradients form the document's outline; a flood
 * fill from the image border marks the background; what the fill cannot reach is the document. Its
 * convex hull gives the largest inscribed quadrilateral. Anything implausible (too small, too large,
 * not quad-shaped, wrong aspect ratio) returns null and the caller uses the whole image.
 * @module
 */
import { bilinearRgb, dilate, type GrayImage, otsuThreshold, type Point, type RgbImage } from "./raster.ts";

/** Corners in image pixels: top-left, top-right, bottom-right, bottom-left. */
export type Quad = readonly [Point, Point, Point, Point];

/**
 * Document shapes we accept (long side / short side): ID-1 1.586, TD2/TD3 1.42, with slack for
 * perspective. The lower bound also keeps out a passport photo (35 × 45 mm, 1.29) inside a scan.
 */
const MIN_ASPECT = 1.3;
const MAX_ASPECT = 1.85;

export function findDocumentQuad(gray: GrayImage): Quad | null {
  const { width: w, height: h, data } = gray;
  if (w < 32 || h < 32) return null;
  const mag = new Uint8Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const tl = data[i - w - 1] ?? 0;
      const tc = data[i - w] ?? 0;
      const tr = data[i - w + 1] ?? 0;
      const ml = data[i - 1] ?? 0;
      const mr = data[i + 1] ?? 0;
      const bl = data[i + w - 1] ?? 0;
      const bc = data[i + w] ?? 0;
      const br = data[i + w + 1] ?? 0;
      const gx = tr + 2 * mr + br - tl - 2 * ml - bl;
      const gy = bl + 2 * bc + br - tl - 2 * tc - tr;
      mag[i] = Math.min(255, (Math.abs(gx) + Math.abs(gy)) >> 3);
    }
  }
  const t = Math.max(otsuThreshold(mag), 12);
  const edges = new Uint8Array(w * h);
  for (let i = 0; i < edges.length; i++) edges[i] = (mag[i] ?? 0) > t ? 255 : 0;
  const wall = dilate({ width: w, height: h, data: edges }, 3, 3).data;

  // Flood the background from every border pixel that is not an edge.
  const outside = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  let sp = 0;
  const seed = (i: number) => {
    if (!outside[i] && !wall[i]) {
      outside[i] = 1;
      stack[sp++] = i;
    }
  };
  for (let x = 0; x < w; x++) {
    seed(x);
    seed((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    seed(y * w);
    seed(y * w + w - 1);
  }
  while (sp > 0) {
    const i = stack[--sp] ?? 0;
    const x = i % w;
    if (x > 0) seed(i - 1);
    if (x < w - 1) seed(i + 1);
    if (i >= w) seed(i - w);
    if (i < w * (h - 1)) seed(i + w);
  }
  // The largest region the flood did not reach (walls included, so the outline counts as document).
  const label = new Int32Array(w * h).fill(-1);
  let bestArea = 0;
  let bestLabel = -1;
  let next = 0;
  for (let s = 0; s < w * h; s++) {
    if (outside[s] || label[s] !== -1) continue;
    let n = 0;
    sp = 0;
    stack[sp++] = s;
    label[s] = next;
    while (sp > 0) {
      const i = stack[--sp] ?? 0;
      n++;
      const x = i % w;
      const visit = (j: number) => {
        if (!outside[j] && label[j] === -1) {
          label[j] = next;
          stack[sp++] = j;
        }
      };
      if (x > 0) visit(i - 1);
      if (x < w - 1) visit(i + 1);
      if (i >= w) visit(i - w);
      if (i < w * (h - 1)) visit(i + w);
    }
    if (n > bestArea) {
      bestArea = n;
      bestLabel = next;
    }
    next++;
  }
  if (bestLabel < 0) return null;
  const areaShare = bestArea / (w * h);
  // Small documents in a wide shot are fine; a wrong small quad only costs a retry on the whole image.
  if (areaShare < 0.05 || areaShare > 0.97) return null;

  // Outline points: for each row, the leftmost and rightmost pixel of the region.
  const pts: Point[] = [];
  for (let y = 0; y < h; y++) {
    let lo = -1;
    let hi = -1;
    for (let x = 0; x < w; x++) {
      if (label[y * w + x] === bestLabel) {
        if (lo < 0) lo = x;
        hi = x;
      }
    }
    if (lo >= 0) pts.push([lo, y], [hi + 1, y]);
  }
  const hull = convexHull(pts);
  const quad = largestQuad(hull);
  if (!quad) return null;
  const quadArea = polygonArea(quad);
  // A document region fills its quadrilateral; a blob of clutter does not.
  if (bestArea / quadArea < 0.85 || quadArea / (w * h) > 0.98) return null;
  const ordered = orderCorners(quad);
  const top = dist(ordered[0], ordered[1]);
  const bottom = dist(ordered[3], ordered[2]);
  const left = dist(ordered[0], ordered[3]);
  const right = dist(ordered[1], ordered[2]);
  const aspect = Math.max(top + bottom, left + right) / Math.max(1, Math.min(top + bottom, left + right));
  if (aspect < MIN_ASPECT || aspect > MAX_ASPECT) return null;
  return ordered;
}

function dist(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Andrew's monotone chain; returns the hull counter-clockwise (in image coordinates: clockwise on screen). */
export function convexHull(points: readonly Point[]): Point[] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const lower: Point[] = [];
  for (const q of p) {
    while (
      lower.length >= 2 &&
      cross(lower[lower.length - 2] as Point, lower[lower.length - 1] as Point, q) <= 0
    ) {
      lower.pop();
    }
    lower.push(q);
  }
  const upper: Point[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i] as Point;
    while (
      upper.length >= 2 &&
      cross(upper[upper.length - 2] as Point, upper[upper.length - 1] as Point, q) <= 0
    ) {
      upper.pop();
    }
    upper.push(q);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

function polygonArea(poly: readonly Point[]): number {
  let a = 0;
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i] as Point;
    const q = poly[(i + 1) % poly.length] as Point;
    a += p[0] * q[1] - q[0] * p[1];
  }
  return Math.abs(a) / 2;
}

/** Largest-area quadrilateral with corners on the hull (hull thinned to ≤ 64 points first). */
function largestQuad(hullIn: readonly Point[]): Point[] | null {
  const step = Math.max(1, Math.ceil(hullIn.length / 64));
  const hull = hullIn.filter((_, i) => i % step === 0);
  const n = hull.length;
  if (n < 4) return null;
  const tri = (a: number, b: number, c: number) =>
    Math.abs(cross(hull[a] as Point, hull[b] as Point, hull[c] as Point)) / 2;
  let best = -1;
  let quad: Point[] | null = null;
  for (let i = 0; i < n; i++) {
    for (let k = i + 2; k < n; k++) {
      let bj = -1;
      let aj = -1;
      for (let j = i + 1; j < k; j++) {
        const a = tri(i, j, k);
        if (a > aj) {
          aj = a;
          bj = j;
        }
      }
      let bl = -1;
      let al = -1;
      for (let l = k + 1; l < n + i; l++) {
        const a = tri(k, l % n, i);
        if (a > al) {
          al = a;
          bl = l % n;
        }
      }
      if (bj < 0 || bl < 0) continue;
      if (aj + al > best) {
        best = aj + al;
        quad = [hull[i] as Point, hull[bj] as Point, hull[k] as Point, hull[bl] as Point];
      }
    }
  }
  return quad;
}

/** Orders 4 corners as top-left, top-right, bottom-right, bottom-left (by angle around the centre). */
export function orderCorners(pts: readonly Point[]): Quad {
  const cx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const cy = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  const sorted = [...pts].sort((a, b) => Math.atan2(a[1] - cy, a[0] - cx) - Math.atan2(b[1] - cy, b[0] - cx));
  // atan2 order starts near −π (left); rotate so the corner with the smallest x + y comes first.
  let start = 0;
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i] as Point;
    const s = sorted[start] as Point;
    if (p[0] + p[1] < s[0] + s[1]) start = i;
  }
  const r = [0, 1, 2, 3].map((i) => sorted[(start + i) % 4] as Point);
  return [r[0] as Point, r[1] as Point, r[2] as Point, r[3] as Point];
}

/** Solves the 3×3 homography that maps `from[i]` to `to[i]` (4 point pairs). */
export function homography(from: readonly Point[], to: readonly Point[]): number[] {
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i] as Point;
    const [u, v] = to[i] as Point;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    b.push(u);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    b.push(v);
  }
  // Gaussian elimination with partial pivoting on the 8×8 system.
  for (let c = 0; c < 8; c++) {
    let piv = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r]?.[c] ?? 0) > Math.abs(a[piv]?.[c] ?? 0)) piv = r;
    [a[c], a[piv]] = [a[piv] as number[], a[c] as number[]];
    [b[c], b[piv]] = [b[piv] as number, b[c] as number];
    const rowC = a[c] as number[];
    const d = rowC[c] ?? 1;
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const row = a[r] as number[];
      const f = (row[c] ?? 0) / d;
      if (f === 0) continue;
      for (let k = c; k < 8; k++) row[k] = (row[k] ?? 0) - f * (rowC[k] ?? 0);
      b[r] = (b[r] ?? 0) - f * (b[c] ?? 0);
    }
  }
  const hm = b.map((v, i) => v / (a[i]?.[i] ?? 1));
  return [...hm, 1];
}

/** Warps the quad of `img` to an upright `outW`×`outH` rectangle (inverse mapping, bilinear). */
export function warpQuad(img: RgbImage, quad: Quad, outW: number, outH: number): RgbImage {
  const rect: Point[] = [
    [0, 0],
    [outW, 0],
    [outW, outH],
    [0, outH],
  ];
  const m = homography(rect, quad);
  const out = new Uint8Array(outW * outH * 3);
  const [m0 = 0, m1 = 0, m2 = 0, m3 = 0, m4 = 0, m5 = 0, m6 = 0, m7 = 0] = m;
  for (let y = 0; y < outH; y++) {
    const v = y + 0.5;
    for (let x = 0; x < outW; x++) {
      const u = x + 0.5;
      const d = m6 * u + m7 * v + 1;
      const sx = (m0 * u + m1 * v + m2) / d;
      const sy = (m3 * u + m4 * v + m5) / d;
      bilinearRgb(img.data, img.width, img.height, sx - 0.5, sy - 0.5, out, (y * outW + x) * 3);
    }
  }
  return { width: outW, height: outH, data: out };
}

/** Output size for a quad: the longer of each pair of opposite sides, capped at `maxSide`. */
export function warpSize(quad: Quad, maxSide: number): { width: number; height: number } {
  const w = Math.max(dist(quad[0], quad[1]), dist(quad[3], quad[2]));
  const h = Math.max(dist(quad[0], quad[3]), dist(quad[1], quad[2]));
  const s = Math.min(1, maxSide / Math.max(w, h));
  return { width: Math.max(8, Math.round(w * s)), height: Math.max(8, Math.round(h * s)) };
}
