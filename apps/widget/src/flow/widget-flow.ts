/**
 * The widget's step state machine, pure: from the session description to the screen to show, and from
 * what happened (an answer of the widget API) to the next state. No DOM, no I/O: the shell in
 * `main.ts` performs the calls and feeds their results back as events.
 * @module
 */
import type { SessionDescription, WidgetStep } from "../api-client/session-description.ts";

export type CaptureKind =
  | "card-front"
  | "card-back"
  | "passport"
  | "face"
  | "face-document"
  | "general-document";

/** What is being photographed: decides the title, the outline and which camera faces it. */
export type CaptureSubject =
  | "document-front"
  | "document-back"
  | "passport"
  | "selfie"
  | "face-document"
  | "general-document";

export type Outcome = "finished" | "disagreed" | "closed";

/** Step types with a form whose input the server checks (routes/widget-steps-api.ts). */
export const INPUT_STEP_TYPES = [
  "language",
  "user-questionnaire",
  "phone-number",
  "email",
  "geolocation",
  "company-data",
  "beneficiaries",
] as const;
export type InputStepType = (typeof INPUT_STEP_TYPES)[number];

function isInputStepType(type: string): type is InputStepType {
  return (INPUT_STEP_TYPES as readonly string[]).includes(type);
}

export type Screen =
  | { kind: "consent"; step: number }
  | { kind: "choose-document"; step: number; types: readonly string[]; countries: readonly string[] }
  | {
      kind: "capture";
      step: number;
      capture: CaptureKind;
      subject: CaptureSubject;
      /** Live camera allowed by the step's flags. */
      camera: boolean;
      /** File upload allowed by the step's flags (always offered when the camera fails). */
      upload: boolean;
      facing: "user" | "environment";
    }
  /** The server's liveness challenge (colour flash, then prompts), ending with a still selfie (`face`). */
  | { kind: "liveness"; step: number }
  /**
   * A step whose input the server checks (language, questionnaire, phone / e-mail code, geolocation,
   * KYB company data and beneficiaries): the shell loads its definition and shows its form.
   */
  | { kind: "step-input"; step: number; type: InputStepType }
  /** A live video call with an operator, whose verdict completes the step (the server moves it). */
  | { kind: "video-call"; step: number }
  /** Everything of this step is captured (or the step has no screen in this widget): tell the server. */
  | { kind: "complete-step"; step: number }
  /** Every step is done: hand the session over for verification. */
  | { kind: "submit" }
  | { kind: "final"; outcome: Outcome };

export interface FlowState {
  readonly session: SessionDescription;
  readonly step: number;
  readonly document: { readonly type: string; readonly country: string | null } | null;
  /** Capture kinds already stored for the current step. */
  readonly captured: readonly CaptureKind[];
  readonly ended: Outcome | null;
}

export type FlowEvent =
  | { type: "agreed"; currentStep: number }
  | { type: "refused" }
  | { type: "document-chosen"; documentType: string; country: string | null }
  | { type: "captured"; kind: CaptureKind }
  | { type: "step-completed"; currentStep: number }
  | { type: "submitted" };

const KNOWN_DOCUMENT_TYPES = ["id", "passport", "driver_license", "residence_license"];

/** The state after a (re)load: resumes at the server's current step. */
export function initialFlow(session: SessionDescription): FlowState {
  let ended: Outcome | null = null;
  if (session.status === "disagreed") ended = "disagreed";
  else if (session.phase !== "capturing") ended = "closed";
  return { session, step: session.currentStep, document: null, captured: [], ended };
}

function nextStep(state: FlowState, currentStep: number): FlowState {
  // The server's counter is the truth; never move backwards on a stale answer.
  return { ...state, step: Math.max(state.step, currentStep), document: null, captured: [] };
}

export function advance(state: FlowState, event: FlowEvent): FlowState {
  switch (event.type) {
    case "agreed":
    case "step-completed":
      return nextStep(state, event.currentStep);
    case "refused":
      return { ...state, ended: "disagreed" };
    case "document-chosen":
      return { ...state, document: { type: event.documentType, country: event.country }, captured: [] };
    case "captured":
      return state.captured.includes(event.kind)
        ? state
        : { ...state, captured: [...state.captured, event.kind] };
    case "submitted":
      return { ...state, ended: "finished" };
  }
}

function stringList(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === "string") ? v : null;
}

/** The document types a step offers, in the server's order; the session's list when the step has none. */
export function documentTypesOf(step: WidgetStep, session: SessionDescription): string[] {
  const listed = stringList(step.flags.document_types) ?? session.documentTypes;
  const known = listed.filter((t) => KNOWN_DOCUMENT_TYPES.includes(t));
  return known.length > 0 ? known : [...KNOWN_DOCUMENT_TYPES];
}

export function documentCountriesOf(step: WidgetStep, session: SessionDescription): string[] {
  return stringList(step.flags.document_countries) ?? session.documentCountries;
}

/** A passport has one photo page; cards have two sides. */
export function sidesOf(documentType: string): CaptureKind[] {
  return documentType === "passport" ? ["passport"] : ["card-front", "card-back"];
}

