/**
 * 1:1 matching: Euclidean distance between dlib-ResNet descriptors, mapped to a calibrated 0–1
 * similarity, and the default accept / review / reject thresholds.
 * @module
 */

/**
 * Logistic calibration `similarity = 1 / (1 + exp(slope · (distance − midpoint)))`, fitted by
 * `eval-faces.ts` on the genuine/impostor distances of shared/eval/faces (different-photo pairs only).
 * `midpoint` is the measured equal-error distance, so similarity 0.5 is where FMR = FNMR; `slope` is
 * the log-likelihood-ratio slope of Gaussian genuine/impostor models with pooled variance (genuine
 * 0.39 ± 0.10, impostor 0.85 ± 0.09), so the similarity reads as the posterior odds at equal priors.
 */
export const SIMILARITY_CALIBRATION = { midpoint: 0.585, slope: 50 } as const;

export interface FaceComparison {
  /** Euclidean distance between the descriptors (0 = identical; dlib's classic cut-off is 0.6). */
  distance: number;
  /** Calibrated similarity, 0–1, monotonically decreasing in `distance`. */
  similarity: number;
}

/** Decision bands on `similarity`. Per-company overrides are merged over the defaults. */
export interface MatchThresholds {
  /** similarity ≥ accept → same person. */
  accept: number;
  /** similarity < reject → different person; [reject, accept) → manual review. */
  reject: number;
}

/**
 * Defaults, measured by eval-faces.ts on 159 genuine / 2,111 impostor different-photo pairs:
 * - accept ≥ 0.85 (distance < 0.55): 0 impostors accepted, the closest impostor is at 0.583, so
 *   FMR ≤ 0.1 % with a 0.03 distance margin for identities the set does not contain; ~96 % of
 *   genuine pairs are accepted outright.
 * - reject < 0.15 (distance ≥ 0.62): no genuine pair of the set is rejected (the farthest is 0.583).
 * - in between: manual review.
 */
export const DEFAULT_MATCH_THRESHOLDS: Readonly<MatchThresholds> = Object.freeze({
  accept: 0.85,
  reject: 0.15,
});

export type MatchDecision = "accept" | "review" | "reject";

export function distanceToSimilarity(distance: number): number {
  const { midpoint, slope } = SIMILARITY_CALIBRATION;
  return 1 / (1 + Math.exp(slope * (distance - midpoint)));
}

/** Inverse of `distanceToSimilarity`, for reporting thresholds as distances. */
export function similarityToDistance(similarity: number): number {
  const { midpoint, slope } = SIMILARITY_CALIBRATION;
  const s = Math.min(Math.max(similarity, 1e-12), 1 - 1e-12);
  return midpoint + Math.log(1 / s - 1) / slope;
}

export function compareEmbeddings(a: Float32Array, b: Float32Array): FaceComparison {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`embeddings differ in length (${a.length} vs ${b.length})`);
  }
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    sum += d * d;
  }
  const distance = Math.sqrt(sum);
  return { distance, similarity: distanceToSimilarity(distance) };
}

export function decideMatch(
  similarity: number,
  thresholds: MatchThresholds = DEFAULT_MATCH_THRESHOLDS,
): MatchDecision {
  if (similarity >= thresholds.accept) return "accept";
  if (similarity < thresholds.reject) return "reject";
  return "review";
}

/** Merges per-company overrides; rejects bands that would make `review` negative or leave 0–1. */
export function resolveMatchThresholds(overrides: Partial<MatchThresholds> = {}): MatchThresholds {
  const merged = { ...DEFAULT_MATCH_THRESHOLDS, ...overrides };
  const inRange = (v: number): boolean => Number.isFinite(v) && v >= 0 && v <= 1;
  if (!inRange(merged.accept) || !inRange(merged.reject) || merged.reject > merged.accept) {
    throw new RangeError(`invalid match thresholds: accept ${merged.accept}, reject ${merged.reject}`);
  }
  return merged;
}
