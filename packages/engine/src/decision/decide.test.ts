import { describe, expect, it } from "vitest";
import { type DecisionInput, type DecisionPolicy, decide } from "./decide.ts";

const policy: DecisionPolicy = { acceptSimilarity: 0.85, rejectSimilarity: 0.15, minAge: 18 };
const doc: NonNullable<DecisionInput["document"]> = {
  read: "ok",
  mrzValid: true,
  expired: false,
  ageYears: 30,
  fieldsMismatch: false,
  typeAllowed: true,
  countryAllowed: true,
  portraitFound: true,
};
const good: DecisionInput = {
  required: { document: true, face: true, liveness: true },
  document: doc,
  face: { outcome: "ok" },
  similarity: 0.97,
  liveness: { activePassed: true, flashPassed: true, attackSignals: [] },
};

describe("decide", () => {
  it("approves a clean session with no reasons", () => {
    expect(decide(good, policy)).toEqual({
      status: "approved",
      reasons: [],
      rejectReason: { value: "", description: "" },
    });
  });

  it.each([
    ["face_mismatch", { similarity: 0.05 }],
    ["liveness_failed", { liveness: { activePassed: false, flashPassed: true, attackSignals: [] } }],
    [
      "liveness_failed",
      { liveness: { activePassed: true, flashPassed: true, depthPassed: false, attackSignals: [] } },
    ],
    [
      "liveness_failed",
      { liveness: { activePassed: true, flashPassed: true, selfieMatched: false, attackSignals: [] } },
    ],
    [
      "presentation_attack",
      { liveness: { activePassed: true, flashPassed: true, attackSignals: ["screen_moire"] } },
    ],
    ["multiple_faces", { face: { outcome: "multiple_faces" } }],
    ["document_expired", { document: { ...doc, expired: true } }],
    ["mrz_invalid", { document: { ...doc, mrzValid: false } }],
    ["underage", { document: { ...doc, ageYears: 16 } }],
    ["document_not_found", { document: { ...doc, read: "no_document" } }],
  ] as const)("rejects with %s", (code, patch) => {
    const r = decide({ ...good, ...(patch as Partial<DecisionInput>) }, policy);
    expect(r.status).toBe("rejected");
    expect(r.reasons).toContain(code);
    expect(r.rejectReason.value).toBe(code);
    expect(r.rejectReason.description.length).toBeGreaterThan(10);
  });

  it.each([
    ["face_match_uncertain", { similarity: 0.5 }],
    ["document_unreadable", { document: { ...doc, read: "unreadable", mrzValid: null } }],
    ["fields_mismatch", { document: { ...doc, fieldsMismatch: true } }],
    ["face_quality", { face: { outcome: "face_blurred" } }],
  ] as const)("sends %s to manual review", (code, patch) => {
    const r = decide({ ...good, ...(patch as Partial<DecisionInput>) }, policy);
    expect(r.status).toBe("manual_check");
    expect(r.reasons).toEqual([code]);
  });

  it("lets a reject outrank a review and reports both", () => {
    const r = decide({ ...good, similarity: 0.5, document: { ...doc, expired: true } }, policy);
    expect(r.status).toBe("rejected");
    expect(r.reasons).toEqual(["document_expired", "face_match_uncertain"]);
  });

  it("applies per-company thresholds and overrides", () => {
    expect(decide({ ...good, similarity: 0.8 }, { ...policy, acceptSimilarity: 0.75 }).status).toBe(
      "approved",
    );
    expect(
      decide(
        { ...good, document: { ...doc, fieldsMismatch: true } },
        { ...policy, overrides: { fields_mismatch: "reject" } },
      ).status,
    ).toBe("rejected");
    expect(decide({ ...good, document: { ...doc, ageYears: 16 } }, { ...policy, minAge: null }).status).toBe(
      "approved",
    );
  });

  it("does not ask for what the session did not require", () => {
    const r = decide({ required: { document: true, face: false, liveness: false }, document: doc }, policy);
    expect(r.status).toBe("approved");
  });

  it("rejects a session whose required captures never arrived", () => {
    const r = decide({ required: { document: true, face: true, liveness: true } }, policy);
    expect(r.status).toBe("rejected");
    expect(r.reasons).toContain("capture_missing");
  });
});
