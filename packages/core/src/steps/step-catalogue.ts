/**
 * The rest of the step catalogue, pure: questionnaire definitions and answer validation, contact
 * values (e-mail, phone), geolocation, KYB company data and beneficiaries. Definitions are checked at
 * `begin/` (a malformed step is a STEP_INVALID naming it); answers are checked when the person sends
 * them (stable codes, the message names the question or field).
 * @module
 */
import { z } from "zod";
import { AppError } from "../errors/index.ts";
import type { SessionStep } from "./session-steps.ts";

/**
 * Steps the widget cannot finish with the generic "complete" call: the server completes them once
 * their input passed its checks (answers, a verified code, company data, beneficiaries).
 */
export const SERVER_CHECKED_STEP_TYPES: readonly string[] = [
  "user-questionnaire",
  "phone-number",
  "email",
  "geolocation",
  "language",
  "company-data",
  "beneficiaries",
  "video-call",
];

export const QUESTION_TYPES = [
  "text",
  "number",
  "date",
  "single-choice",
  "multiple-choice",
  "yes-no",
  "file",
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

const key = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "keys are 1–64 letters, digits, _ . -");
/** A label: one string, or one per language code (`{ en: "…", ka: "…" }`). */
const label = z.union([
  z.string().min(1).max(500),
  z.record(z.string().regex(/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$/), z.string().min(1).max(500)),
]);
const scalar = z.union([z.string().max(200), z.number(), z.boolean()]);

const ZQuestion = z.object({
  key,
  type: z.preprocess(
    (v) => (typeof v === "string" ? v.replaceAll("_", "-").toLowerCase() : v),
    z.enum(QUESTION_TYPES),
  ),
  label: label.optional(),
  required: z.boolean().default(false),
  options: z
    .array(z.object({ value: z.string().min(1).max(200), label: label.optional() }))
    .max(100)
    .optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  max_length: z.number().int().min(1).max(10_000).optional(),
  /** Shown (and validated) only when an earlier question's answer matches. */
  when: z
    .object({
      question: key,
      equals: scalar.optional(),
      in: z.array(scalar).max(100).optional(),
      answered: z.boolean().optional(),
    })
    .optional(),
});
export type TQuestion = z.infer<typeof ZQuestion>;

