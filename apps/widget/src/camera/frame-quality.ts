/**
 * Capture quality, pure: measures a small grey frame of the outlined area (brightness, glare,
 * sharpness, motion against the previous frame) and decides when a document is steady, sharp and
 * well lit long enough to take the photo by itself. No DOM: the camera code feeds it pixels.
 * @module
 */

export interface GreyFrame {
  readonly width: number;
  readonly height: number;
  /** One byte of luma per pixel, row-major. */
  readonly data: Uint8Array | Uint8ClampedArray;
}

export interface FrameMeasures {
  /** Mean luma, 0…255. */
  brightness: number;
  /** Share of pixels at ≥ 250 (specular glare on laminate). */
  glare: number;
  /** Variance of the 4-neighbour Laplacian: high for crisp print, low for blur. */
  sharpness: number;
  /** Mean absolute luma change from the previous frame; null for the first frame. */
  motion: number | null;
}

export type QualityIssue = "dark" | "glare" | "blurry" | "moving";

export interface QualityThresholds {
  /** @default 60 */
  minBrightness: number;
  /** White paper under good light sits just below clipping; only a real hot spot passes this. @default 0.1 */
  maxGlare: number;
  /**
   * On a 160-px-wide crop a crisp rendered passport measures ~2000 and a slightly defocused one < 10;
   * the margin is wide because real cameras add noise. @default 100
   */
  minSharpness: number;
  /** @default 6 */
  maxMotion: number;
}

export const DEFAULT_THRESHOLDS: QualityThresholds = {
  minBrightness: 60,
  maxGlare: 0.1,
  minSharpness: 100,
  maxMotion: 6,
};

/** Rec. 601 luma of RGBA pixels (what a canvas gives), for `measureFrame`. */
export function toGrey(rgba: Uint8ClampedArray, width: number, height: number): GreyFrame {
  const data = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < data.length; i++, p += 4) {
    data[i] = ((rgba[p] ?? 0) * 77 + (rgba[p + 1] ?? 0) * 150 + (rgba[p + 2] ?? 0) * 29) >> 8;
  }
  return { width, height, data };
}

export function measureFrame(frame: GreyFrame, previous: GreyFrame | null): FrameMeasures {
  const { width: w, height: h, data } = frame;
  const n = w * h;
  let sum = 0;
  let bright = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i] ?? 0;
    sum += v;
    if (v >= 250) bright++;
  }
  let lapSum = 0;
  let lapSq = 0;
  let count = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const lap =
        4 * (data[i] ?? 0) -
        (data[i - 1] ?? 0) -
        (data[i + 1] ?? 0) -
        (data[i - w] ?? 0) -
        (data[i + w] ?? 0);
      lapSum += lap;
      lapSq += lap * lap;
      count++;
    }
  }
  const lapMean = count > 0 ? lapSum / count : 0;
  let motion: number | null = null;
  if (previous && previous.width === w && previous.height === h) {
    let diff = 0;
    for (let i = 0; i < n; i++) diff += Math.abs((data[i] ?? 0) - (previous.data[i] ?? 0));
    motion = n > 0 ? diff / n : 0;
  }
  return {
    brightness: n > 0 ? sum / n : 0,
    glare: n > 0 ? bright / n : 0,
    sharpness: count > 0 ? lapSq / count - lapMean * lapMean : 0,
    motion,
  };
}

/** The first problem to tell the person about, or null when the frame is good. */
export function qualityIssue(
  m: FrameMeasures,
  th: QualityThresholds = DEFAULT_THRESHOLDS,
): QualityIssue | null {
  if (m.brightness < th.minBrightness) return "dark";
  if (m.glare > th.maxGlare) return "glare";
  if (m.motion === null || m.motion > th.maxMotion) return "moving";
  if (m.sharpness < th.minSharpness) return "blurry";
  return null;
}

/**
 * Takes the photo once `goodFrames` consecutive frames pass, and not before `warmupMs` after the
 * camera started (the person needs a moment to place the document; exposure settles meanwhile).
 */
export function createAutoCapture(opts: { goodFrames?: number; warmupMs?: number } = {}) {
  const needed = opts.goodFrames ?? 4;
  const warmup = opts.warmupMs ?? 1500;
  let streak = 0;
  return {
    /** Feeds one frame's verdict at `elapsedMs` since the camera started; true when it is time to shoot. */
    next(issue: QualityIssue | null, elapsedMs: number): boolean {
      streak = issue === null ? streak + 1 : 0;
      return elapsedMs >= warmup && streak >= needed;
    },
  };
}
