/**
 * Active liveness: a random ordered sequence of prompts (turn left/right, smile, blink) and the
 * server-side check of the per-frame face metadata the client submits.
 *
 * Prompts name the subject's OWN side: "turn_left" = turn the head to your left.
 *
 * Yaw sign convention (the face engine's, which is Human's): `yaw > 0` when the subject turns
 * towards THEIR OWN RIGHT, i.e. the nose moves towards the LEFT edge of the non-mirrored camera
 * image. So "turn_left" needs yaw ≤ −turnDeg and "turn_right" yaw ≥ +turnDeg. Checked on
 * Foreman: Human yaw +23° at frame 87–90 ("facing right" gesture) with the nose left of the jaw
 * midpoint in the image. A mirrored preview or a mirrored frame flips the sign: compute pose on
 * the frame exactly as the camera delivered it, never on the mirrored preview.
 */
import type { RandomSource } from "./liveness-types.ts";
import { randomIntIn } from "./random-source.ts";

export const ACTIVE_PROMPTS = ["turn_left", "turn_right", "smile", "blink"] as const;
export type ActivePrompt = (typeof ACTIVE_PROMPTS)[number];

export interface ActiveChallenge {
  /** 128-bit random hex; binds the submitted frames to this challenge. */
  readonly nonce: string;
  readonly prompts: readonly ActivePrompt[];
  /** Epoch ms at issue; frame times are ms since this instant. */
  readonly issuedAt: number;
  readonly windowMs: { readonly perPrompt: number; readonly total: number };
}