export interface QuestionnaireDefinition {
  key: string;
  title: unknown;
  questions: TQuestion[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A stored step (a JSON record) as a typed step: `type` a string, `flags` an object. */
export function toSessionStep(raw: Record<string, unknown>): SessionStep {
  return { ...raw, type: String(raw.type ?? ""), flags: isRecord(raw.flags) ? raw.flags : {} };
}

function stepValue(step: SessionStep, name: string): unknown {
  return step[name] ?? step.flags[name];
}

/**
 * The questionnaire a `user-questionnaire` / `operator-questionnaire` step defines: `key` and
 * `questions` at the step's top level or inside its flags; the key defaults to the step type and index.
 * @throws AppError STEP_INVALID naming the step and question
 */
export function questionnaireOf(step: SessionStep, index: number): QuestionnaireDefinition {
  const rawKey = stepValue(step, "key");
  const qKey = typeof rawKey === "string" && rawKey.length > 0 ? rawKey : `${step.type}-${index}`;
  if (!key.safeParse(qKey).success)
    throw new AppError("STEP_INVALID", { message: `step ${index}: key must be 1–64 letters, digits, _ . -` });
  const raw = stepValue(step, "questions") ?? [];
  if (!Array.isArray(raw) || raw.length > 100)
    throw new AppError("STEP_INVALID", { message: `step ${index}: questions must be an array (≤ 100)` });
  const seen = new Set<string>();
  const questions = raw.map((q, i) => {
    const r = ZQuestion.safeParse(q);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new AppError("STEP_INVALID", {
        message: `step ${index} question ${i}: ${issue ? `${issue.path.join(".")} ${issue.message}` : "invalid"}`,
      });
    }
    const def = r.data;
    if (seen.has(def.key))
      throw new AppError("STEP_INVALID", { message: `step ${index}: duplicate question key ${def.key}` });
    if ((def.type === "single-choice" || def.type === "multiple-choice") && !def.options?.length)
      throw new AppError("STEP_INVALID", {
        message: `step ${index} question ${def.key}: options are required`,
      });
    if (def.when && !seen.has(def.when.question))
      throw new AppError("STEP_INVALID", {
        message: `step ${index} question ${def.key}: a condition may only name an earlier question`,
      });
    seen.add(def.key);
    return def;
  });
  return { key: qKey, title: stepValue(step, "title") ?? null, questions };
}

/** A file answer: a media id of this session (uploaded as kind `questionnaire-file`). */
export interface FileAnswer {
  file: string;
}

function conditionHolds(q: TQuestion, answers: ReadonlyMap<string, unknown>): boolean {
  const w = q.when;
  if (!w) return true;
  const a = answers.get(w.question);
  const values = Array.isArray(a) ? a : a === undefined ? [] : [a];
  if (w.answered !== undefined && values.length > 0 !== w.answered) return false;
  if (w.equals !== undefined && !values.includes(w.equals)) return false;
  if (w.in !== undefined && !values.some((v) => w.in?.includes(v as string | number | boolean))) return false;
  return true;
}

function invalid(q: TQuestion, why: string): AppError {
  return new AppError("QUESTIONNAIRE_ANSWER_INVALID", { message: `${q.key}: ${why}` });
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkAnswer(q: TQuestion, v: unknown, isFile: (id: string) => boolean): unknown {
  switch (q.type) {
    case "text": {
      if (typeof v !== "string") throw invalid(q, "must be text");
      const s = v.trim();
      if (s.length > (q.max_length ?? 2_000)) throw invalid(q, "is too long");
      return s;
    }
    case "number": {
      const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
      if (typeof n !== "number" || !Number.isFinite(n)) throw invalid(q, "must be a number");
      if (q.min !== undefined && n < q.min) throw invalid(q, `must be at least ${q.min}`);
      if (q.max !== undefined && n > q.max) throw invalid(q, `must be at most ${q.max}`);
      return n;
    }
    case "date": {
      const m = typeof v === "string" ? ISO_DATE.exec(v) : null;
      if (!m) throw invalid(q, "must be a date YYYY-MM-DD");
      const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      if (d.toISOString().slice(0, 10) !== v) throw invalid(q, "is not a calendar date");
      return v;
    }
    case "single-choice": {
      if (typeof v !== "string" || !q.options?.some((o) => o.value === v))
        throw invalid(q, "must be one of the options");
      return v;
    }
    case "multiple-choice": {
      if (
        !Array.isArray(v) ||
        !v.every((x) => typeof x === "string" && q.options?.some((o) => o.value === x))
      )
        throw invalid(q, "must be a list of the options");
      const unique = [...new Set(v as string[])];
      if (q.min !== undefined && unique.length < q.min) throw invalid(q, `choose at least ${q.min}`);
      if (q.max !== undefined && unique.length > q.max) throw invalid(q, `choose at most ${q.max}`);
      return unique;
    }
    case "yes-no": {
      if (typeof v !== "boolean") throw invalid(q, "must be true or false");
      return v;
    }
    case "file": {
      const id = isRecord(v) ? v.file : v;
      if (typeof id !== "string" || !isFile(id))
        throw invalid(q, "must name a file uploaded to this session");
      return { file: id } satisfies FileAnswer;
    }
  }
}

/**
 * Checks the answers against the questionnaire, in question order: questions whose condition does not
 * hold are dropped (an answer to them is ignored), required ones must be answered, every answer must
 * fit its type. Unknown answer keys are refused so a typo cannot pass silently.
 * @returns the result's `questions` list, `[{ key, answer }]`, in definition order
 * @throws AppError QUESTIONNAIRE_ANSWER_MISSING / QUESTIONNAIRE_ANSWER_INVALID naming the question
 */
export function validateAnswers(
  def: QuestionnaireDefinition,
  answers: unknown,
  isFile: (id: string) => boolean = () => false,
): { key: string; answer: unknown }[] {
  if (!isRecord(answers))
    throw new AppError("QUESTIONNAIRE_ANSWER_INVALID", {
      message: "answers must be an object keyed by question",
    });
  const known = new Set(def.questions.map((q) => q.key));
  for (const k of Object.keys(answers)) {
    if (!known.has(k))
      throw new AppError("QUESTIONNAIRE_ANSWER_INVALID", { message: `${k}: no such question` });
  }
  const given = new Map<string, unknown>();
  const out: { key: string; answer: unknown }[] = [];
  for (const q of def.questions) {
    if (!conditionHolds(q, given)) continue;
    const v = answers[q.key];
    if (isEmpty(v)) {
      if (q.required)
        throw new AppError("QUESTIONNAIRE_ANSWER_MISSING", { message: `${q.key}: an answer is required` });
      continue;
    }
    const answer = checkAnswer(q, v, isFile);
    if (q.type === "text" && answer === "" && q.required)
      throw new AppError("QUESTIONNAIRE_ANSWER_MISSING", { message: `${q.key}: an answer is required` });
    given.set(q.key, answer);
    out.push({ key: q.key, answer });
  }
  return out;
}

/** E.164 after removing spaces, dashes, dots and parentheses. @throws OTP_DESTINATION_INVALID */
export function normalisePhone(input: unknown): string {
  const s = typeof input === "string" ? input.replace(/[\s().-]/g, "") : "";
  const withPlus = s.startsWith("00") ? `+${s.slice(2)}` : s;
  if (!/^\+[1-9]\d{6,14}$/.test(withPlus))
    throw new AppError("OTP_DESTINATION_INVALID", {
      message: "the phone number must be in international form, e.g. +995 555 123 456",
    });
  return withPlus;
}

/** Trimmed, domain lower-cased; a pragmatic shape check (the code sent to it is the real check). */
export function normaliseEmail(input: unknown): string {
  const s = typeof input === "string" ? input.trim() : "";
  const at = s.lastIndexOf("@");
  const ok =
    s.length <= 254 &&
    at > 0 &&
    /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(s) &&
    !s.includes("..");
  if (!ok) throw new AppError("OTP_DESTINATION_INVALID", { message: "the e-mail address is not valid" });
  return `${s.slice(0, at)}@${s.slice(at + 1).toLowerCase()}`;
}

/** What the geolocation step recorded; `countryMismatch` is a signal, not a decision. */
export interface GeolocationRecord {
  consent: boolean;
  latitude: number | null;
  longitude: number | null;
  accuracy: number | null;
  /** Country of the position, when the client could name it (alpha-2), else null. */
  positionCountry: string | null;
  /** Country of the request IP from the packaged database (alpha-2), "" when unknown. */
  ipCountry: string;
  countryMismatch: boolean | null;
  recordedAt: number;
}

const ZGeolocationInput = z.object({
  consent: z.boolean(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  accuracy: z.number().min(0).max(1_000_000).optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/)
    .optional(),
  /** Why the browser gave no position (denied, unavailable, timeout). */
  error: z.enum(["denied", "unavailable", "timeout"]).optional(),
});
export type TGeolocationInput = z.infer<typeof ZGeolocationInput>;

export function parseGeolocation(input: unknown): TGeolocationInput {
  const r = ZGeolocationInput.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new AppError("GEOLOCATION_INVALID", {
      message: issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid position",
    });
  }
  const v = r.data;
  if (v.consent && (v.latitude === undefined) !== (v.longitude === undefined))
    throw new AppError("GEOLOCATION_INVALID", { message: "latitude and longitude go together" });
  return v;
}

// ───────────────────────────── KYB ─────────────────────────────

export const COMPANY_FIELDS = [
  "company_name",
  "registration_number",
  "country",
  "legal_form",
  "address",
  "registration_date",
  "tax_number",
  "website",
  "email",
  "phone",
] as const;
export type CompanyField = (typeof COMPANY_FIELDS)[number];
const DEFAULT_COMPANY_FIELDS: CompanyField[] = [
  "company_name",
  "registration_number",
  "country",
  "legal_form",
  "address",
];

export interface CompanyDataSpec {
  fields: CompanyField[];
  required: CompanyField[];
  /** Registration documents: how many at least (0: optional) and at most. */
  minDocuments: number;
  maxDocuments: number;
}

function fieldList(v: unknown, index: number, name: string): CompanyField[] | null {
  if (v === undefined) return null;
  if (!Array.isArray(v) || !v.every((f) => (COMPANY_FIELDS as readonly unknown[]).includes(f)))
    throw new AppError("STEP_INVALID", {
      message: `step ${index}: ${name} must list fields among ${COMPANY_FIELDS.join(", ")}`,
    });
  return v as CompanyField[];
}

/** The company-data step's choices: `fields`, `required_fields` (default: all chosen), documents. */
export function companyDataSpecOf(step: SessionStep, index: number): CompanyDataSpec {
  const fields = fieldList(stepValue(step, "fields"), index, "fields") ?? DEFAULT_COMPANY_FIELDS;
  const required = fieldList(stepValue(step, "required_fields"), index, "required_fields") ?? fields;
  const minDocs = stepValue(step, "min_documents") ?? (stepValue(step, "require_documents") === true ? 1 : 0);
  const maxDocs = stepValue(step, "max_documents") ?? 5;
  if (
    typeof minDocs !== "number" ||
    typeof maxDocs !== "number" ||
    minDocs < 0 ||
    maxDocs > 20 ||
    minDocs > maxDocs
  )
    throw new AppError("STEP_INVALID", {
      message: `step ${index}: min_documents/max_documents out of range`,
    });
  return {
    fields,
    required: required.filter((f) => fields.includes(f)),
    minDocuments: minDocs,
    maxDocuments: maxDocs,
  };
}

export interface CompanyData {
  fields: Partial<Record<CompanyField, string>>;
  /** Media ids of the registration documents (kind `company-document`). */
  documents: string[];
}

/**
 * @throws AppError COMPANY_DATA_INVALID naming the field
 */
export function validateCompanyData(
  spec: CompanyDataSpec,
  input: unknown,
  isDocument: (id: string) => boolean,
): CompanyData {
  if (!isRecord(input) || !isRecord(input.fields ?? {}))
    throw new AppError("COMPANY_DATA_INVALID", { message: "send { fields: {…}, documents: [media ids] }" });
  const given = (input.fields ?? {}) as Record<string, unknown>;
  const fields: Partial<Record<CompanyField, string>> = {};
  for (const k of Object.keys(given)) {
    if (!spec.fields.includes(k as CompanyField))
      throw new AppError("COMPANY_DATA_INVALID", { message: `${k}: not asked for by this step` });
  }
  for (const f of spec.fields) {
    const raw = given[f];
    const v = typeof raw === "string" ? raw.trim() : raw === undefined || raw === null ? "" : null;
    if (v === null || v.length > 500)
      throw new AppError("COMPANY_DATA_INVALID", { message: `${f}: must be text (≤ 500)` });
    if (v === "") {
      if (spec.required.includes(f))
        throw new AppError("COMPANY_DATA_INVALID", { message: `${f}: required` });
      continue;
    }
    if (f === "country" && !/^[A-Za-z]{2,3}$/.test(v))
      throw new AppError("COMPANY_DATA_INVALID", { message: "country: an ISO 3166 code (GE or GEO)" });
    if (f === "registration_date" && !ISO_DATE.test(v))
      throw new AppError("COMPANY_DATA_INVALID", { message: "registration_date: YYYY-MM-DD" });
    if (f === "email") fields[f] = wrap(() => normaliseEmail(v), f);
    else if (f === "phone") fields[f] = wrap(() => normalisePhone(v), f);
    else fields[f] = f === "country" ? v.toUpperCase() : v;
  }
  const docs = input.documents ?? [];
  if (!Array.isArray(docs) || !docs.every((d) => typeof d === "string" && isDocument(d)))
    throw new AppError("COMPANY_DATA_INVALID", {
      message: "documents: media ids of registration documents uploaded to this session",
    });
  const documents = [...new Set(docs as string[])];
  if (documents.length < spec.minDocuments)
    throw new AppError("COMPANY_DATA_INVALID", {
      message: `documents: at least ${spec.minDocuments} required`,
    });
  if (documents.length > spec.maxDocuments)
    throw new AppError("COMPANY_DATA_INVALID", { message: `documents: at most ${spec.maxDocuments}` });
  return { fields, documents };
}

function wrap(f: () => string, field: string): string {
  try {
    return f();
  } catch {
    throw new AppError("COMPANY_DATA_INVALID", { message: `${field}: not valid` });
  }
}

export const BENEFICIARY_ROLES = ["owner", "director", "representative", "shareholder", "signatory"] as const;

const ZBeneficiaryInput = z.object({
  first_name: z.string().trim().min(1).max(100),
  last_name: z.string().trim().min(1).max(100),
  roles: z.array(z.enum(BENEFICIARY_ROLES)).min(1).max(5),
  /** Ownership share in percent. */
  share: z.number().min(0).max(100).optional(),
  email: z.string().max(254).optional(),
  phone: z.string().max(40).optional(),
  /** Send the link by e-mail or SMS; defaults to e-mail when there is one. */
  send_via: z.enum(["email", "sms"]).optional(),
  /** Whether the company's verification waits for this person (default true). */
  required: z.boolean().optional(),
});

export interface BeneficiaryInput {
  firstName: string;
  lastName: string;
  roles: (typeof BENEFICIARY_ROLES)[number][];
  share: number | null;
  email: string | null;
  phone: string | null;
  sendVia: "email" | "sms";
  required: boolean;
}

export interface BeneficiariesSpec {
  min: number;
  max: number;
  /** Flags and steps of each child KYC session. */
  childFlags: Record<string, unknown>;
  childSteps: unknown[] | undefined;
}

export function beneficiariesSpecOf(step: SessionStep, index: number): BeneficiariesSpec {
  const min = stepValue(step, "min") ?? 1;
  const max = stepValue(step, "max") ?? 10;
  if (typeof min !== "number" || typeof max !== "number" || min < 1 || max > 25 || min > max)
    throw new AppError("STEP_INVALID", {
      message: `step ${index}: min/max beneficiaries out of range (1–25)`,
    });
  const childFlags = stepValue(step, "child_flags") ?? {};
  const childSteps = stepValue(step, "child_steps");
  if (!isRecord(childFlags) || (childSteps !== undefined && !Array.isArray(childSteps)))
    throw new AppError("STEP_INVALID", {
      message: `step ${index}: child_flags must be an object, child_steps an array`,
    });
  return { min, max, childFlags, childSteps };
}

/** @throws AppError BENEFICIARIES_INVALID naming the person (by position) and field */
export function validateBeneficiaries(spec: BeneficiariesSpec, input: unknown): BeneficiaryInput[] {
  if (!Array.isArray(input))
    throw new AppError("BENEFICIARIES_INVALID", { message: "beneficiaries must be a list" });
  if (input.length < spec.min || input.length > spec.max)
    throw new AppError("BENEFICIARIES_INVALID", {
      message: `list between ${spec.min} and ${spec.max} people`,
    });
  let total = 0;
  const out = input.map((raw, i) => {
    const r = ZBeneficiaryInput.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new AppError("BENEFICIARIES_INVALID", {
        message: `person ${i + 1}: ${issue ? `${issue.path.join(".")} ${issue.message}` : "invalid"}`,
      });
    }
    const b = r.data;
    const fail = (why: string) =>
      new AppError("BENEFICIARIES_INVALID", { message: `person ${i + 1}: ${why}` });
    let email: string | null = null;
    let phone: string | null = null;
    try {
      if (b.email) email = normaliseEmail(b.email);
    } catch {
      throw fail("email is not valid");
    }
    try {
      if (b.phone) phone = normalisePhone(b.phone);
    } catch {
      throw fail("phone is not valid");
    }
    if (!email && !phone) throw fail("an e-mail or a phone number is needed to send the link");
    const sendVia = b.send_via ?? (email ? "email" : "sms");
    if (sendVia === "email" && !email) throw fail("send_via email needs an e-mail");
    if (sendVia === "sms" && !phone) throw fail("send_via sms needs a phone number");
    if ((b.roles.includes("owner") || b.roles.includes("shareholder")) && b.share === undefined)
      throw fail("owners and shareholders need a share");
    total += b.share ?? 0;
    return {
      firstName: b.first_name,
      lastName: b.last_name,
      roles: [...new Set(b.roles)],
      share: b.share ?? null,
      email,
      phone,
      sendVia,
      required: b.required ?? true,
    };
  });
  if (total > 100.0001)
    throw new AppError("BENEFICIARIES_INVALID", { message: "shares add up to more than 100%" });
  return out;
}

