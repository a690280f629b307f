/**
 * Face engine: detection with typed quality outcomes, landmarks and pose, 128-d embeddings,
 * calibrated 1:1 matching, and Human mesh signals for active liveness.
 * @module
 */

export {
  compareEmbeddings,
  DEFAULT_MATCH_THRESHOLDS,
  decideMatch,
  distanceToSimilarity,
  type FaceComparison,
  type MatchDecision,
  type MatchThresholds,
  resolveMatchThresholds,
  SIMILARITY_CALIBRATION,
  similarityToDistance,
} from "./compare-embeddings.ts";
export {
  type ComparePairsOptions,
  comparePairs,
  type PairRecord,
  parseCsv,
} from "./compare-pairs.ts";
export { createFaceEngine, type FaceEngine, type FaceEngineOptions } from "./create-face-engine.ts";
export type * from "./face-types.ts";
export { type FaceModels, loadFaceModels } from "./load-face-models.ts";
