import type { FaceBox, RandomSource, RgbImage } from "./liveness-types.ts";
import { randomIntIn } from "./random-source.ts";

/** Saturated screen colours; their reflections are far apart in chromaticity. */
export const FLASH_PALETTE = {
  red: [255, 0, 0],
  green: [0, 255, 0],
  blue: [0, 0, 255],
  cyan: [0, 255, 255],
  magenta: [255, 0, 255],
  yellow: [255, 255, 0],
} as const satisfies Record<string, readonly [number, number, number]>;

export type FlashColor = keyof typeof FLASH_PALETTE;

export interface FlashSegment {
  readonly color: FlashColor;
  readonly rgb: readonly [number, number, number];
  /** Start of the segment in ms since the challenge started. */
  readonly startMs: number;
  readonly durationMs: number;
}

export interface FlashChallenge {
  /** Neutral (no flash) period at the start; frames in it form the baseline. */
  readonly leadInMs: number;
  readonly segments: readonly FlashSegment[];
  /** Neutral period after the last colour, so a drift can be told from a response. */
  readonly tailMs: number;
  readonly totalMs: number;
}

export interface FlashChallengeOptions {
  /** Number of colours, drawn from [min, max]. @default [4, 6] */
  readonly count?: readonly [number, number];
  /** Duration of each colour in ms, drawn from [min, max]. @default [300, 500] */
  readonly durationMs?: readonly [number, number];
  /** @default 500 */
  readonly leadInMs?: number;
  /** @default 400 */
  readonly tailMs?: number;
}

/** A random colour sequence with no two consecutive colours equal. */
export function createFlashChallenge(rng: RandomSource, options: FlashChallengeOptions = {}): FlashChallenge {
  const [cMin, cMax] = options.count ?? [4, 6];
  const [dMin, dMax] = options.durationMs ?? [300, 500];
  const leadInMs = options.leadInMs ?? 500;
  const tailMs = options.tailMs ?? 400;
  const names = Object.keys(FLASH_PALETTE) as FlashColor[];
  const n = randomIntIn(rng, cMin, cMax);
  const segments: FlashSegment[] = [];
  let t = leadInMs;
  let prev: FlashColor | null = null;
  for (let i = 0; i < n; i++) {
    const pool = names.filter((c) => c !== prev);
    const color = pool[Math.floor(rng.float() * pool.length)] ?? "red";
    const durationMs = randomIntIn(rng, dMin, dMax);
    segments.push({ color, rgb: FLASH_PALETTE[color], startMs: t, durationMs });
    t += durationMs;
    prev = color;
  }
  return { leadInMs, segments, tailMs, totalMs: t + tailMs };
}

export interface FlashFrame {
  /** ms since the challenge started (the client's clock for the first colour is `leadInMs`). */
  readonly t: number;
  readonly image: RgbImage;
  readonly face: FaceBox;
}

export interface FlashCheckOptions {
  /** Largest display-to-camera lag searched, ms. @default 250 */
  readonly maxLagMs?: number;
  /** Frames this soon after a colour change are ignored (screen and exposure settle). @default 60 */
  readonly settleMs?: number;
  /** Minimum correlation between expected and measured tint (random wrong sequences reached 0.65 in simulation). @default 0.75 */
  readonly minCorrelation?: number;
  /** Minimum fitted chroma gain (rg-chromaticity per unit tint): rejects "no visible response". @default 0.01 */
  readonly minGain?: number;
  /**
   * Largest background/face gain ratio still counted as face-localised. Simulated genuine
   * responses reached 0.17, global tints 0.39 (pale clipped backgrounds) to 1.15. @default 0.3
   */
  readonly maxGlobalRatio?: number;
  /**
   * Colours whose measured shift must point closest to the expected (skin-weighted) colour. In
   * simulation genuine responses missed at most one colour, while wrong sequences that happened to
   * correlate above 0.6 missed two or more. @default segments − 1
   */
  readonly minSegmentsMatched?: number;
}

export interface FlashSegmentResult {
  readonly color: FlashColor;
  readonly frames: number;
  /** Measured chromaticity shift of the face (r, g, b; drift removed), relative to baseline. */
  readonly shift: readonly [number, number, number];
  /** Palette colour whose expected shift is closest in direction to the measured one. */
  readonly nearestColor: FlashColor | null;
  readonly matches: boolean;
}