// ───────────────────────────── Video call ─────────────────────────────

/** How an operator ends a video call that completes the step. */
export const VIDEO_CALL_OUTCOMES = ["passed", "failed"] as const;
export type VideoCallOutcome = (typeof VIDEO_CALL_OUTCOMES)[number];

export interface VideoCallSpec {
  /** Minutes the person waits in the queue before the widget says nobody answered (null: the server's default). */
  waitMinutes: number | null;
  /** Whether the operator's dashboard records the call as the session's evidence (default true). */
  record: boolean;
}

/**
 * The video-call step's choices, at the step's top level or in its flags: `wait_minutes` (1–120) and
 * `record` (true or false, default true).
 */
export function videoCallSpecOf(step: SessionStep, index: number): VideoCallSpec {
  const rec = stepValue(step, "record");
  if (rec !== undefined && rec !== null && typeof rec !== "boolean")
    throw new AppError("STEP_INVALID", { message: `step ${index}: record must be true or false` });
  const record = rec !== false;
  const wait = stepValue(step, "wait_minutes");
  if (wait === undefined || wait === null) return { waitMinutes: null, record };
  if (typeof wait !== "number" || !Number.isFinite(wait) || wait < 1 || wait > 120)
    throw new AppError("STEP_INVALID", { message: `step ${index}: wait_minutes must be a number 1–120` });
  return { waitMinutes: wait, record };
}

