/**
 * The light part of the engine: decision rules, reason codes and match thresholds, with no model or
 * native dependency. API processes import this (`@verimat/engine/policy`); only worker threads load
 * the full engine.
 * @module
 */
export {
  type Decision,
  type DecisionInput,
  type DecisionPolicy,
  decide,
  fieldsMismatchEffect,
  REASON_CODES,
  REASON_EFFECTS,
  type ReasonCode,
  type ReasonEffect,
} from "./decision/index.ts";
export {
  DEFAULT_MATCH_THRESHOLDS,
  distanceToSimilarity,
  type MatchThresholds,
} from "./face/compare-embeddings.ts";
