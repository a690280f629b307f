export {
  type Capture,
  type LivenessChallenge,
  sideMapFromMrz,
  type VerifyEngines,
  type VerifyInput,
  type VerifyOutput,
  verifyCaptures,
} from "./verify-captures.ts";