/** The operator's verdict that ends a call: outcome and an optional note (≤ 2 000 characters). */
export function parseVideoCallOutcome(input: unknown): { outcome: VideoCallOutcome; note: string } {
  const b = isRecord(input) ? input : {};
  const outcome = b.outcome;
  if (typeof outcome !== "string" || !(VIDEO_CALL_OUTCOMES as readonly string[]).includes(outcome))
    throw new AppError("VIDEO_CALL_OUTCOME_INVALID", { message: "outcome must be passed or failed" });
  const note = b.note ?? "";
  if (typeof note !== "string" || note.length > 2_000)
    throw new AppError("VIDEO_CALL_OUTCOME_INVALID", {
      message: "note must be text of at most 2000 characters",
    });
  return { outcome: outcome as VideoCallOutcome, note: note.trim() };
}

export const VIDEO_CALL_FAILED = "video_call_failed";

/**
 * The engine's decision with the video-call verdict applied: a call the operator failed rejects the
 * session (reason `video_call_failed`; an earlier rejection keeps its reject reason first); a passed
 * call changes nothing.
 */
export function applyVideoCallVerdict<
  D extends {
    status: string;
    reasons: readonly string[];
    rejectReason: { value: string; description: string };
  },
>(decision: D, record: { outcome: string; note: string } | undefined): D {
  if (record?.outcome !== "failed") return decision;
  const reasons = decision.reasons.includes(VIDEO_CALL_FAILED)
    ? decision.reasons
    : [...decision.reasons, VIDEO_CALL_FAILED];
  const rejectReason =
    decision.status === "rejected" && decision.rejectReason.value !== ""
      ? decision.rejectReason
      : {
          value: VIDEO_CALL_FAILED,
          description: record.note
            ? `An operator failed the video call: ${record.note}`
            : "An operator failed the video call.",
        };
  return { ...decision, status: "rejected", reasons, rejectReason } as D;
}