const SUBJECT_OF: Record<CaptureKind, CaptureSubject> = {
  "card-front": "document-front",
  "card-back": "document-back",
  passport: "passport",
  face: "selfie",
  "face-document": "face-document",
  "general-document": "general-document",
};

function captureScreen(
  state: FlowState,
  capture: CaptureKind,
  opts: { camera: boolean; upload: boolean; facing: "user" | "environment" },
): Screen {
  if (state.captured.includes(capture)) return { kind: "complete-step", step: state.step };
  return { kind: "capture", step: state.step, capture, subject: SUBJECT_OF[capture], ...opts };
}

/** The screen to show for a state. */
export function screenOf(state: FlowState): Screen {
  if (state.ended) return { kind: "final", outcome: state.ended };
  const step = state.session.steps[state.step];
  if (!step) return { kind: "submit" };
  const f = step.flags;
  switch (step.type) {
    case "agreement":
      return { kind: "consent", step: state.step };
    case "identity-document": {
      const types = documentTypesOf(step, state.session);
      const countries = documentCountriesOf(step, state.session);
      const only = types.length === 1 && countries.length <= 1 ? types[0] : undefined;
      const doc = state.document ?? (only ? { type: only, country: countries[0] ?? null } : null);
      if (!doc) return { kind: "choose-document", step: state.step, types, countries };
      const camera = f.disable_document_capture !== true;
      const next = sidesOf(doc.type).find((k) => !state.captured.includes(k));
      if (!next) return { kind: "complete-step", step: state.step };
      return captureScreen(state, next, {
        camera,
        upload: f.allow_document_upload === true || !camera,
        facing: "environment",
      });
    }
    case "liveness":
      if (state.captured.includes("face")) return { kind: "complete-step", step: state.step };
      // With liveness the server's challenge runs first and ends with the still selfie it matches.
      if (f.liveness === true) return { kind: "liveness", step: state.step };
      return captureScreen(state, "face", {
        camera: true,
        upload: f.allow_face_upload === true,
        facing: "user",
      });
    case "face-document":
      return captureScreen(state, "face-document", {
        camera: true,
        upload: f.allow_face_doc_upload === true,
        facing: "user",
      });
    case "general-document": {
      const camera = f.allow_capture !== false;
      return captureScreen(state, "general-document", {
        camera,
        upload: f.allow_upload === true || !camera,
        facing: "environment",
      });
    }
    case "video-call":
      return { kind: "video-call", step: state.step };
    default:
      if (isInputStepType(step.type)) return { kind: "step-input", step: state.step, type: step.type };
      // Operator questionnaires (filled in the dashboard) and other steps this widget
      // cannot show: passed, not blocked on.
      return { kind: "complete-step", step: state.step };
  }
}

/** Progress for the header: the 1-based position among the steps that have a screen. */
export function progressOf(state: FlowState): { n: number; total: number } {
  const total = state.session.steps.length;
  return { n: Math.min(state.step + 1, total), total };
}

export type Completion =
  | { kind: "redirect"; url: string }
  | { kind: "post-message"; targetOrigin: string }
  | { kind: "none" };

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * How to hand control back. With `return_url`: redirect there with `session_token` added to its own
 * query. Embedded: post "DONE" to the parent — to the referrer's origin when the company allows it,
 * else to the company's parent origin; `"*"` only when the company configured no origins and the
 * referrer is unknown (the message carries no data).
 */
export function completionTarget(
  session: Pick<SessionDescription, "returnUrl" | "parentOrigin" | "allowedOrigins">,
  token: string,
  context: { referrer: string; inFrame: boolean },
): Completion {
  if (session.returnUrl) {
    try {
      const url = new URL(session.returnUrl);
      // Never navigate to javascript:, data: or other schemes a return URL could smuggle in.
      if (url.protocol === "http:" || url.protocol === "https:") {
        url.searchParams.set("session_token", token);
        return { kind: "redirect", url: url.toString() };
      }
    } catch {
      // unparseable: fall back to the embedded hand-back
    }
  }
  if (!context.inFrame) return { kind: "none" };
  const referrerOrigin = context.referrer ? originOf(context.referrer) : null;
  if (session.allowedOrigins.length > 0) {
    if (referrerOrigin && session.allowedOrigins.includes(referrerOrigin)) {
      return { kind: "post-message", targetOrigin: referrerOrigin };
    }
    const configured = session.parentOrigin ?? session.allowedOrigins[0];
    return configured ? { kind: "post-message", targetOrigin: configured } : { kind: "none" };
  }
  return { kind: "post-message", targetOrigin: session.parentOrigin ?? referrerOrigin ?? "*" };
}

/**
 * The link a "continue on your phone" QR code carries: the company's `switch_device_url`, else this
 * page (the same session) unless `restrict_url_sharing` forbids passing it on.
 */
export function switchDeviceLink(
  session: Pick<SessionDescription, "switchDeviceUrl" | "restrictUrlSharing">,
  currentUrl: string,
): string | null {
  if (session.switchDeviceUrl) return originOf(session.switchDeviceUrl) ? session.switchDeviceUrl : null;
  return session.restrictUrlSharing ? null : currentUrl;
}