export interface ActiveChallengeOptions {
  /** @default 3 */
  readonly length?: number;
  /** Time allowed for each prompt after the previous one was completed. @default 5000 */
  readonly perPromptMs?: number;
  /** @default length × perPromptMs + 2000 */
  readonly totalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Random prompt sequence without immediate repeats. */
export function createActiveChallenge(
  rng: RandomSource,
  options: ActiveChallengeOptions = {},
): ActiveChallenge {
  const length = options.length ?? 3;
  const perPrompt = options.perPromptMs ?? 5000;
  const prompts: ActivePrompt[] = [];
  for (let i = 0; i < length; i++) {
    const pool = ACTIVE_PROMPTS.filter((p) => p !== prompts[i - 1]);
    prompts.push(pool[randomIntIn(rng, 0, pool.length - 1)] ?? "blink");
  }
  const nonce = Array.from(rng.bytes(16), (b) => b.toString(16).padStart(2, "0")).join("");
  return {
    nonce,
    prompts,
    issuedAt: (options.now ?? Date.now)(),
    windowMs: { perPrompt, total: options.totalMs ?? length * perPrompt + 2000 },
  };
}

export interface ActiveFrame {
  /** ms since `challenge.issuedAt` (capture time). */
  readonly t: number;
  /** Degrees; > 0 = subject turned to their own right (see the module comment). */
  readonly yaw: number;
  readonly pitch: number;
  readonly roll: number;
  /** 0 (closed) – 1 (open), both eyes; see `eyeOpennessFromRatio` for the face engine's eye ratios. */
  readonly eyeOpenness: number;
  /** 0–1 smile / happy score. */
  readonly smile: number;
  readonly embedding?: Float32Array | readonly number[];
  readonly faceCount: number;
}

export interface ActiveCheckOptions {
  /** |yaw| a turn must reach. @default 20 */
  readonly turnDeg?: number;
  /** |yaw| counted as facing the camera (needed before and between turns). @default 10 */
  readonly centreDeg?: number;
  /** Frames beyond the turn angle needed in a row. @default 2 */
  readonly turnFrames?: number;
  /** Openness below which the eyes count as closed. @default 0.25 */
  readonly blinkClosed?: number;
  /** Openness above which the eyes count as open again. @default 0.5 */
  readonly blinkOpen?: number;
  /** Longest closed interval still counted as a blink (open→closed→open). @default 400 */
  readonly blinkMaxMs?: number;
  /** Smile score needed. @default 0.6 */
  readonly smileMin?: number;
  /** Consecutive frames above `smileMin`. @default 2 */
  readonly smileFrames?: number;
  /**
   * A smile must start from a frame at or below this score after the previous prompt: the emotion
   * model calls many neutral faces "happy" (Foreman scores 0.9+ while talking), so a level alone
   * proves nothing; a rise does a little more. @default 0.3
   */
  readonly smileRestMax?: number;
  /** Embedding distance metric. @default "euclidean" (face-api 128-d descriptor) */
  readonly metric?: "euclidean" | "cosine";
  /** Largest distance to the reference frame's embedding. @default 0.6 (face-api Euclidean) */
  readonly identityThreshold?: number;
  /** Plausible camera frame interval range, ms. @default [10, 250] */
  readonly frameIntervalMs?: readonly [number, number];
  /** Largest gap between frames, ms. @default 600 */
  readonly maxGapMs?: number;
  /** Share of frames allowed without a face (brief loss of tracking). @default 0.1 */
  readonly maxNoFaceShare?: number;
}

export interface PromptResult {
  readonly prompt: ActivePrompt;
  readonly performed: boolean;
  /** Start/end of the detected action, ms since issue. */
  readonly startT: number | null;
  readonly endT: number | null;
  /** How far past the threshold the action went (degrees for turns, score units otherwise). */
  readonly margin: number | null;
  readonly withinWindow: boolean;
}

export interface ActiveCheckResult {
  readonly passed: boolean;
  readonly prompts: readonly PromptResult[];
  /** Every prompt found, in the challenge order. */
  readonly orderRespected: boolean;
  readonly withinTotalWindow: boolean;
  readonly timing: {
    readonly plausible: boolean;
    readonly monotonic: boolean;
    readonly medianIntervalMs: number;
    readonly intervalStdMs: number;
    readonly maxGapMs: number;
    readonly durationMs: number;
    readonly reasons: readonly string[];
  };
  readonly identity: {
    readonly status: "consistent" | "inconsistent" | "not-checked";
    readonly maxDistance: number | null;
    readonly threshold: number;
    readonly framesCompared: number;
  };
  readonly singleFace: {
    readonly ok: boolean;
    readonly multiFaceFrames: number;
    readonly noFaceFrames: number;
  };
  readonly reasons: readonly string[];
}

/** Human's eyelid ratio of a closed eye (its blink gesture fires below 0.2). */
const EYE_RATIO_CLOSED = 0.1;
/** Typical ratio of an open eye in Human's mesh (0.3–0.45 on the shared eval faces). */
const EYE_RATIO_OPEN = 0.35;

/**
 * Maps the face engine's per-eye lid ratios (Human mesh, open ≈ 0.3–0.45, blink < 0.2) to the
 * 0–1 both-eyes openness used here: the mean of the two eyes, 0.1 → 0 and 0.35 → 1, clamped.
 */
export function eyeOpennessFromRatio(eyes: { readonly left: number; readonly right: number }): number {
  const mean = (eyes.left + eyes.right) / 2;
  return Math.max(0, Math.min(1, (mean - EYE_RATIO_CLOSED) / (EYE_RATIO_OPEN - EYE_RATIO_CLOSED)));
}

/** Builds an `ActiveFrame` from the face engine's `analyzeFrame` signals. */
export function toActiveFrame(
  t: number,
  signals: {
    readonly pose: { readonly yaw: number; readonly pitch: number; readonly roll: number };
    readonly eyes: { readonly left: number; readonly right: number };
    readonly smile: number;
  },
  faceCount: number,
  embedding?: Float32Array,
): ActiveFrame {
  const frame = {
    t,
    yaw: signals.pose.yaw,
    pitch: signals.pose.pitch,
    roll: signals.pose.roll,
    eyeOpenness: eyeOpennessFromRatio(signals.eyes),
    smile: signals.smile,
    faceCount,
  };
  return embedding ? { ...frame, embedding } : frame;
}

interface Detection {
  startT: number;
  endT: number;
  margin: number;
  endIndex: number;
}

/** First occurrence of `prompt` in frames[from..], or null. */
function detect(
  prompt: ActivePrompt,
  frames: readonly ActiveFrame[],
  from: number,
  o: Required<Omit<ActiveCheckOptions, "metric" | "frameIntervalMs">>,
): Detection | null {
  if (prompt === "turn_left" || prompt === "turn_right") {
    const sign = prompt === "turn_left" ? -1 : 1;
    // A turn must start from facing the camera: otherwise holding a turned pose satisfies two prompts.
    let centred = false;
    let run = 0;
    let runStart = 0;
    for (let i = from; i < frames.length; i++) {
      const f = frames[i];
      if (!f) continue;
      if (Math.abs(f.yaw) <= o.centreDeg) centred = true;
      if (centred && sign * f.yaw >= o.turnDeg) {
        if (run === 0) runStart = i;
        run++;
        if (run >= o.turnFrames) {
          let peak = 0;
          let j = runStart;
          for (; j < frames.length && sign * (frames[j]?.yaw ?? 0) >= o.turnDeg; j++) {
            peak = Math.max(peak, sign * (frames[j]?.yaw ?? 0));
          }
          return {
            startT: frames[runStart]?.t ?? 0,
            endT: frames[j - 1]?.t ?? 0,
            margin: peak - o.turnDeg,
            endIndex: j - 1,
          };
        }
      } else run = 0;
    }
    return null;
  }
  if (prompt === "smile") {
    let run = 0;
    let runStart = 0;
    let rested = false;
    for (let i = from; i < frames.length; i++) {
      const f = frames[i];
      if (!f) continue;
      if (f.smile <= o.smileRestMax) rested = true;
      if (rested && f.smile >= o.smileMin) {
        if (run === 0) runStart = i;
        run++;
        if (run >= o.smileFrames) {
          let peak = 0;
          let j = runStart;
          for (; j < frames.length && (frames[j]?.smile ?? 0) >= o.smileMin; j++) {
            peak = Math.max(peak, frames[j]?.smile ?? 0);
          }
          return {
            startT: frames[runStart]?.t ?? 0,
            endT: frames[j - 1]?.t ?? 0,
            margin: peak - o.smileMin,
            endIndex: j - 1,
          };
        }
      } else run = 0;
    }
    return null;
  }
  // Blink: open, then closed, then open again within blinkMaxMs of closing.
  let wasOpen = false;
  for (let i = from; i < frames.length; i++) {
    const f = frames[i];
    if (!f) continue;
    if (f.eyeOpenness >= o.blinkOpen) {
      wasOpen = true;
      continue;
    }
    if (!wasOpen || f.eyeOpenness > o.blinkClosed) continue;
    const closeT = f.t;
    let minOpen = f.eyeOpenness;
    for (let j = i + 1; j < frames.length; j++) {
      const g = frames[j];
      if (!g) continue;
      if (g.t - closeT > o.blinkMaxMs) break;
      minOpen = Math.min(minOpen, g.eyeOpenness);
      if (g.eyeOpenness >= o.blinkOpen) {
        return { startT: closeT, endT: g.t, margin: o.blinkClosed - minOpen, endIndex: j };
      }
    }
    wasOpen = false;
  }
  return null;
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>, metric: "euclidean" | "cosine"): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  let dot = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    d += (x - y) ** 2;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return metric === "euclidean" ? Math.sqrt(d) : 1 - dot / Math.sqrt(Math.max(na * nb, 1e-12));
}

