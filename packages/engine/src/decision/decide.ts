/**
 * The decision engine: turns the signals of a session into approved / rejected / manual_check with
 * reason codes. Pure and deterministic, so every decision can be replayed from its stored inputs.
 * Any reject-effect reason rejects; otherwise any review-effect reason sends the session to an
 * operator; otherwise it is approved.
 * @module
 */
import { REASON_CODES, type ReasonCode } from "./reason-codes.ts";

export type FaceOutcome =
  | "ok"
  | "no_face"
  | "multiple_faces"
  | "face_too_small"
  | "face_blurred"
  | "face_cut_off"
  | "image_unreadable";

export interface DecisionInput {
  /** Which checks the session's steps asked for. */
  required: { document: boolean; face: boolean; liveness: boolean };
  document?: {
    /** Outcome of reading the document images. */
    read: "ok" | "unreadable" | "no_document" | "missing";
    /** null when no MRZ was found at all (e.g. a card front only). */
    mrzValid: boolean | null;
    expired: boolean;
    ageYears: number | null;
    fieldsMismatch: boolean;
    typeAllowed: boolean;
    countryAllowed: boolean;
    portraitFound: boolean;
  };
  face?: { outcome: FaceOutcome | "missing" };
  /** Similarity of the live face with the document portrait, when both exist. */
  similarity?: number | null;
  liveness?: {
    /** Active challenge (prompts, timing, identity); null when not run. */
    activePassed: boolean | null;
    /** Colour-flash challenge; null when not run. */
    flashPassed: boolean | null;
    /**
     * Depth between the active frames (planar-motion: a head turn's landmarks that fit a plane are a
     * swung photo or screen); null when no frame turned enough to tell, absent when not gating.
     */
    depthPassed?: boolean | null;
    /**
     * The selfie shows the person who performed the active challenge (closest frame within the
     * distance limit); null when there is no selfie or no frame with a face to compare.
     */
    selfieMatched?: boolean | null;
    /** Gating presentation-attack signals that fired. */
    attackSignals: string[];
  };
}

export interface DecisionPolicy {
  /** Similarity at or above which the faces match. */
  acceptSimilarity: number;
  /** Similarity below which the faces do not match; in between is manual review. */
  rejectSimilarity: number;
  /** Minimum age in years, or null for none. */
  minAge: number | null;
  /** Reasons whose effect a company has changed (e.g. `fields_mismatch: "reject"`). */
  overrides?: Partial<Record<ReasonCode, "reject" | "review" | "ignore">>;
}

export interface Decision {
  status: "approved" | "rejected" | "manual_check";
  reasons: ReasonCode[];
  /** Identomat's `reject_reason`: the first deciding reason, empty when approved. */
  rejectReason: { value: string; description: string };
}

export function decide(input: DecisionInput, policy: DecisionPolicy): Decision {
  const reasons: ReasonCode[] = [];
  const add = (r: ReasonCode) => {
    if (!reasons.includes(r)) reasons.push(r);
  };

  const d = input.document;
  if (input.required.document) {
    if (!d || d.read === "missing") add("capture_missing");
    else if (d.read === "no_document") add("document_not_found");
    else {
      if (d.read === "unreadable") add("document_unreadable");
      if (d.mrzValid === false) add("mrz_invalid");
      if (d.expired) add("document_expired");
      if (d.fieldsMismatch) add("fields_mismatch");
      if (!d.typeAllowed) add("document_type_not_allowed");
      if (!d.countryAllowed) add("country_not_allowed");
      if (policy.minAge !== null && d.ageYears !== null && d.ageYears < policy.minAge) add("underage");
    }
  }

  if (input.required.face || input.required.liveness) {
    const f = input.face?.outcome ?? "missing";
    if (f === "missing") add("capture_missing");
    else if (f === "multiple_faces") add("multiple_faces");
    else if (f === "no_face" || f === "image_unreadable") add("no_face");
    else if (f !== "ok") add("face_quality");
  }

  if (
    input.required.document &&
    (input.required.face || input.required.liveness) &&
    input.face?.outcome === "ok"
  ) {
    if (d && d.read !== "no_document" && d.read !== "missing" && !d.portraitFound) add("portrait_not_found");
    const s = input.similarity;
    if (typeof s === "number") {
      if (s < policy.rejectSimilarity) add("face_mismatch");
      else if (s < policy.acceptSimilarity) add("face_match_uncertain");
    }
  }

  if (input.required.liveness) {
    const l = input.liveness;
    if (!l) add("capture_missing");
    else {
      if (
        l.activePassed === false ||
        l.flashPassed === false ||
        l.depthPassed === false ||
        l.selfieMatched === false
      )
        add("liveness_failed");
      if (l.activePassed === null && l.flashPassed === null) add("capture_missing");
      if (l.attackSignals.length > 0) add("presentation_attack");
    }
  }

  const effect = (r: ReasonCode) => policy.overrides?.[r] ?? REASON_CODES[r].effect;
  const active = reasons.filter((r) => effect(r) !== "ignore");
  const rejecting = active.filter((r) => effect(r) === "reject");
  const reviewing = active.filter((r) => effect(r) === "review");
  const status = rejecting.length > 0 ? "rejected" : reviewing.length > 0 ? "manual_check" : "approved";
  const first = status === "rejected" ? rejecting[0] : status === "manual_check" ? reviewing[0] : undefined;
  return {
    status,
    reasons: active,
    rejectReason: first
      ? { value: first, description: REASON_CODES[first].description }
      : { value: "", description: "" },
  };
}