export interface FlashCheckResult {
  readonly passed: boolean;
  /** 1 − max(0, correlation): attack likelihood in [0, 1]. */
  readonly attackScore: number;
  readonly correlation: number;
  readonly lagMs: number;
  /** Fitted face chroma gain per unit of expected tint. */
  readonly gain: number;
  /** Same fit on the background ring, null if no background is visible. */
  readonly backgroundGain: number | null;
  /** backgroundGain / gain; near 1 means the whole frame changed colour (a global tint). */
  readonly globalRatio: number | null;
  readonly segments: readonly FlashSegmentResult[];
  readonly segmentsMatched: number;
  readonly baselineFrames: number;
  readonly reasons: readonly string[];
}

type Vec3 = [number, number, number];

/**
 * Expected chromaticity displacement of a surface of chromaticity `base` lit by a flash colour:
 * the light it reflects is base ⊙ colour, so the shift points from `base` to that chromaticity.
 * Skin reflects little blue, so a blue flash moves skin less, and differently, than grey.
 */
export function expectedTint(
  rgb: readonly [number, number, number],
  base: Vec3 = [1 / 3, 1 / 3, 1 / 3],
): Vec3 {
  const v = [base[0] * rgb[0], base[1] * rgb[1], base[2] * rgb[2]];
  const s = (v[0] ?? 0) + (v[1] ?? 0) + (v[2] ?? 0);
  if (s <= 0) return [0, 0, 0];
  return [(v[0] ?? 0) / s - base[0], (v[1] ?? 0) / s - base[1], (v[2] ?? 0) / s - base[2]];
}

interface RegionChroma {
  face: Vec3 | null;
  background: Vec3 | null;
}

/**
 * Pixels usable for chroma in every frame of a clip: not too dark and not blown out in the
 * reference (lead-in) frame. Fixing the set per clip matters: with a per-frame test, a bright
 * background pushed into clipping by a tinted frame drops out of exactly the frames that carry
 * the tint, which hid global tints on pale backgrounds.
 */
export function eligiblePixels(image: RgbImage): Uint8Array {
  const n = image.width * image.height;
  const ok = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const r = image.data[3 * p] ?? 0;
    const g = image.data[3 * p + 1] ?? 0;
    const b = image.data[3 * p + 2] ?? 0;
    ok[p] = r + g + b >= 60 && Math.max(r, g, b) <= 250 ? 1 : 0;
  }
  return ok;
}

/**
 * Mean rgb-chromaticity of well-exposed pixels in the face centre and in a background ring.
 * `eligible` (from {@link eligiblePixels} on a reference frame of the same size) fixes which
 * pixels count; without it each frame is screened on its own.
 */
export function measureChroma(image: RgbImage, face: FaceBox, eligible?: Uint8Array): RegionChroma {
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const acc = { face: [0, 0, 0, 0], bg: [0, 0, 0, 0] };
  const step = Math.max(1, Math.floor(Math.min(image.width, image.height) / 200));
  for (let y = 0; y < image.height; y += step) {
    for (let x = 0; x < image.width; x += step) {
      const dx = (x - cx) / (face.width / 2);
      const dy = (y - cy) / (face.height / 2);
      const r2 = dx * dx + dy * dy;
      // Face: inner ellipse (skin, away from hair and background). Background: outside 2× the
      // head's half-size and not below the chin (the torso is as close to the screen as the face).
      const target = r2 < 0.45 ? acc.face : r2 > 4 && dy < 1.2 ? acc.bg : null;
      if (!target) continue;
      const p = y * image.width + x;
      const i = 3 * p;
      const r = image.data[i] ?? 0;
      const g = image.data[i + 1] ?? 0;
      const b = image.data[i + 2] ?? 0;
      const s = r + g + b;
      if (eligible ? eligible[p] !== 1 || s <= 0 : s < 60 || Math.max(r, g, b) > 250) continue;
      target[0] = (target[0] ?? 0) + r / s;
      target[1] = (target[1] ?? 0) + g / s;
      target[2] = (target[2] ?? 0) + b / s;
      target[3] = (target[3] ?? 0) + 1;
    }
  }
  const mean = (a: number[]): Vec3 | null => {
    const n = a[3] ?? 0;
    return n >= 20 ? [(a[0] ?? 0) / n, (a[1] ?? 0) / n, (a[2] ?? 0) / n] : null;
  };
  return { face: mean(acc.face), background: mean(acc.bg) };
}

