import type { Point } from "./liveness-types.ts";

/** Row-major 3×3 matrix. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];

export function applyH(h: Mat3, p: Point): Point {
  const [a, b, c, d, e, f, g, i, j] = h;
  const w = g * p[0] + i * p[1] + j;
  return [(a * p[0] + b * p[1] + c) / w, (d * p[0] + e * p[1] + f) / w];
}

export function mulH(x: Mat3, y: Mat3): Mat3 {
  const o: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      o.push(
        (x[r * 3] ?? 0) * (y[c] ?? 0) +
          (x[r * 3 + 1] ?? 0) * (y[3 + c] ?? 0) +
          (x[r * 3 + 2] ?? 0) * (y[6 + c] ?? 0),
      );
    }
  }
  return o as unknown as Mat3;
}

export function invertH(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  const k = 1 / det;
  return [
    A * k,
    -(b * i - c * h) * k,
    (b * f - c * e) * k,
    B * k,
    (a * i - c * g) * k,
    -(a * f - c * d) * k,
    C * k,
    -(a * h - b * g) * k,
    (a * e - b * d) * k,
  ];
}

/** Solves A x = b (n×n, row-major) by Gaussian elimination with partial pivoting; null if singular. */
export function solveLinear(a: readonly ArrayLike<number>[], b: ArrayLike<number>): number[] | null {
  const n = b.length;
  // The augmented working copy [A | b]; the inputs stay untouched.
  const m = a.map((row, r) => {
    const out = Array.from(row);
    out.push(b[r] ?? 0);
    return out;
  });
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[piv]?.[col] ?? 0)) piv = r;
    }
    const pr = m[piv];
    const cr = m[col];
    if (!pr || !cr || Math.abs(pr[col] ?? 0) < 1e-12) return null;
    m[piv] = cr;
    m[col] = pr;
    for (let r = 0; r < n; r++) {
      const row = m[r];
      if (r === col || !row) continue;
      const factor = (row[col] ?? 0) / (pr[col] ?? 1);
      for (let c = col; c <= n; c++) row[c] = (row[c] ?? 0) - factor * (pr[c] ?? 0);
    }
  }
  return m.map((row, r) => (row[n] ?? 0) / (row[r] ?? 1));
}

/**
 * Least squares: minimises |A x − b|² via the normal equations. Accumulates one triangle of AᵀA
 * in typed arrays, skipping zero entries (the homography and affine rows are 40–50 % zeros): the
 * same sums several times faster, which matters where a session fits a homography per liveness frame.
 */
export function leastSquares(rows: number[][], rhs: number[]): number[] | null {
  const n = rows[0]?.length ?? 0;
  const ata = Array.from({ length: n }, () => new Float64Array(n));
  const atb = new Float64Array(n);
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    if (!row) continue;
    const b = rhs[k] ?? 0;
    for (let i = 0; i < n; i++) {
      const ri = row[i] ?? 0;
      if (ri === 0) continue;
      atb[i] = (atb[i] ?? 0) + ri * b;
      const ai = ata[i];
      if (!ai) continue;
      for (let j = i; j < n; j++) ai[j] = (ai[j] ?? 0) + ri * (row[j] ?? 0);
    }
  }
  for (let i = 0; i < n; i++) {
    const ai = ata[i];
    if (!ai) continue;
    for (let j = 0; j < i; j++) ai[j] = ata[j]?.[i] ?? 0;
  }
  return solveLinear(ata, atb);
}

/** Similarity normalisation (centroid to origin, mean distance √2) for a well-conditioned DLT. */
function normaliser(pts: readonly Point[]): Mat3 {
  let mx = 0;
  let my = 0;
  for (const p of pts) {
    mx += p[0];
    my += p[1];
  }
  mx /= pts.length;
  my /= pts.length;
  let d = 0;
  for (const p of pts) d += Math.hypot(p[0] - mx, p[1] - my);
  const s = Math.SQRT2 / Math.max(1e-9, d / pts.length);
  return [s, 0, -s * mx, 0, s, -s * my, 0, 0, 1];
}

/** Homography mapping `src` onto `dst` (≥ 4 pairs) by normalised linear least squares (h33 = 1). */
export function fitHomography(src: readonly Point[], dst: readonly Point[]): Mat3 | null {
  if (src.length < 4 || src.length !== dst.length) return null;
  const ns = normaliser(src);
  const nd = normaliser(dst);
  const rows: number[][] = [];
  const rhs: number[] = [];
  src.forEach((sp, k) => {
    const dp = dst[k];
    if (!dp) return;
    const [x, y] = applyH(ns, sp);
    const [u, v] = applyH(nd, dp);
    rows.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    rhs.push(u);
    rows.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    rhs.push(v);
  });
  const h = leastSquares(rows, rhs);
  if (!h) return null;
  const hn: Mat3 = [
    h[0] ?? 0,
    h[1] ?? 0,
    h[2] ?? 0,
    h[3] ?? 0,
    h[4] ?? 0,
    h[5] ?? 0,
    h[6] ?? 0,
    h[7] ?? 0,
    1,
  ];
  return mulH(invertH(nd), mulH(hn, ns));
}

/** Affine map `src` → `dst` by least squares. */
export function fitAffine(src: readonly Point[], dst: readonly Point[]): Mat3 | null {
  const rows: number[][] = [];
  const rhs: number[] = [];
  src.forEach((sp, k) => {
    const dp = dst[k];
    if (!dp) return;
    rows.push([sp[0], sp[1], 1, 0, 0, 0]);
    rhs.push(dp[0]);
    rows.push([0, 0, 0, sp[0], sp[1], 1]);
    rhs.push(dp[1]);
  });
  const a = leastSquares(rows, rhs);
  if (!a) return null;
  return [a[0] ?? 0, a[1] ?? 0, a[2] ?? 0, a[3] ?? 0, a[4] ?? 0, a[5] ?? 0, 0, 0, 1];
}

/** Root-mean-square distance between `h(src)` and `dst`. */
export function rmsResidual(h: Mat3, src: readonly Point[], dst: readonly Point[]): number {
  let acc = 0;
  src.forEach((sp, k) => {
    const dp = dst[k];
    if (!dp) return;
    const q = applyH(h, sp);
    acc += (q[0] - dp[0]) ** 2 + (q[1] - dp[1]) ** 2;
  });
  return Math.sqrt(acc / Math.max(1, src.length));
}
