export {
  type AnalysisEngines,
  analyzeCapture,
  type Capture,
  type CaptureAnalysis,
  type FaceSummary,
} from "./analyze-capture.ts";
export {
  decideSession,
  type LivenessChallenge,
  type SessionDecisionInput,
  sideMapFromMrz,
  type VerifyOutput,
} from "./decide-session.ts";
export {
  type AamvaRead,
  documentTypeOfAamva,
  personFromAamva,
  readAamvaBarcode,
  sideMapFromAamva,
} from "./driver-licence.ts";
export { type VerifyEngines, type VerifyInput, verifyCaptures } from "./verify-captures.ts";
