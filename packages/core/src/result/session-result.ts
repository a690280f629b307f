/**
 * The result object of `/external-api/result/`, field for field as Identomat clients read it. It is
 * always complete, also while the session is in progress: clients poll it and some (the Rust
 * connector) fail on a partial object.
 * @module
 */
import type { SessionStatus } from "../session/session-status.ts";

export type PersonValue = string | number;

export interface GeneralDocumentPage {
  typeId: string;
  pageNumber: number;
  documentPages: { pageNumber: number }[];
  statuses: string[];
  final: Record<string, unknown>;
}

export interface GeneralDocument {
  typeId: string;
  documentType: string;
  permanent: unknown;
  pages: GeneralDocumentPage[];
}

export interface Questionnaire {
  key: string;
  questions: { key: string; answer: unknown }[];
}

export interface RejectReason {
  value: string;
  description: string;
}

/** What the engine (or an operator) established about a session; stored as JSON on the session. */
export interface SessionVerification {
  similarity?: number;
  live?: boolean;
  documentType?: string;
  person?: Record<string, PersonValue>;
  idCardFront?: Record<string, string>;
  idCardBack?: Record<string, string>;
  /** What the document's visual zone showed per `person` field (not in the result; the dashboard compares it). */
  visual?: Record<string, string>;
  generalDocuments?: GeneralDocument[];
  questionnaires?: Questionnaire[];
  rejectReason?: RejectReason;
  faceImages?: number;
  suggested?: Record<string, unknown>;
  trustedDatabaseRecord?: unknown;
  screeningMatches?: { score: number; name: string; personId: string; reviewStatus: string }[];
  /** Verified by a one-time code (phone-number / email steps); lands in `person.phone` / `person.email`. */
  contact?: { email?: string; phone?: string };
  /** Where the latest code of each channel was sent (not in the result; becomes `contact` once verified). */
  pendingContact?: { email?: string; sms?: string };
  /** The geolocation step's record (our extension `geolocation` in the result). */
  geolocation?: Record<string, unknown>;
  /** KYB: the company-data step's fields and registration document media ids. */
  company?: { fields: Record<string, string>; documents: string[] };
  /** KYB: the beneficiaries and their child sessions, progress refreshed from the children. */
  beneficiaries?: BeneficiaryResult[];
  /** The language the person chose in a language step. */
  language?: string;
  /** The video-call step: how the operator ended the call (our extension `video_call` in the result). */
  videoCall?: VideoCallResult;
  /** Our extension: every reason code the decision engine raised, and the signals behind it. */
  reasonCodes?: string[];
  signals?: Record<string, unknown>;
}

/** One beneficial owner or director of a KYB session, with the child KYC session verifying them. */
export interface BeneficiaryResult {
  id: string;
  first_name: string;
  last_name: string;
  roles: string[];
  share: number | null;
  email: string | null;
  phone: string | null;
  required: boolean;
  /** The child session (`parent_session_id` = this session). */
  session_token: string;
  /** The child's status (`in_progress` until it finishes) and its result once final. */
  status: string;
  link_sent_via: "email" | "sms" | null;
  /** Why the link could not be sent (an error code); the representative may resend. */
  link_error?: string;
  result: {
    result: string;
    similarity: number;
    live: boolean;
    reject_reason: RejectReason;
    person: Record<string, PersonValue>;
  } | null;
}

/** A video-call step's record: who took the call, when, its outcome and the stills captured (media ids). */
export interface VideoCallResult {
  outcome: "passed" | "failed";
  note: string;
  operator: string;
  requested_at: string;
  started_at: string;
  ended_at: string;
  duration_seconds: number;
  /** Media ids of the stills the operator captured (kind `video-call-still`). */
  stills: string[];
  /**
   * Media id of the call's recording (kind `video-call-recording`); null when the step does not record
   * or no chunk had arrived by the verdict (absent in records from before recordings).
   */
  recording?: string | null;
}

export interface TechnicalDetails {
  remoteAddress: string;
  userAgent: string;
  countryCode: string;
}

export interface SessionResult {
  result: SessionStatus;
  similarity: number;
  live: boolean;
  document_type: string;
  generalDocuments: GeneralDocument[];
  reject_reason: RejectReason;
  result_comment: string;
  name: string;
  face_images: number;
  id_card_front: Record<string, string>;
  id_card_back: Record<string, string>;
  suggested: Record<string, unknown>;
  person: Record<string, PersonValue>;
  technicalDetails: TechnicalDetails;
  configId: string | null;
  trustedDatabaseRecord: unknown;
  questionnaires: Questionnaire[];
  screeningMatches: { score: number; name: string; personId: string; reviewStatus: string }[];
  /** Our extensions, additive: the session token and the decision's reason codes. */
  session_token: string;
  reason_codes: string[];
  /** Extensions present only when the session has those steps: KYB company data and beneficiaries, position. */
  company_data?: { fields: Record<string, string>; documents: string[] };
  beneficiaries?: BeneficiaryResult[];
  geolocation?: Record<string, unknown>;
  video_call?: VideoCallResult;
}

export interface ResultSource {
  token: string;
  status: SessionStatus;
  configId: string | null;
  resultComment: string;
  verification: SessionVerification;
  technical: Partial<TechnicalDetails>;
}

export function buildSessionResult(s: ResultSource): SessionResult {
  const v = s.verification;
  // Contact values verified by a code win over anything read from a document.
  const person: Record<string, PersonValue> = {
    ...(v.person ?? {}),
    ...(v.contact?.email ? { email: v.contact.email } : {}),
    ...(v.contact?.phone ? { phone: v.contact.phone } : {}),
  };
  const first = typeof person.first_name === "string" ? person.first_name : "";
  const last = typeof person.last_name === "string" ? person.last_name : "";
  return {
    result: s.status,
    similarity: clamp01(v.similarity ?? 0),
    live: v.live === true,
    document_type: v.documentType ?? "",
    generalDocuments: v.generalDocuments ?? [],
    reject_reason: v.rejectReason ?? { value: "", description: "" },
    result_comment: s.resultComment,
    name: [first, last].filter(Boolean).join(" "),
    face_images: v.faceImages ?? 0,
    id_card_front: v.idCardFront ?? {},
    id_card_back: v.idCardBack ?? {},
    suggested: v.suggested ?? {},
    person,
    technicalDetails: {
      remoteAddress: s.technical.remoteAddress ?? "",
      userAgent: s.technical.userAgent ?? "",
      countryCode: s.technical.countryCode ?? "",
    },
    configId: s.configId,
    trustedDatabaseRecord: v.trustedDatabaseRecord ?? null,
    questionnaires: v.questionnaires ?? [],
    screeningMatches: v.screeningMatches ?? [],
    session_token: s.token,
    reason_codes: v.reasonCodes ?? [],
    ...(v.company ? { company_data: v.company } : {}),
    ...(v.beneficiaries ? { beneficiaries: v.beneficiaries } : {}),
    ...(v.geolocation ? { geolocation: v.geolocation } : {}),
    ...(v.videoCall ? { video_call: v.videoCall } : {}),
  };
}

function clamp01(n: number): number {
  if (!Number.isFinite(n)) return 0;
  return Math.min(1, Math.max(0, n));
}
