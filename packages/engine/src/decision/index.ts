export {
  type Decision,
  type DecisionInput,
  type DecisionPolicy,
  decide,
  type FaceOutcome,
} from "./decide.ts";
export { REASON_CODES, type ReasonCode } from "./reason-codes.ts";
