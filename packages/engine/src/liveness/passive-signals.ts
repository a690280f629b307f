/**
 * Passive presentation-attack signals and their combination.
 *
 * Gating policy: a signal may decide "attack" on its own only if, in eval-liveness.ts, it fired
 * on none of the 127 genuine captures (70 shared/eval stills, the Silent-Face live capture, 56
 * Foreman frames) while catching attacks. Figures from that run:
 * - screen-moire (gate): isolated luma spectral peak in the face. Genuine max prominence 1.05,
 *   threshold 1.25. Fired on 65/70 synthetic prints, 67/70 synthetic screens, 140/140 close-up
 *   variants, but only 6/20 far screens and 2/20 fine halftones, and on neither real attack (0.81,
 *   0.80): once the camera does not resolve the pattern there is nothing to see.
 * - frame-edges (gate): straight edges closing a rectangle around the face on ≥ 3 sides. Genuine
 *   max 0.75 (window frames behind a head), threshold 0.78: a thin margin. Catches the real tablet
 *   replay (0.81), 70/70 synthetic and 20/20 far screens, 42/70 + 16/20 synthetic prints; nothing
 *   once the instrument's edges are out of view (close-ups, the real print).
 * - planar-motion (gate, multi-frame only): homography residual of a head turn's landmarks.
 *   Foreman windows ≥ 0.096 inter-ocular distances, threshold 0.07; photos swung ±25–30° stay
 *   ≤ 0.059 (generator landmarks) and 0.015–0.029 (face-engine landmarks on rendered frames).
 *   In the session (decide-session.ts, SESSION_PLANAR_MOTION below) it gates the liveness
 *   (liveness_failed), on the figures of eval-planar-motion.ts given there.
 * - flat-sheet (gate): washed-out face (saturation < 0.2) together with a straight edge covering
 *   ≥ 95 % of one side of the face. Fired on the real print (F1: 0.177, top edge 1.0; score 0.76)
 *   and the real tablet replay, on no genuine capture (lowest genuine saturation 0.23; 16/127
 *   have a full straight edge, none with a pale face). One real print is evidence, not validation.
 * - print-halftone (advisory): chroma spectral peak; genuine MJPEG frames reach 1.33 against a
 *   threshold of 1.45, too close to gate. On the fine halftone (0.7 px cells, optical blur 0.8 px,
 *   JPEG 90) there is nothing left to find: its chroma peaks measured 0.30–0.95, below most genuine
 *   captures, and per-tile peaks (32/64 px tiles, luma and chroma; median over tiles of each tile's
 *   strongest 2–4 px peak) gave 0.85–1.36 on 10 fine prints against a genuine maximum of 1.09–1.50
 *   (2026-11-26): a tile-median cannot separate them, so the signal was left as it is. The fine
 *   prints that are caught (16/20) are caught by the paper edge (frame-edges), not the halftone.
 * - tonal-range (advisory): face saturation; fires on both real attacks and no genuine capture,
 *   but two attack samples validate nothing and lighting moves it as much.
 * - model-advisory (advisory): Human's antispoof/liveness numbers fired on 30/127 genuine
 *   captures and on neither real attack (see also shared/reference/ml-stack.md).
 */
import { frameEdgeSignal } from "./frame-edge-signal.ts";
import { fitAffine, fitHomography, rmsResidual } from "./homography.ts";
import { logistic } from "./image-ops.ts";
import type { FaceBox, Point, RgbImage, SignalResult } from "./liveness-types.ts";
import { printHalftoneSignal, screenMoireSignal, tonalRangeSignal } from "./spectral-signals.ts";

export { frameEdgeSignal } from "./frame-edge-signal.ts";
export { printHalftoneSignal, screenMoireSignal, tonalRangeSignal } from "./spectral-signals.ts";

/** One frame of a head turn: 68 landmarks (iBUG order, as face-api returns them) and yaw. */
export interface LandmarkFrame {
  readonly landmarks: readonly Point[];
  readonly yawDeg: number;
}