/** Index of the segment shown at time `t` (ms since start), −1 for neutral periods. */
function segmentAt(challenge: FlashChallenge, t: number): number {
  return challenge.segments.findIndex((s) => t >= s.startMs && t < s.startMs + s.durationMs);
}

interface Fit {
  correlation: number;
  gain: number;
  weights: number[];
}

/**
 * Per channel, regress measured chroma on [1, t, expected tint] with the tint gain shared by
 * the channels. The constant and slope absorb the baseline and slow auto-white-balance drift.
 */
function fitTint(times: number[], values: Vec3[], expected: Vec3[], weights: number[]): Fit {
  let num = 0;
  let denE = 0;
  let denY = 0;
  for (let c = 0; c < 3; c++) {
    const y = values.map((v) => v[c] ?? 0);
    const e = expected.map((v) => v[c] ?? 0);
    const yr = residualise(times, y, weights);
    const er = residualise(times, e, weights);
    for (let k = 0; k < times.length; k++) {
      const w = weights[k] ?? 0;
      num += w * (yr[k] ?? 0) * (er[k] ?? 0);
      denE += w * (er[k] ?? 0) ** 2;
      denY += w * (yr[k] ?? 0) ** 2;
    }
  }
  return {
    correlation: denE > 0 && denY > 0 ? num / Math.sqrt(denE * denY) : 0,
    gain: denE > 0 ? num / denE : 0,
    weights,
  };
}

/** Weighted residual of `y` after removing its best fit by a + b·t. */
function residualise(t: number[], y: number[], w: number[]): number[] {
  let sw = 0;
  let st = 0;
  let sy = 0;
  for (let k = 0; k < t.length; k++) {
    const wk = w[k] ?? 0;
    sw += wk;
    st += wk * (t[k] ?? 0);
    sy += wk * (y[k] ?? 0);
  }
  const mt = st / Math.max(sw, 1e-9);
  const my = sy / Math.max(sw, 1e-9);
  let stt = 0;
  let sty = 0;
  for (let k = 0; k < t.length; k++) {
    const wk = w[k] ?? 0;
    const dt = (t[k] ?? 0) - mt;
    stt += wk * dt * dt;
    sty += wk * dt * ((y[k] ?? 0) - my);
  }
  const b = stt > 0 ? sty / stt : 0;
  return y.map((v, k) => v - my - b * ((t[k] ?? 0) - mt));
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return na > 0 && nb > 0 ? d / Math.sqrt(na * nb) : 0;
}

/**
 * Checks that the face reflected the challenge's colour sequence: measures the face-skin
 * chromaticity per frame, searches the display-to-camera lag, and correlates the measured tint
 * with the expected one after removing baseline and linear drift. A background ring is fitted
 * the same way to tell a face-localised reflection from a global colour change.
 */
