export {
  type Capture,
  sideMapFromMrz,
  type VerifyEngines,
  type VerifyInput,
  type VerifyOutput,
  verifyCaptures,
} from "./verify-captures.ts";
