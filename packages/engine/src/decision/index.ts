export {
  type Decision,
  type DecisionInput,
  type DecisionPolicy,
  decide,
  type FaceOutcome,
} from "./decide.ts";
export {
  fieldsMismatchEffect,
  REASON_CODES,
  REASON_EFFECTS,
  type ReasonCode,
  type ReasonEffect,
} from "./reason-codes.ts";