export interface PlanarMotionOptions {
  /** A frame is compared if its yaw differs from the most frontal frame's by this much… @default 10 */
  readonly minYawDeltaDeg?: number;
  /**
   * …or if the landmarks are stretched anisotropically by this much (largest / smallest singular
   * value of the affine fit, minus 1). A photo swung in 3-D barely changes the estimated yaw (the
   * face engine reported 3–5° for a ±30° swing) but foreshortens the face. @default 0.08
   */
  readonly minAnisotropy?: number;
  /** Residual (in inter-ocular distances) below which the motion counts as planar. @default 0.07 */
  readonly threshold?: number;
  /**
   * Fewer compared frames than this are "not-applicable": with two or three the upper quartile is
   * the smallest residual, one lucky frame. @default 1
   */
  readonly minFrames?: number;
}

/**
 * The options a session's active frames are checked with (decide-session.ts, where a fired signal
 * fails the liveness): the signal's 0.07 threshold, measured only once ≥ 4 frames turned enough.
 * Figures (2026-12-07) from landmarks and Human yaw as the session gets them (analyzeFrame with
 * embedding), `node --import tsx packages/engine/src/liveness/eval-planar-motion.ts` (~10–20 min):
 * - genuine: Foreman at 7.5 fps (the widget's 125 ms), 453 sliding windows of 12/16/24 frames, all 4
 *   sampling phases: q75 residual ≥ 0.093 (1 window < 0.1), none fired; Zhling 0.147; Men_whisper
 *   not applicable (no turn). Single turned frames against a frontal one: min 0.047, 5th percentile
 *   0.090, 26 of 1471 below 0.07 — hence the upper quartile over several frames.
 * - attack: 8 shared/eval photos and their fine halftone prints swung ±25° and ±35° per turn prompt
 *   (makeSwungStillResponse, rendered, JPEG 85): 13 of 32 clips measured, all fired, q75 0.014–0.041;
 *   the rest not applicable (a swung photo barely moves Human's yaw, 2–7°, and at ±25° rarely
 *   foreshortens the landmarks by 8 %). Those also fail the turn prompts of the active challenge.
 * - why ≥ 4 frames: with 1–2 turned frames (Foreman's pan out of view, frames 169–263) genuine
 *   windows measured 0.039–0.05 and fired; 0 of 453 once 4 are required.
 * The genuine side is two people from two clips: clean separation (0.041 vs 0.093, threshold between
 * with ≥ 30 % either side), not a population.
 */
export const SESSION_PLANAR_MOTION: PlanarMotionOptions = { minFrames: 4 };

function eyeCentre(lm: readonly Point[], from: number): Point {
  let x = 0;
  let y = 0;
  for (let i = from; i < from + 6; i++) {
    x += lm[i]?.[0] ?? 0;
    y += lm[i]?.[1] ?? 0;
  }
  return [x / 6, y / 6];
}