export function checkFlashResponse(input: {
  readonly challenge: FlashChallenge;
  readonly frames: readonly FlashFrame[];
  readonly options?: FlashCheckOptions;
}): FlashCheckResult {
  const { challenge, frames } = input;
  const o = input.options ?? {};
  const maxLag = o.maxLagMs ?? 250;
  const settle = o.settleMs ?? 60;
  const minCorrelation = o.minCorrelation ?? 0.75;
  const minGain = o.minGain ?? 0.01;
  const maxGlobalRatio = o.maxGlobalRatio ?? 0.3;
  const sortedFrames = [...frames].sort((a, b) => a.t - b.t);
  const ref = sortedFrames.find((f) => f.t < challenge.leadInMs) ?? sortedFrames[0];
  const sameSize = (f: FlashFrame): boolean =>
    ref !== undefined && f.image.width === ref.image.width && f.image.height === ref.image.height;
  const refSet = ref ? eligiblePixels(ref.image) : undefined;
  // Strict set: well exposed in every frame, so no frame's tint pushes a pixel into clipping
  // (clipping compresses a tinted bright background's response and made global tints look local).
  const allSet = refSet ? Uint8Array.from(refSet) : undefined;
  for (const f of sortedFrames) {
    if (!allSet || f === ref || !sameSize(f)) continue;
    const ok = eligiblePixels(f.image);
    for (let p = 0; p < allSet.length; p++) allSet[p] = (allSet[p] ?? 0) & (ok[p] ?? 0);
  }
  const measureWith = (set: Uint8Array | undefined) =>
    sortedFrames.map((f) => ({ t: f.t, ...measureChroma(f.image, f.face, sameSize(f) ? set : undefined) }));
  let measured = measureWith(allSet);
  const faces = measured.filter((m) => m.face !== null).length;
  const strictSet = faces >= 8 && measured.filter((m) => m.background !== null).length >= 0.8 * faces;
  // A pale background that clips under the tint leaves no strict pixels: fall back to the
  // reference frame's set (the background's response is then understated, hence the low threshold).
  if (!strictSet) measured = measureWith(refSet);
  const usable = measured.filter((m): m is typeof m & { face: Vec3 } => m.face !== null);
  const times = usable.map((m) => m.t);
  const values = usable.map((m) => m.face);
  // Baseline skin chromaticity from the lead-in (no flash yet, whatever the lag).
  const lead = usable.filter((m) => m.t < challenge.leadInMs);
  const skin = meanVec3(lead.map((m) => m.face));
  let best: { lag: number; fit: Fit; seg: number[] } | null = null;
  for (let lag = 0; lag <= maxLag; lag += 10) {
    const seg = times.map((t) => segmentAt(challenge, t - lag));
    const expected = seg.map((s): Vec3 => {
      const sg = challenge.segments[s];
      return sg ? expectedTint(sg.rgb, skin) : [0, 0, 0];
    });
    const weights = times.map((t, k) => {
      const s = seg[k] ?? -1;
      const sg = challenge.segments[s];
      const since = sg ? t - lag - sg.startMs : t - lag - lastChangeBefore(challenge, t - lag);
      return since < settle ? 0 : 1;
    });
    const fit = fitTint(times, values, expected, weights);
    if (!best || fit.correlation > best.fit.correlation) best = { lag, fit, seg };
  }
  const reasons: string[] = [];
  const baselineFrames = usable.filter((m) => m.t < challenge.leadInMs).length;
  if (!best || usable.length < 8) {
    return {
      passed: false,
      attackScore: 1,
      correlation: 0,
      lagMs: 0,
      gain: 0,
      backgroundGain: null,
      globalRatio: null,
      segments: [],
      segmentsMatched: 0,
      baselineFrames,
      reasons: ["too few frames with a measurable face"],
    };
  }
  const palette = Object.entries(FLASH_PALETTE) as Array<[FlashColor, readonly [number, number, number]]>;
  const { fit, lag } = best;
  // Per-segment shifts are measured against a drift line through the neutral frames only.
  const neutral = usable.filter((_, k) => (best?.seg[k] ?? -1) === -1 && (fit.weights[k] ?? 0) > 0);
  const line = neutralLine(neutral);
  const r3 = (v: number): number => Math.round(v * 10000) / 10000;
  const segments: FlashSegmentResult[] = challenge.segments.map((sg, i) => {
    const mean: Vec3 = [0, 0, 0];
    let n = 0;
    usable.forEach((m, k) => {
      if ((best?.seg[k] ?? -1) !== i || (fit.weights[k] ?? 0) === 0) return;
      const base = line(m.t);
      mean[0] += m.face[0] - base[0];
      mean[1] += m.face[1] - base[1];
      mean[2] += m.face[2] - base[2];
      n++;
    });
    if (n > 0) for (let c = 0; c < 3; c++) mean[c] = (mean[c] ?? 0) / n;
    let nearest: FlashColor | null = null;
    let bestCos = -2;
    for (const [name, rgb] of palette) {
      const c = cosine(mean, expectedTint(rgb, skin));
      if (n > 0 && c > bestCos) {
        bestCos = c;
        nearest = name;
      }
    }
    return {
      color: sg.color,
      frames: n,
      shift: [r3(mean[0]), r3(mean[1]), r3(mean[2])],
      nearestColor: nearest,
      matches: nearest === sg.color,
    };
  });
  const segmentsMatched = segments.filter((s) => s.matches).length;
  let backgroundGain: number | null = null;
  const bgUsable = measured.filter((m): m is typeof m & { background: Vec3 } => m.background !== null);
  if (bgUsable.length >= usable.length * 0.8) {
    const bt = bgUsable.map((m) => m.t);
    const bgBase = meanVec3(bgUsable.filter((m) => m.t < challenge.leadInMs).map((m) => m.background));
    const bseg = bt.map((t) => segmentAt(challenge, t - lag));
    const bexp = bseg.map((s): Vec3 => {
      const sg = challenge.segments[s];
      return sg ? expectedTint(sg.rgb, bgBase) : [0, 0, 0];
    });
    const bw = bt.map((t, k) => {
      const sg = challenge.segments[bseg[k] ?? -1];
      const since = sg ? t - lag - sg.startMs : t - lag - lastChangeBefore(challenge, t - lag);
      return since < settle ? 0 : 1;
    });
    backgroundGain = fitTint(
      bt,
      bgUsable.map((m) => m.background),
      bexp,
      bw,
    ).gain;
  }
  const globalRatio = backgroundGain !== null && fit.gain > 0 ? backgroundGain / fit.gain : null;
  if (fit.correlation < minCorrelation)
    reasons.push(`correlation ${fit.correlation.toFixed(2)} < ${minCorrelation}`);
  if (fit.gain < minGain) reasons.push(`tint gain ${fit.gain.toFixed(4)} < ${minGain}`);
  const minMatched = o.minSegmentsMatched ?? challenge.segments.length - 1;
  if (segmentsMatched < minMatched) {
    reasons.push(`only ${segmentsMatched}/${challenge.segments.length} colours recognised`);
  }
  if (globalRatio !== null && globalRatio > maxGlobalRatio) {
    reasons.push(`background changed colour like the face (ratio ${globalRatio.toFixed(2)})`);
  }
  if (baselineFrames < 2) reasons.push("fewer than 2 baseline frames before the first colour");
  const r4 = (v: number): number => Math.round(v * 10000) / 10000;
  return {
    passed: reasons.length === 0,
    attackScore: r4(1 - Math.max(0, fit.correlation)),
    correlation: r4(fit.correlation),
    lagMs: lag,
    gain: r4(fit.gain),
    backgroundGain: backgroundGain === null ? null : r4(backgroundGain),
    globalRatio: globalRatio === null ? null : r4(globalRatio),
    segments,
    segmentsMatched,
    baselineFrames,
    reasons,
  };
}

