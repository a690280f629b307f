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
  generalDocuments?: GeneralDocument[];
  questionnaires?: Questionnaire[];
  rejectReason?: RejectReason;
  faceImages?: number;
  suggested?: Record<string, unknown>;
  trustedDatabaseRecord?: unknown;
  screeningMatches?: { score: number; name: string; personId: string; reviewStatus: string }[];
  /** Our extension: every reason code the decision engine raised, and the signals behind it. */
  reasonCodes?: string[];
  signals?: Record<string, unknown>;
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
  const person = v.person ?? {};
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
  };
}

function clamp01(n: number): number {
  if (!Number.isFinite(n)) return 0;
  return Math.min(1, Math.max(0, n));
}
