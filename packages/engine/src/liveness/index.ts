/**
 * Liveness and presentation-attack detection: passive signals over given images, the colour-flash
 * and active challenges, and synthetic attack generators for tests and evaluation.
 * @module
 */
export {
  ACTIVE_PROMPTS,
  type ActiveChallenge,
  type ActiveChallengeOptions,
  type ActiveCheckOptions,
  type ActiveCheckResult,
  type ActiveFrame,
  type ActivePrompt,
  checkActiveResponse,
  createActiveChallenge,
  eyeOpennessFromRatio,
  type PromptResult,
  toActiveFrame,
} from "./active-challenge.ts";
export {
  checkFlashResponse,
  createFlashChallenge,
  FLASH_PALETTE,
  type FlashChallenge,
  type FlashChallengeOptions,
  type FlashCheckOptions,
  type FlashCheckResult,
  type FlashColor,
  type FlashFrame,
  type FlashSegment,
  type FlashSegmentResult,
} from "./color-flash.ts";
export { FRAME_COVERAGE_THRESHOLD, measureFrameEdges } from "./frame-edge-signal.ts";
export { decodeRgb } from "./image-ops.ts";
export type { FaceBox, Point, RandomSource, RgbImage, SignalResult } from "./liveness-types.ts";
export {
  assessPresentation,
  flatSheetSignal,
  frameEdgeSignal,
  type LandmarkFrame,
  type ModelLivenessScores,
  modelAdvisorySignal,
  type PlanarMotionOptions,
  type PresentationAssessment,
  type PresentationInput,
  planarMotionSignal,
  printHalftoneSignal,
  SESSION_PLANAR_MOTION,
  screenMoireSignal,
  tonalRangeSignal,
} from "./passive-signals.ts";
export { cryptoRandom, seededRandom } from "./random-source.ts";
export {
  analyseFaceSpectrum,
  HALFTONE_PROMINENCE_THRESHOLD,
  MOIRE_PROMINENCE_THRESHOLD,
} from "./spectral-signals.ts";
export {
  type AttackCapture,
  type LoopedStillFrame,
  type MotionFrame,
  makeFlashIgnoringVideo,
  makeLoopedStillFrames,
  makePrintAttack,
  makeScreenReplayAttack,
  renderFlashResponse,
  renderLoopedStillFrame,
} from "./synthetic-attacks.ts";