/** Distance between the eye centres (landmarks 36–41 and 42–47). */
export function interOcular(lm: readonly Point[]): number {
  const a = eyeCentre(lm, 36);
  const b = eyeCentre(lm, 42);
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/**
 * Missing depth cues: a real head turning shows parallax (the nose moves against the cheeks,
 * the jaw outline slides), so the landmark sets of two yaw angles are not related by a plane
 * homography. A photo or screen moved in 3-D is a plane: the homography fits to detector noise.
 * Score: logistic of how far the upper-quartile homography residual (inter-ocular distances) stays
 * below the threshold.
 */
export function planarMotionSignal(
  frames: readonly LandmarkFrame[],
  options: PlanarMotionOptions = {},
): SignalResult {
  const minDelta = options.minYawDeltaDeg ?? 10;
  const minAniso = options.minAnisotropy ?? 0.08;
  const threshold = options.threshold ?? 0.07;
  const valid = frames.filter((f) => f.landmarks.length === 68);
  const ref = valid.reduce<LandmarkFrame | null>(
    (best, f) => (!best || Math.abs(f.yawDeg) < Math.abs(best.yawDeg) ? f : best),
    null,
  );
  const residuals: number[] = [];
  let maxDelta = 0;
  let maxAniso = 0;
  if (ref) {
    for (const f of valid) {
      const delta = Math.abs(f.yawDeg - ref.yawDeg);
      maxDelta = Math.max(maxDelta, delta);
      const aniso = anisotropy(ref.landmarks, f.landmarks);
      maxAniso = Math.max(maxAniso, aniso);
      if (delta < minDelta && aniso < minAniso) continue;
      const h = fitHomography(ref.landmarks, f.landmarks);
      const iod = interOcular(f.landmarks);
      if (!h || iod <= 0) continue;
      residuals.push(rmsResidual(h, ref.landmarks, f.landmarks) / iod);
    }
  }
  const minFrames = Math.max(1, options.minFrames ?? 1);
  if (residuals.length < minFrames) {
    return {
      name: "planar-motion",
      status: "not-applicable",
      score: 0,
      threshold: 0.5,
      gate: true,
      fired: false,
      detail: {
        reason:
          residuals.length === 0
            ? `no frame turned ≥ ${minDelta}° from the most frontal one`
            : `${residuals.length} frame(s) turned ≥ ${minDelta}° from the most frontal one, fewer than ${minFrames}`,
        maxYawDeltaDeg: Math.round(maxDelta * 10) / 10,
        framesCompared: residuals.length,
      },
    };
  }
  // Upper quartile rather than the maximum: one noisy landmark frame must not make a photo look 3-D.
  const sorted = [...residuals].sort((a, b) => a - b);
  const worst = sorted[Math.floor(0.75 * (sorted.length - 1))] ?? 0;
  const score = logistic((threshold - worst) / (0.15 * threshold));
  return {
    name: "planar-motion",
    status: "measured",
    score: Math.round(score * 1000) / 1000,
    threshold: 0.5,
    gate: true,
    fired: score >= 0.5,
    detail: {
      q75ResidualIod: Math.round(worst * 10000) / 10000,
      residualThresholdIod: threshold,
      framesCompared: residuals.length,
      maxYawDeltaDeg: Math.round(maxDelta * 10) / 10,
      maxAnisotropy: Math.round(maxAniso * 1000) / 1000,
    },
  };
}

/** Anisotropy of the affine map src → dst: ratio of its singular values minus 1 (0 for a similarity). */
function anisotropy(src: readonly Point[], dst: readonly Point[]): number {
  const a = fitAffine(src, dst);
  if (!a) return 0;
  const [p, q, , r, t] = a;
  // Singular values of [[p, q], [r, t]] from the eigenvalues of AᵀA.
  const e = p * p + r * r;
  const g = q * q + t * t;
  const f = p * q + r * t;
  const disc = Math.sqrt(((e - g) / 2) ** 2 + f * f);
  const s1 = Math.sqrt(Math.max(0, (e + g) / 2 + disc));
  const s2 = Math.sqrt(Math.max(0, (e + g) / 2 - disc));
  return s2 > 0 ? s1 / s2 - 1 : 0;
}

/** Saturation (tonal-range) below which the flat-sheet signal's first cue holds. */
const SHEET_SATURATION = 0.2;
/** Coverage of the face-side segment a straight sheet/device edge must reach. */
const SHEET_EDGE_COVERAGE = 0.95;

/**
 * A flat sheet or screen held in front of the camera: two cues that are each common alone
 * but did not co-occur on any genuine capture in eval-liveness.ts: a washed-out face (mean
 * saturation < 0.2; genuine min 0.23) AND a straight edge alongside the face covering ≥ 95 % of
 * its side (a paper edge or bezel; 16/127 genuine captures have one, from doors and windows).
 * Reads the two signals' details, so it costs nothing extra. Score: the weaker cue's logistic.
 */
export function flatSheetSignal(tonal: SignalResult, edges: SignalResult): SignalResult {
  const sat = tonal.detail.meanSaturation;
  const covs = ["left", "right", "top", "bottom"].map((s) => edges.detail[`${s}Coverage`]);
  const cov = Math.max(...covs.map((c) => (typeof c === "number" ? c : 0)));
  if (tonal.status !== "measured" || edges.status !== "measured" || typeof sat !== "number") {
    return {
      name: "flat-sheet",
      status: "not-applicable",
      score: 0,
      threshold: 0.5,
      gate: true,
      fired: false,
      detail: { reason: "tonal range or frame edges not measured" },
    };
  }
  const satCue = logistic((SHEET_SATURATION - sat) / 0.02);
  const edgeCue = logistic((cov - SHEET_EDGE_COVERAGE) / 0.01);
  const score = Math.min(satCue, edgeCue);
  return {
    name: "flat-sheet",
    status: "measured",
    score: Math.round(score * 1000) / 1000,
    threshold: 0.5,
    gate: true,
    fired: score >= 0.5,
    detail: {
      meanSaturation: sat,
      saturationThreshold: SHEET_SATURATION,
      bestSideCoverage: Math.round(cov * 1000) / 1000,
      coverageThreshold: SHEET_EDGE_COVERAGE,
    },
  };
}

/** Human's per-face numbers: `real` from its antispoof model, `live` from its liveness model. */
export interface ModelLivenessScores {
  readonly real?: number;
  readonly live?: number;
}

/** Wraps the model scores as an advisory signal: attack likelihood 1 − min(real, live). */
export function modelAdvisorySignal(scores: ModelLivenessScores | null | undefined): SignalResult {
  const vals = [scores?.real, scores?.live].filter(
    (v): v is number => typeof v === "number" && Number.isFinite(v),
  );
  if (vals.length === 0) {
    return {
      name: "model-advisory",
      status: "not-applicable",
      score: 0,
      threshold: 0.5,
      gate: false,
      fired: false,
      detail: { reason: "no model scores given" },
    };
  }
  const score = 1 - Math.min(...vals);
  const detail: Record<string, number> = {};
  if (typeof scores?.real === "number") detail.real = scores.real;
  if (typeof scores?.live === "number") detail.live = scores.live;
  return {
    name: "model-advisory",
    status: "measured",
    score: Math.round(score * 1000) / 1000,
    threshold: 0.5,
    gate: false,
    fired: score >= 0.5,
    detail,
  };
}

export interface PresentationInput {
  readonly image: RgbImage;
  readonly face: FaceBox;
  /** Frames of a head turn (landmarks + yaw), for the depth check. */
  readonly motion?: readonly LandmarkFrame[];
  readonly model?: ModelLivenessScores | null;
}

export interface PresentationAssessment {
  readonly signals: readonly SignalResult[];
  /** True when at least one gating signal fired. */
  readonly attackLikely: boolean;
  readonly gatingSignals: readonly string[];
  /** Advisory signals that fired: worth logging and review, not a decision. */
  readonly advisorySignals: readonly string[];
}

/** Runs every passive signal on one capture (plus optional motion frames and model scores). */
export function assessPresentation(input: PresentationInput): PresentationAssessment {
  const edges = frameEdgeSignal(input.image, input.face);
  const tonal = tonalRangeSignal(input.image, input.face);
  const signals: SignalResult[] = [
    screenMoireSignal(input.image, input.face),
    printHalftoneSignal(input.image, input.face),
    edges,
    tonal,
    flatSheetSignal(tonal, edges),
    planarMotionSignal(input.motion ?? []),
    modelAdvisorySignal(input.model),
  ];
  const gating = signals.filter((s) => s.gate && s.fired).map((s) => s.name);
  return {
    signals,
    attackLikely: gating.length > 0,
    gatingSignals: gating,
    advisorySignals: signals.filter((s) => !s.gate && s.fired).map((s) => s.name),
  };
}
