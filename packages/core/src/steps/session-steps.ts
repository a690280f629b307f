/**
 * Steps and the effective step list. Identomat's step object shape was never published; we accept
 * `{ type, flags?, … }` with `name` or `step` as aliases for `type`, keep every other key verbatim,
 * and accept unknown step types (stored, shown to the widget as unsupported).
 * @module
 */
import { AppError } from "../errors/index.ts";
import type { TSessionFlags } from "../flags/session-flags.ts";
import { allowedDocumentTypes } from "../flags/session-flags.ts";
import { validateStepDefinition } from "./step-catalogue.ts";

export const KNOWN_STEP_TYPES = [
  "agreement",
  "language",
  "identity-document",
  "liveness",
  "face-document",
  "general-document",
  "user-questionnaire",
  "operator-questionnaire",
  "phone-number",
  "email",
  "geolocation",
  "video-call",
  "company-data",
  "beneficiaries",
] as const;
export type KnownStepType = (typeof KNOWN_STEP_TYPES)[number];

export interface SessionStep {
  type: string;
  flags: Record<string, unknown>;
  /** Every other key of the step object, verbatim (titles, questions, keys, prefilled data…). */
  [key: string]: unknown;
}

/** Aliases seen in the wild or suggested by the reference for the same step. */
const TYPE_ALIASES: Record<string, KnownStepType> = {
  "selfie-with-id": "face-document",
  "proof-of-address": "general-document",
  phone: "phone-number",
  consent: "agreement",
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function parseSteps(input: unknown): SessionStep[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input)) throw new AppError("STEP_INVALID", { message: "steps must be a JSON array" });
  if (input.length > 50) throw new AppError("STEP_INVALID", { message: "at most 50 steps are allowed" });
  return input.map((raw, i) => {
    if (!isRecord(raw)) throw new AppError("STEP_INVALID", { message: `step ${i} must be an object` });
    const rawType = raw.type ?? raw.name ?? raw.step;
    if (typeof rawType !== "string" || rawType.length === 0 || rawType.length > 100) {
      throw new AppError("STEP_INVALID", { message: `step ${i} needs a string "type"` });
    }
    const flags = raw.flags ?? {};
    if (!isRecord(flags))
      throw new AppError("STEP_INVALID", { message: `step ${i}: flags must be an object` });
    const type = TYPE_ALIASES[rawType] ?? rawType;
    const step = { ...raw, type, flags };
    validateStepDefinition(step, i);
    return step;
  });
}

/**
 * config_id + steps: the configuration's steps, each replaced in place by a request step of the same
 * type (how Identomat lets a caller inject per-user data into a saved flow); request steps of other
 * types are appended.
 */
export function overlaySteps(base: readonly SessionStep[], overrides: readonly SessionStep[]): SessionStep[] {
  const pending = [...overrides];
  const out = base.map((step) => {
    const i = pending.findIndex((o) => o.type === step.type);
    if (i < 0) return step;
    const [o] = pending.splice(i, 1);
    return o ?? step;
  });
  return [...out, ...pending];
}

function firstBoolean(...values: unknown[]): boolean | undefined {
  return values.find((v): v is boolean => typeof v === "boolean");
}

/**
 * An explicit "Selfie with ID" (`face-document`) or "Proof of address" (`general-document`) step gets
 * what the implicit one would have had: Identomat's flag names are read on the step too
 * (`allow_face_doc_upload`; `allow_general_document_capture` / `_upload` for `allow_capture` /
 * `allow_upload`; `general_document_types`), then the session's flags, then the defaults (camera on,
 * upload off; bank statement and utility bill). Other steps are returned as they are.
 */
function withCaptureDefaults(step: SessionStep, flags: TSessionFlags): SessionStep {
  const f = step.flags;
  if (step.type === "face-document") {
    return {
      ...step,
      flags: {
        ...f,
        allow_face_doc_upload:
          firstBoolean(f.allow_face_doc_upload, step.allow_face_doc_upload, flags.allow_face_doc_upload) ??
          false,
      },
    };
  }
  if (step.type === "general-document") {
    const sessionWide =
      flags.allow_general_document_capture === true || flags.allow_general_document_upload === true;
    const capture = firstBoolean(
      f.allow_capture,
      f.allow_general_document_capture,
      step.allow_capture,
      step.allow_general_document_capture,
      sessionWide ? flags.allow_general_document_capture === true : undefined,
    );
    const upload = firstBoolean(
      f.allow_upload,
      f.allow_general_document_upload,
      step.allow_upload,
      step.allow_general_document_upload,
      sessionWide ? flags.allow_general_document_upload === true : undefined,
    );
    const types = [f.general_document_types, step.general_document_types, flags.general_document_types].find(
      (v) => Array.isArray(v) && v.length > 0,
    );
    return {
      ...step,
      flags: {
        ...f,
        general_document_types: types ?? ["bank_statement", "utility_bill"],
        allow_capture: capture ?? true,
        allow_upload: upload ?? false,
      },
    };
  }
  return step;
}

/**
 * The steps the person actually goes through (Identomat's compatibility rules): agreement first unless
 * `skip_agreement`; the implicit identity-document step unless `skip_document`; the implicit face step
 * (liveness, or a still selfie when `liveness` is false) unless `skip_face`; selfie-with-document when
 * `require_face_document`; a general-document step when general capture or upload is allowed; then the
 * explicit steps. An explicit step of the same type replaces the implicit one.
 */
export function effectiveSteps(flags: TSessionFlags, explicit: readonly SessionStep[]): SessionStep[] {
  const implicit: SessionStep[] = [];
  if (flags.skip_document !== true) {
    implicit.push({
      type: "identity-document",
      flags: {
        document_types: allowedDocumentTypes(flags),
        ...(flags.document_countries ? { document_countries: flags.document_countries } : {}),
        allow_document_upload: flags.allow_document_upload === true,
        disable_document_capture: flags.disable_document_capture === true,
      },
      implicit: true,
    });
  }
  if (flags.skip_face !== true) {
    implicit.push({
      type: "liveness",
      flags: { liveness: flags.liveness === true, allow_face_upload: flags.allow_face_upload === true },
      implicit: true,
    });
  }
  if (flags.require_face_document === true) {
    implicit.push({
      type: "face-document",
      flags: { allow_face_doc_upload: flags.allow_face_doc_upload === true },
      implicit: true,
    });
  }
  if (flags.allow_general_document_capture === true || flags.allow_general_document_upload === true) {
    implicit.push({
      type: "general-document",
      flags: {
        general_document_types: flags.general_document_types ?? ["bank_statement", "utility_bill"],
        allow_capture: flags.allow_general_document_capture === true,
        allow_upload: flags.allow_general_document_upload === true,
      },
      implicit: true,
    });
  }
  // `server: "human"` (Identomat's SDK flag): the person talks to a live operator — a video call.
  if (flags.server === "human") implicit.push({ type: "video-call", flags: {}, implicit: true });
  const explicitTypes = new Set(explicit.map((s) => s.type));
  const steps = [
    ...implicit.filter((s) => !explicitTypes.has(s.type)),
    ...explicit.filter((s) => s.type !== "agreement").map((s) => withCaptureDefaults(s, flags)),
  ];
  if (flags.skip_agreement !== true) {
    const explicitAgreement = explicit.find((s) => s.type === "agreement");
    steps.unshift(explicitAgreement ?? { type: "agreement", flags: {}, implicit: true });
  }
  return steps;
}