/** Checks a submitted frame sequence against the challenge. Every check is reported. */
export function checkActiveResponse(input: {
  readonly challenge: ActiveChallenge;
  readonly frames: readonly ActiveFrame[];
  readonly options?: ActiveCheckOptions;
}): ActiveCheckResult {
  const { challenge } = input;
  const opt = input.options ?? {};
  const o = {
    turnDeg: opt.turnDeg ?? 20,
    centreDeg: opt.centreDeg ?? 10,
    turnFrames: opt.turnFrames ?? 2,
    blinkClosed: opt.blinkClosed ?? 0.25,
    blinkOpen: opt.blinkOpen ?? 0.5,
    blinkMaxMs: opt.blinkMaxMs ?? 400,
    smileMin: opt.smileMin ?? 0.6,
    smileFrames: opt.smileFrames ?? 2,
    smileRestMax: opt.smileRestMax ?? 0.3,
    identityThreshold: opt.identityThreshold ?? 0.6,
    maxGapMs: opt.maxGapMs ?? 600,
    maxNoFaceShare: opt.maxNoFaceShare ?? 0.1,
  };
  const metric = opt.metric ?? "euclidean";
  const [minIv, maxIv] = opt.frameIntervalMs ?? [10, 250];
  const frames = input.frames;
  const reasons: string[] = [];

  // Timing plausibility, on the frames as submitted (no re-sorting: order is evidence).
  const timingReasons: string[] = [];
  const intervals: number[] = [];
  let monotonic = true;
  for (let i = 1; i < frames.length; i++) {
    const dt = (frames[i]?.t ?? 0) - (frames[i - 1]?.t ?? 0);
    if (dt <= 0) monotonic = false;
    intervals.push(dt);
  }
  const sortedIv = [...intervals].sort((a, b) => a - b);
  const medianIv = sortedIv[Math.floor(sortedIv.length / 2)] ?? 0;
  const meanIv = intervals.reduce((a, b) => a + b, 0) / Math.max(1, intervals.length);
  const stdIv = Math.sqrt(
    intervals.reduce((a, b) => a + (b - meanIv) ** 2, 0) / Math.max(1, intervals.length),
  );
  const maxGap = sortedIv[sortedIv.length - 1] ?? 0;
  const first = frames[0]?.t ?? 0;
  const last = frames[frames.length - 1]?.t ?? 0;
  const duration = last - first;
  if (frames.length < 10) timingReasons.push(`only ${frames.length} frames`);
  if (!monotonic) timingReasons.push("timestamps not strictly increasing");
  if (medianIv < minIv || medianIv > maxIv)
    timingReasons.push(`median frame interval ${medianIv} ms outside [${minIv}, ${maxIv}]`);
  // Real capture clocks jitter; perfectly identical intervals point to fabricated timestamps.
  if (intervals.length >= 5 && stdIv < 0.05) timingReasons.push("all frame intervals identical");
  if (maxGap > o.maxGapMs) timingReasons.push(`gap of ${maxGap} ms between frames`);
  if (first < 0) timingReasons.push("frames before the challenge was issued");
  // Each prompt takes a human at least ~300 ms; a shorter clip cannot contain the performance.
  if (duration < 300 * challenge.prompts.length)
    timingReasons.push(`clip of ${duration} ms too short for ${challenge.prompts.length} prompts`);
  const timingPlausible = timingReasons.length === 0;
  if (!timingPlausible) reasons.push(...timingReasons.map((r) => `timing: ${r}`));

  // Prompts, in order: each is searched after the previous one ended.
  const results: PromptResult[] = [];
  let cursor = 0;
  let prevEnd = first;
  let inOrder = true;
  for (const prompt of challenge.prompts) {
    const d = detect(prompt, frames, cursor, o);
    if (d) {
      const withinWindow = d.endT - prevEnd <= challenge.windowMs.perPrompt;
      results.push({
        prompt,
        performed: true,
        startT: d.startT,
        endT: d.endT,
        margin: Math.round(d.margin * 1000) / 1000,
        withinWindow,
      });
      if (!withinWindow)
        reasons.push(`${prompt} took ${d.endT - prevEnd} ms > ${challenge.windowMs.perPrompt} ms`);
      cursor = d.endIndex + 1;
      prevEnd = d.endT;
    } else {
      inOrder = false;
      // Report whether it happened at all (out of order) for the diagnosis.
      const anywhere = detect(prompt, frames, 0, o);
      results.push({
        prompt,
        performed: anywhere !== null,
        startT: anywhere?.startT ?? null,
        endT: anywhere?.endT ?? null,
        margin: anywhere ? Math.round(anywhere.margin * 1000) / 1000 : null,
        withinWindow: false,
      });
      reasons.push(anywhere ? `${prompt} performed out of order` : `${prompt} not performed`);
    }
  }
  const withinTotal = last <= challenge.windowMs.total;
  if (!withinTotal)
    reasons.push(`response ended at ${last} ms > total window ${challenge.windowMs.total} ms`);

  // Identity: every embedding close to the most frontal frame's.
  const withEmb = frames.filter((f) => f.embedding && f.embedding.length > 0 && f.faceCount === 1);
  let identity: ActiveCheckResult["identity"] = {
    status: "not-checked",
    maxDistance: null,
    threshold: o.identityThreshold,
    framesCompared: 0,
  };
  const refFrame = withEmb.reduce<ActiveFrame | null>(
    (best, f) =>
      !best || Math.abs(f.yaw) + Math.abs(f.pitch) < Math.abs(best.yaw) + Math.abs(best.pitch) ? f : best,
    null,
  );
  if (refFrame?.embedding) {
    const ref = refFrame.embedding;
    let maxD = 0;
    for (const f of withEmb) if (f.embedding) maxD = Math.max(maxD, distance(ref, f.embedding, metric));
    identity = {
      status: maxD <= o.identityThreshold ? "consistent" : "inconsistent",
      maxDistance: Math.round(maxD * 10000) / 10000,
      threshold: o.identityThreshold,
      framesCompared: withEmb.length,
    };
    if (identity.status === "inconsistent")
      reasons.push(`identity changed (distance ${maxD.toFixed(3)} > ${o.identityThreshold})`);
  }

  const multi = frames.filter((f) => f.faceCount > 1).length;
  const none = frames.filter((f) => f.faceCount === 0).length;
  const singleOk = multi === 0 && none <= o.maxNoFaceShare * frames.length;
  if (multi > 0) reasons.push(`${multi} frames with more than one face`);
  if (none > o.maxNoFaceShare * frames.length) reasons.push(`${none} frames without a face`);

  return {
    passed: reasons.length === 0,
    prompts: results,
    orderRespected: inOrder,
    withinTotalWindow: withinTotal,
    timing: {
      plausible: timingPlausible,
      monotonic,
      medianIntervalMs: medianIv,
      intervalStdMs: Math.round(stdIv * 100) / 100,
      maxGapMs: maxGap,
      durationMs: duration,
      reasons: timingReasons,
    },
    identity,
    singleFace: { ok: singleOk, multiFaceFrames: multi, noFaceFrames: none },
    reasons,
  };
}
