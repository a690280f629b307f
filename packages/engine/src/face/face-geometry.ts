/**
 * Geometry on 68-point (iBUG order) landmarks: crop transforms for the landmark net and the descriptor,
 * head pose, and the frame-edge test.
 * @module
 */
import type { FaceBox, HeadPose, Point2 } from "./face-types.ts";
import type { Affine } from "./warp-image.ts";

const DEG = 180 / Math.PI;

/**
 * face-api feeds its landmark net the detection box padded to a centred square with black bars; this
 * is the same crop as an affine map from a `size`² chip to the image (the caller clips to the box).
 */
export function boxCropTransform(box: FaceBox, size: number): Affine {
  const side = Math.max(box.width, box.height);
  const s = side / size;
  return {
    a: s,
    b: 0,
    c: box.x + (box.width - side) / 2,
    d: 0,
    e: s,
    f: box.y + (box.height - side) / 2,
  };
}

function mean(points: Point2[]): Point2 {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p.x;
    y += p.y;
  }
  const n = Math.max(1, points.length);
  return { x: x / n, y: y / n };
}

export function eyeCentres(landmarks: Point2[]): { left: Point2; right: Point2 } {
  // 36–41 is the eye on the image's left (the subject's right), 42–47 the other.
  return { left: mean(landmarks.slice(36, 42)), right: mean(landmarks.slice(42, 48)) };
}

export interface AlignOptions {
  /** Chip side in pixels (150 for the dlib ResNet). */
  size: number;
  /** Margin added on each side of the landmarks' bounding box, as a fraction of its size. */
  margin: number;
  /** Rotate so that the eyes are level (false reproduces face-api's axis-aligned crop). */
  levelEyes: boolean;
}

/**
 * The descriptor crop. face-api takes the landmarks' bounding box plus 10 % per side and pads it to a
 * square; this does the same in a frame rotated so that the eyes are level, because the dlib ResNet
 * was trained on eye-levelled chips and in-plane roll otherwise leaks into the descriptor.
 */
export function alignTransform(landmarks: Point2[], opts: AlignOptions): Affine {
  const eyes = eyeCentres(landmarks);
  const theta = opts.levelEyes ? Math.atan2(eyes.right.y - eyes.left.y, eyes.right.x - eyes.left.x) : 0;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // Coordinates in the rotated frame: p' = R(-θ)·p.
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const p of landmarks) {
    const x = cos * p.x + sin * p.y;
    const y = -sin * p.x + cos * p.y;
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const w = (maxX - minX) * (1 + 2 * opts.margin);
  const h = (maxY - minY) * (1 + 2 * opts.margin);
  const side = Math.max(w, h);
  const originX = (minX + maxX) / 2 - side / 2;
  const originY = (minY + maxY) / 2 - side / 2;
  const s = side / opts.size;
  // chip (u,v) → rotated frame (originX + s·u, originY + s·v) → image p = R(θ)·p'.
  return {
    a: cos * s,
    b: -sin * s,
    c: cos * originX - sin * originY,
    d: sin * s,
    e: cos * s,
    f: sin * originX + cos * originY,
  };
}

/**
 * A generic head (x to the image's right for a frontal face, y up, z towards the camera) for
 * well-localised landmarks: nose tip and bridge, chin, eye corners, mouth corners. The depths were
 * scaled (×2.2 over the common 6-point model) so that yaw and pitch agree with Human's mesh pose on
 * the evaluation photos (least-squares slope ≈ 1), keeping one angle convention across the engine.
 */
const Z = 2.2;
const MODEL_POINTS: ReadonlyArray<readonly [number, readonly [number, number, number]]> = [
  [30, [0, 0, 0]],
  [8, [0, -63.6, -12.5 * Z]],
  [36, [-43.3, 32.7, -26 * Z]],
  [45, [43.3, 32.7, -26 * Z]],
  [48, [-28.9, -28.9, -24.1 * Z]],
  [54, [28.9, -28.9, -24.1 * Z]],
  [27, [0, 33, -19 * Z]],
  [39, [-14.5, 32.7, -24 * Z]],
  [42, [14.5, 32.7, -24 * Z]],
];

