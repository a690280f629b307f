/**
 * Wire types of the API (mirrors the server's result builder; a type test in client.intg.test.ts
 * checks the server's SessionResult is assignable to this one).
 * @module
 */

export type SessionStatus =
  | "in_progress"
  | "approved"
  | "rejected"
  | "manual_check"
  | "disagreed"
  | "expired";

export interface SessionFlags {
  return_url?: string | null;
  liveness?: boolean;
  language?: string;
  document_types?: string[];
  document_countries?: string[];
  general_document_types?: string[];
  skip_face?: boolean;
  skip_document?: boolean;
  skip_desktop?: boolean;
  skip_agreement?: boolean;
  switch_device_url?: string | null;
  restrict_url_sharing?: boolean;
  requireHdMedia?: boolean;
  allow_general_document_capture?: boolean;
  allow_general_document_upload?: boolean;
  allow_document_upload?: boolean;
  disable_document_capture?: boolean;
  allow_face_upload?: boolean;
  allow_face_doc_upload?: boolean;
  require_face_document?: boolean;
  server?: "computer" | "human";
  /** Unknown flags are stored verbatim. */
  [flag: string]: unknown;
}

export interface SessionStep {
  type: string;
  flags?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RejectReason {
  value: string;
  description: string;
}

export interface SessionResult {
  result: SessionStatus;
  similarity: number;
  live: boolean;
  document_type: string;
  generalDocuments: {
    typeId: string;
    documentType: string;
    permanent: unknown;
    pages: {
      typeId: string;
      pageNumber: number;
      documentPages: { pageNumber: number }[];
      statuses: string[];
      final: Record<string, unknown>;
    }[];
  }[];
  reject_reason: RejectReason;
  result_comment: string;
  name: string;
  face_images: number;
  id_card_front: Record<string, string>;
  id_card_back: Record<string, string>;
  suggested: Record<string, unknown>;
  person: Record<string, string | number>;
  technicalDetails: { remoteAddress: string; userAgent: string; countryCode: string };
  configId: string | null;
  trustedDatabaseRecord: unknown;
  questionnaires: { key: string; questions: { key: string; answer: unknown }[] }[];
  screeningMatches: { score: number; name: string; personId: string; reviewStatus: string }[];
  /** Verimat extensions. */
  session_token: string;
  reason_codes: string[];
  company_data?: { fields: Record<string, string>; documents: string[] };
  beneficiaries?: BeneficiaryResult[];
  geolocation?: Record<string, unknown>;
}

/** A KYB beneficiary's own verification (sessions with a beneficiaries step). */
export interface BeneficiaryResult {
  id: string;
  first_name: string;
  last_name: string;
  roles: string[];
  share: number | null;
  email: string | null;
  phone: string | null;
  required: boolean;
  session_token: string;
  status: string;
  link_sent_via: "email" | "sms" | null;
  link_error?: string;
  result: {
    result: string;
    similarity: number;
    live: boolean;
    reject_reason: RejectReason;
    person: Record<string, string | number>;
  } | null;
}

export const MEDIA_KINDS = [
  "card-front",
  "card-back",
  "passport",
  "face",
  "face-video",
  "face-document",
  "general-document",
] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export type CallbackEventType =
  | "session.created"
  | "session.opened"
  | "step.completed"
  | "session.completed"
  | "session.disagreed"
  | "session.expired"
  | "session.reviewed"
  | "session.deleted"
  | "ping"
  | "one-time-password-request"
  | "email-one-time-password-request";

export interface CallbackEvent {
  /** Stable across retries and replays: process each id once. */
  id: string;
  type: CallbackEventType | (string & {});
  callbackApiKey: string | null;
  sessionId: string | null;
  status: string | null;
  /** approved / rejected / manual_check on session.completed and session.reviewed. */
  result?: string | null;
  /** Unix seconds. */
  created: number;
  timestamp: string;
  data: Record<string, unknown>;
  [field: string]: unknown;
}
