/**
 * The decision's reason codes: stable strings that reach companies as `reject_reason.value` and
 * `reason_codes`. Each says what was found; `effect` is what it does to the decision by default.
 * @module
 */
export const REASON_CODES = {
  face_mismatch: { effect: "reject", description: "The face does not match the document portrait." },
  face_match_uncertain: { effect: "review", description: "The face match is in the manual-review band." },
  liveness_failed: {
    effect: "reject",
    description:
      "The liveness challenge was not performed as asked, its head turns showed no depth (a flat photo or screen), or the selfie is not the person who performed it.",
  },
  presentation_attack: {
    effect: "reject",
    description: "Image evidence of a printed photo, screen or replayed video.",
  },
  multiple_faces: { effect: "reject", description: "More than one face was in view where one was required." },
  no_face: { effect: "reject", description: "No usable face was found in the selfie or liveness capture." },
  face_quality: {
    effect: "review",
    description: "The face capture is too small, blurred or cut off to be sure.",
  },
  portrait_not_found: { effect: "review", description: "No face was found on the document to compare with." },
  document_unreadable: {
    effect: "review",
    description: "The document was captured but its data could not be read.",
  },
  document_not_found: { effect: "reject", description: "No identity document was found in the images." },
  mrz_invalid: { effect: "reject", description: "The machine-readable zone fails its ICAO check digits." },
  fields_mismatch: {
    effect: "review",
    description: "The printed fields disagree with the machine-readable zone.",
  },
  document_expired: { effect: "reject", description: "The document's expiry date has passed." },
  document_type_not_allowed: {
    effect: "reject",
    description: "This kind of document is not accepted for the session.",
  },
  country_not_allowed: {
    effect: "reject",
    description: "Documents of this issuing country are not accepted for the session.",
  },
  underage: { effect: "reject", description: "The person is younger than the required minimum age." },
  video_call_failed: { effect: "reject", description: "An operator failed the video call." },
  capture_missing: { effect: "reject", description: "A required capture was never submitted." },
} as const satisfies Record<string, { effect: "reject" | "review"; description: string }>;

export type ReasonCode = keyof typeof REASON_CODES;

/** The effects a company may give a reason instead of its default. */
export const REASON_EFFECTS = ["review", "reject", "ignore"] as const;
export type ReasonEffect = (typeof REASON_EFFECTS)[number];

/**
 * A company's stored setting for `fields_mismatch` (printed fields vs MRZ / barcode), read leniently:
 * anything but a known effect is the default, `review`.
 */
export function fieldsMismatchEffect(v: unknown): ReasonEffect {
  return REASON_EFFECTS.find((e) => e === v) ?? "review";
}