function invert3(m: number[][]): number[][] | null {
  const [r0, r1, r2] = m;
  if (!r0 || !r1 || !r2) return null;
  const [a = 0, b = 0, c = 0] = r0;
  const [d = 0, e = 0, f = 0] = r1;
  const [g = 0, h = 0, i = 0] = r2;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-9) return null;
  const k = 1 / det;
  return [
    [A * k, -(b * i - c * h) * k, (b * f - c * e) * k],
    [B * k, (a * i - c * g) * k, -(a * f - c * d) * k],
    [C * k, -(a * h - b * g) * k, (a * e - b * d) * k],
  ];
}

/**
 * Head pose from 2D landmarks by a weak-perspective (scaled orthographic) fit of the generic head:
 * least-squares 2×3 projection, orthonormalised into a rotation. Accurate to a few degrees for
 * |yaw| < 40°, which is what quality checks need; Human's mesh pose is the one for liveness.
 */
export function estimatePose(landmarks: Point2[]): HeadPose {
  const img: Point2[] = [];
  const obj: Array<readonly [number, number, number]> = [];
  for (const [index, model] of MODEL_POINTS) {
    const p = landmarks[index];
    if (p) {
      // Image y grows downwards; the model's y grows upwards.
      img.push({ x: p.x, y: -p.y });
      obj.push(model);
    }
  }
  const ic = mean(img);
  const oc = [0, 1, 2].map((k) => obj.reduce((s, o) => s + (o[k] ?? 0), 0) / Math.max(1, obj.length));
  // Normal equations: M = (Σ x·Xᵀ)(Σ X·Xᵀ)⁻¹ for centred points.
  const xx: number[][] = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const bx = [0, 0, 0];
  const by = [0, 0, 0];
  for (let i = 0; i < obj.length; i++) {
    const o = obj[i];
    const p = img[i];
    if (!o || !p) continue;
    const X = [o[0] - (oc[0] ?? 0), o[1] - (oc[1] ?? 0), o[2] - (oc[2] ?? 0)];
    const u = p.x - ic.x;
    const v = p.y - ic.y;
    for (let r = 0; r < 3; r++) {
      const row = xx[r];
      if (!row) continue;
      for (let c = 0; c < 3; c++) row[c] = (row[c] ?? 0) + (X[r] ?? 0) * (X[c] ?? 0);
      bx[r] = (bx[r] ?? 0) + u * (X[r] ?? 0);
      by[r] = (by[r] ?? 0) + v * (X[r] ?? 0);
    }
  }
  const inv = invert3(xx);
  const eyes = eyeCentres(landmarks);
  const roll = Math.atan2(eyes.right.y - eyes.left.y, eyes.right.x - eyes.left.x) * DEG;
  if (!inv) return { yaw: 0, pitch: 0, roll };
  const mul = (b: number[]): number[] =>
    [0, 1, 2].map((c) => inv.reduce((s, row, r) => s + (b[r] ?? 0) * (row[c] ?? 0), 0));
  const r1 = normalise(mul(bx));
  let r2 = mul(by);
  const dot = r1[0] * (r2[0] ?? 0) + r1[1] * (r2[1] ?? 0) + r1[2] * (r2[2] ?? 0);
  r2 = normalise([(r2[0] ?? 0) - dot * r1[0], (r2[1] ?? 0) - dot * r1[1], (r2[2] ?? 0) - dot * r1[2]]);
  const [a0, a1, a2] = r1;
  const [b0 = 0, b1 = 0, b2 = 0] = r2;
  // Third row r3 = r1 × r2: where the model's axes point along the camera's viewing axis.
  const r3 = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0];
  // The model's z axis (out of the face) seen in the image: x-component r1[2], y-component r2[2].
  const yaw = Math.atan2(-a2, r3[2] ?? 1) * DEG;
  const pitch = Math.atan2(-b2, r3[2] ?? 1) * DEG;
  return { yaw, pitch, roll };
}

function normalise(v: number[]): [number, number, number] {
  const [x = 0, y = 0, z = 0] = v;
  const n = Math.hypot(x, y, z) || 1;
  return [x / n, y / n, z / n];
}

/**
 * True when the face runs into the frame edge: the detector box touches it (SSD clips its boxes to the
 * image), or the jaw/brow landmarks fall outside it.
 */
export function isCutOff(box: FaceBox, landmarks: Point2[], width: number, height: number): boolean {
  const tol = Math.max(1, 0.005 * Math.max(width, height));
  if (box.x <= tol || box.y <= tol) return true;
  if (box.x + box.width >= width - tol || box.y + box.height >= height - tol) return true;
  return landmarks.some((p) => p.x < 0 || p.y < 0 || p.x >= width || p.y >= height);
}