export const VIDEO_CALL_SIGNAL_KINDS = ["offer", "answer", "ice"] as const;
export type VideoCallSignalKind = (typeof VIDEO_CALL_SIGNAL_KINDS)[number];

/**
 * A WebRTC signalling message as a browser sends it: an SDP offer/answer (`{ type, sdp }`, ≤ 32 000
 * characters) or an ICE candidate (`{ candidate, sdpMid, sdpMLineIndex }`, or null at the end of
 * gathering). Anything else is refused, so the relay carries nothing but signalling.
 */
export function parseVideoCallSignal(input: unknown): { kind: VideoCallSignalKind; data: unknown } {
  const b = isRecord(input) ? input : {};
  const fail = (why: string) => new AppError("VIDEO_CALL_SIGNAL_INVALID", { message: why });
  const kind = b.kind;
  if (typeof kind !== "string" || !(VIDEO_CALL_SIGNAL_KINDS as readonly string[]).includes(kind))
    throw fail("kind must be offer, answer or ice");
  const d = b.data;
  if (kind === "ice") {
    if (d === null) return { kind, data: null };
    if (!isRecord(d) || typeof d.candidate !== "string" || d.candidate.length > 2_000)
      throw fail("an ice signal carries { candidate, sdpMid, sdpMLineIndex } or null");
    const mid = d.sdpMid ?? null;
    const line = d.sdpMLineIndex ?? null;
    if (
      (mid !== null && (typeof mid !== "string" || mid.length > 64)) ||
      (line !== null && !Number.isInteger(line))
    )
      throw fail("sdpMid must be text, sdpMLineIndex a whole number");
    return { kind, data: { candidate: d.candidate, sdpMid: mid, sdpMLineIndex: line } };
  }
  if (
    !isRecord(d) ||
    d.type !== kind ||
    typeof d.sdp !== "string" ||
    d.sdp.length === 0 ||
    d.sdp.length > 32_000
  )
    throw fail(`an ${kind} signal carries { type: "${kind}", sdp } (≤ 32000 characters)`);
  return { kind: kind as VideoCallSignalKind, data: { type: kind, sdp: d.sdp } };
}

/** Checks the definitions of the catalogue's steps at begin/ so a malformed one fails early. */
export function validateStepDefinition(step: SessionStep, index: number): void {
  switch (step.type) {
    case "user-questionnaire":
    case "operator-questionnaire":
      questionnaireOf(step, index);
      return;
    case "company-data":
      companyDataSpecOf(step, index);
      return;
    case "beneficiaries":
      beneficiariesSpecOf(step, index);
      return;
    case "video-call":
      videoCallSpecOf(step, index);
      return;
    default:
      return;
  }
}
