/**
 * The steps a no-code flow builder offers, named as Identomat's builder names them, each with the step
 * type it saves and what it maps to. "Selfie with ID" and "Proof of address" are the widget's existing
 * capture steps (`face-document`, `general-document`) — the same the flags `require_face_document` and
 * `allow_general_document_capture` / `_upload` add implicitly — so a builder step and a flag give the
 * person the same screen and the result the same media.
 * @module
 */
import type { KnownStepType } from "./session-steps.ts";

export interface BuilderStep {
  type: KnownStepType;
  /** The builder's name for it. */
  label: string;
  /** KYC (a person), KYB (a company) or both. */
  flow: "kyc" | "kyb" | "both";
  /** The settings a new step of this type starts with. */
  start: Record<string, unknown>;
  /** The global flags that add the same step implicitly, when there are such. */
  impliedBy?: readonly string[];
}

export const BUILDER_STEPS: readonly BuilderStep[] = [
  { type: "agreement", label: "Agreement", flow: "both", start: {} },
  { type: "language", label: "Language", flow: "both", start: { languages: ["en", "ka", "ru"] } },
  {
    type: "identity-document",
    label: "Identity document",
    flow: "kyc",
    start: { document_types: ["passport", "id"] },
  },
  { type: "liveness", label: "Selfie / liveness", flow: "kyc", start: { liveness: true } },
  {
    type: "face-document",
    label: "Selfie with ID",
    flow: "kyc",
    start: { allow_face_doc_upload: false },
    impliedBy: ["require_face_document"],
  },
  {
    type: "general-document",
    label: "Proof of address",
    flow: "kyc",
    start: {
      general_document_types: ["bank_statement", "utility_bill"],
      allow_capture: true,
      allow_upload: true,
    },
    impliedBy: ["allow_general_document_capture", "allow_general_document_upload"],
  },
  {
    type: "user-questionnaire",
    label: "User questionnaire",
    flow: "both",
    start: {
      key: "questionnaire",
      questions: [{ key: "q1", type: "text", required: true, label: { en: "Question" } }],
    },
  },
  {
    type: "operator-questionnaire",
    label: "Operator questionnaire",
    flow: "kyc",
    start: {
      key: "operator",
      questions: [{ key: "notes", type: "text", required: true, label: { en: "Notes" } }],
    },
  },
  { type: "phone-number", label: "Phone number", flow: "kyc", start: {} },
  { type: "email", label: "E-mail", flow: "kyc", start: {} },
  { type: "geolocation", label: "Geolocation", flow: "kyc", start: {} },
  { type: "video-call", label: "Video call", flow: "kyc", start: { wait_minutes: 5, record: true } },
  {
    type: "company-data",
    label: "Company data",
    flow: "kyb",
    start: {
      fields: ["company_name", "registration_number", "country", "legal_form", "address"],
      min_documents: 1,
    },
  },
  {
    type: "beneficiaries",
    label: "Beneficiaries",
    flow: "kyb",
    start: { min: 1, max: 10, child_flags: { liveness: true } },
  },
];

/** The builder's name of a step type ("Selfie with ID" for face-document), or the type itself. */
export function builderLabelOf(type: string): string {
  return BUILDER_STEPS.find((s) => s.type === type)?.label ?? type;
}