/** Component-wise mean; grey when there is nothing to average. */
function meanVec3(vs: readonly Vec3[]): Vec3 {
  if (vs.length === 0) return [1 / 3, 1 / 3, 1 / 3];
  const acc: Vec3 = [0, 0, 0];
  for (const v of vs) {
    acc[0] += v[0];
    acc[1] += v[1];
    acc[2] += v[2];
  }
  return [acc[0] / vs.length, acc[1] / vs.length, acc[2] / vs.length];
}

function lastChangeBefore(challenge: FlashChallenge, t: number): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const s of challenge.segments) {
    const end = s.startMs + s.durationMs;
    if (end <= t) last = Math.max(last, end);
  }
  return last;
}

/** Least-squares line a + b·t through the neutral frames' chroma (constant if they span no time). */
function neutralLine(points: ReadonlyArray<{ t: number; face: Vec3 }>): (t: number) => Vec3 {
  if (points.length === 0) return () => [1 / 3, 1 / 3, 1 / 3];
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const stt = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  const coef = [0, 1, 2].map((c) => {
    const my = points.reduce((a, p) => a + (p.face[c] ?? 0), 0) / n;
    const sty = points.reduce((a, p) => a + (p.t - mt) * ((p.face[c] ?? 0) - my), 0);
    return { my, b: stt > 1e-9 ? sty / stt : 0 };
  });
  return (t) => {
    const v = coef.map((k) => k.my + k.b * (t - mt));
    return [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0];
  };
}
