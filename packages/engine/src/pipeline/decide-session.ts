/**
 * The session decision from its capture analyses: MRZ consensus, face match, the liveness challenge
 * checks, presentation signals, then `decide`. Fast (no model runs), so it adds little after the last
 * capture's analysis.
 * @module
 */
import {
  type Decision,
  type DecisionInput,
  type DecisionPolicy,
  decide,
  type FaceOutcome,
} from "../decision/index.ts";
import {
  consensus,
  crossCheckFields,
  documentTypeOf,
  type FieldReference,
  type FieldsCrossCheck,
  type IdentomatPerson,
  mergeCrossChecks,
  personFromMrz,
} from "../document/index.ts";
import { usDate } from "../document/person-from-mrz.ts";
import { compareEmbeddings } from "../face/compare-embeddings.ts";
import {
  type ActiveChallenge,
  type ActiveCheckResult,
  type ActiveFrame,
  checkActiveResponse,
  checkFlashResponse,
  type FlashChallenge,
  type FlashCheckResult,
  type FlashFrame,
  type LandmarkFrame,
  planarMotionSignal,
  SESSION_PLANAR_MOTION,
  type SignalResult,
  toActiveFrame,
} from "../liveness/index.ts";
import type { MrzFields } from "../mrz/index.ts";
import type { CaptureAnalysis } from "./analyze-capture.ts";
import { documentTypeOfAamva, personFromAamva, sideMapFromAamva } from "./driver-licence.ts";

/** The challenge the server issued for this session's liveness attempt. */
export interface LivenessChallenge {
  active: ActiveChallenge;
  flash: FlashChallenge;
}

export interface SessionDecisionInput {
  /** In capture order; the newest capture of a kind wins. */
  analyses: readonly CaptureAnalysis[];
  required: DecisionInput["required"];
  /** Accepted identity documents (`id`, `passport`, …); empty accepts all. */
  documentTypes: readonly string[];
  /** Accepted issuing states (alpha-3); empty accepts all. */
  documentCountries: readonly string[];
  now: Date;
  policy: DecisionPolicy;
  challenge?: LivenessChallenge | null;
}

export interface VerifyOutput {
  similarity: number;
  live: boolean;
  documentType: string;
  person: IdentomatPerson;
  idCardFront: Record<string, string>;
  idCardBack: Record<string, string>;
  faceImages: number;
  /**
   * What the visual zone showed per `person` field (`last_name`, `first_name`, `birthday`,
   * `document_number`, `document_expires`): the person's value where the printed field matched it,
   * the printed text where it did not (or was doubtful); fields not found are absent.
   */
  visual: Record<string, string>;
  decision: Decision;
  /** Every signal behind the decision (no image data, no embeddings). */
  signals: Record<string, unknown>;
  timings: Record<string, number>;
}

/** Identomat's per-side OCR map keys (`<Field>_en_US`) from MRZ fields. */
export function sideMapFromMrz(f: MrzFields, lines: readonly string[]): Record<string, string> {
  const us = (iso: string | undefined) => (iso ? usDate(iso) : undefined);
  const entries: [string, string | undefined][] = [
    ["Given_Names_en_US", f.givenNames],
    ["Surname_en_US", f.surname],
    ["Document_Number_en_US", f.documentNumber],
    ["Nationality_Code_en_US", f.nationality],
    ["Issuing_State_Code_en_US", f.issuingState],
    ["Sex_en_US", f.sex],
    ["Personal_Number_en_US", f.personalNumber],
    ["Date_of_Birth_en_US", us(f.birthDateIso)],
    ["Date_of_Expiry_en_US", us(f.expiryDateIso)],
    ["Date_of_Birth_ISO", f.birthDateIso],
    ["Date_of_Expiry_ISO", f.expiryDateIso],
    ["mrz", lines.join("\n")],
  ];
  return Object.fromEntries(
    entries.filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  );
}

/**
 * Largest face-descriptor distance between the selfie and its closest active-liveness frame. The
 * frames are compared with each other by the active check; without this, someone could perform the
 * challenge with their own face and submit another person's photo as the selfie (found by
 * liveness-session.test.ts). Below the face-match threshold at FMR ≤ 0.1 % (distance 0.593 on
 * faces/pairs.csv, eval-faces.ts), with a margin because the closest of many frames is taken.
 */
export const SELFIE_TO_LIVENESS_MAX_DISTANCE = 0.55;

export interface SelfieInLiveness {
  status: "consistent" | "inconsistent" | "not-applicable";
  /** Distance from the selfie to its closest active frame; null when either is missing. */
  minDistance: number | null;
  threshold: number;
  framesCompared: number;
}

/** Whether the person who performed the active challenge is the selfie's person. */
function selfieInLiveness(
  selfie: readonly number[] | null,
  active: readonly Extract<CaptureAnalysis, { type: "frame"; phase: "active" }>[],
): SelfieInLiveness {
  const threshold = SELFIE_TO_LIVENESS_MAX_DISTANCE;
  const frames = active.flatMap((f) => (f.embedding ? [Float32Array.from(f.embedding)] : []));
  if (!selfie || frames.length === 0)
    return { status: "not-applicable", minDistance: null, threshold, framesCompared: frames.length };
  const own = Float32Array.from(selfie);
  const minDistance = Math.min(...frames.map((f) => compareEmbeddings(own, f).distance));
  return {
    status: minDistance <= threshold ? "consistent" : "inconsistent",
    minDistance: Math.round(minDistance * 10000) / 10000,
    threshold,
    framesCompared: frames.length,
  };
}

/**
 * The multi-frame depth check over the session's active frames (planarMotionSignal with
 * SESSION_PLANAR_MOTION; the figures behind gating are there): a real head turning shows parallax
 * between its 68 landmarks, a photo or screen swung to fake the turn fits a plane homography to
 * detector noise. When it fires the liveness fails (liveness_failed), like a prompt not performed.
 */
function sessionPlanarMotion(
  active: readonly Extract<CaptureAnalysis, { type: "frame"; phase: "active" }>[],
): SignalResult {
  const frames: LandmarkFrame[] = active.flatMap((f) =>
    f.signals && f.landmarks?.length === 68 ? [{ landmarks: f.landmarks, yawDeg: f.signals.pose.yaw }] : [],
  );
  const s = planarMotionSignal(frames, SESSION_PLANAR_MOTION);
  // Analyses stored before landmarks were kept: say so rather than "no frame turned".
  if (frames.length === 0) return { ...s, detail: { reason: "no active-liveness frame carries landmarks" } };
  if (!s.fired) return s;
  return {
    ...s,
    detail: {
      ...s.detail,
      reason:
        `the turned frames' landmarks fit a plane (residual ${s.detail.q75ResidualIod} < ` +
        `${s.detail.residualThresholdIod} inter-ocular distances): a flat photo or screen, not a head`,
    },
  };
}

export function decideSession(input: SessionDecisionInput): VerifyOutput {
  const t0 = performance.now();
  const docs = new Map<string, Extract<CaptureAnalysis, { type: "document" }>>();
  let face: Extract<CaptureAnalysis, { type: "face" }> | undefined;
  const active: Extract<CaptureAnalysis, { type: "frame"; phase: "active" }>[] = [];
  const flash: Extract<CaptureAnalysis, { type: "frame"; phase: "flash" }>[] = [];
  for (const a of input.analyses) {
    if (a.type === "document") docs.set(a.kind, a);
    else if (a.type === "face") face = a;
    else if (a.type === "frame" && a.phase === "active") active.push(a);
    else if (a.type === "frame" && a.phase === "flash") flash.push(a);
  }
  const reads = [...docs.values()];

  const agreed = consensus(
    reads.flatMap((r) => (r.outcome === "ok" ? [{ mrz: r.mrz, mrzRepaired: r.mrzRepaired }] : [])),
  );
  const accepted = agreed.accepted;
  const mrzSide = accepted
    ? reads.find((r) => r.outcome === "ok" && r.mrz?.lines.join() === accepted.lines.join())?.kind
    : undefined;
  // Driver licences (and US/Canadian ID cards) are read from the card back's AAMVA barcode; an
  // accepted MRZ takes precedence when a session has both.
  const licence = accepted ? undefined : reads.find((r) => r.aamva)?.aamva;
  const licenceOk = licence?.valid === true;
  const person: IdentomatPerson = accepted
    ? personFromMrz(accepted.fields, input.now, accepted.lines)
    : licence && licenceOk
      ? personFromAamva(licence.fields, input.now)
      : {};
  const documentType = accepted
    ? documentTypeOf(accepted)
    : licence && licenceOk
      ? documentTypeOfAamva(licence)
      : "";
  const issuingState = accepted
    ? accepted.fields.issuingState
    : licenceOk
      ? licence?.fields.country
      : undefined;
  const portrait = reads.map((r) => r.portrait).find((p) => p?.outcome === "ok");

  // Printed fields (passport page, card front) against the machine-read ones (MRZ, else the AAMVA
  // barcode of a licence back).
  const reference: FieldReference | null = accepted
    ? {
        ...(accepted.fields.surname ? { surname: accepted.fields.surname } : {}),
        ...(accepted.fields.givenNames ? { givenNames: accepted.fields.givenNames } : {}),
        ...(accepted.fields.documentNumber ? { documentNumber: accepted.fields.documentNumber } : {}),
        ...(accepted.fields.birthDateIso ? { birthDateIso: accepted.fields.birthDateIso } : {}),
        ...(accepted.fields.expiryDateIso ? { expiryDateIso: accepted.fields.expiryDateIso } : {}),
      }
    : licence && licenceOk
      ? {
          ...(licence.fields.lastName ? { surname: licence.fields.lastName } : {}),
          ...(licence.fields.firstName
            ? {
                givenNames: [licence.fields.firstName, licence.fields.middleName]
                  .filter((x): x is string => Boolean(x))
                  .join(" "),
              }
            : {}),
          ...(licence.fields.documentNumber ? { documentNumber: licence.fields.documentNumber } : {}),
          ...(licence.fields.birthDate ? { birthDateIso: licence.fields.birthDate } : {}),
          ...(licence.fields.expiryDate ? { expiryDateIso: licence.fields.expiryDate } : {}),
        }
      : null;
  const fieldsCheck: FieldsCrossCheck | null = reference
    ? mergeCrossChecks(
        reads.flatMap((r) =>
          r.visualZone && r.visualZone.lines.length > 0
            ? [crossCheckFields(r.visualZone.lines, reference, accepted ? "mrz" : "aamva")]
            : [],
        ),
      )
    : null;
  if (fieldsCheck?.mismatch) person.status = "FIELDS_MISMATCH";
  const visual: Record<string, string> = {};
  if (fieldsCheck) {
    const personKey = {
      surname: "last_name",
      givenNames: "first_name",
      birthDate: "birthday",
      documentNumber: "document_number",
      expiryDate: "document_expires",
    } as const;
    for (const [field, key] of Object.entries(personKey) as [keyof typeof personKey, string][]) {
      const c = fieldsCheck.fields[field];
      const current = (person as Record<string, unknown>)[key];
      if (c.status === "matching" && typeof current === "string") visual[key] = current;
      else if ((c.status === "mismatching" || c.status === "unsure") && c.printed) visual[key] = c.printed;
    }
  }

  // The live face: the selfie, else the first liveness frame with a face.
  const firstFrame = active.find((f) => f.embedding !== null);
  const selfieEmbedding =
    face?.face.outcome === "ok" && "embedding" in face.face ? face.face.embedding : null;
  const liveEmbedding = selfieEmbedding ?? firstFrame?.embedding ?? null;
  const liveOutcome: FaceOutcome | "missing" = face
    ? (face.face.outcome as FaceOutcome)
    : firstFrame
      ? "ok"
      : "missing";
  const similarity =
    liveEmbedding && portrait && "embedding" in portrait
      ? compareEmbeddings(Float32Array.from(portrait.embedding), Float32Array.from(liveEmbedding)).similarity
      : null;

  let activeResult: ActiveCheckResult | null = null;
  let flashResult: FlashCheckResult | null = null;
  if (input.required.liveness && input.challenge) {
    const frames: ActiveFrame[] = active
      .map((f) =>
        f.signals
          ? toActiveFrame(f.t, f.signals, f.faces, f.embedding ? Float32Array.from(f.embedding) : undefined)
          : { t: f.t, yaw: 0, pitch: 0, roll: 0, eyeOpenness: 1, smile: 0, faceCount: 0 },
      )
      .sort((x, y) => x.t - y.t);
    if (frames.length > 0) activeResult = checkActiveResponse({ challenge: input.challenge.active, frames });
    const flashFrames: FlashFrame[] = flash
      .flatMap((f) =>
        f.thumb
          ? [
              {
                t: f.t,
                face: f.thumb.face,
                image: {
                  width: f.thumb.width,
                  height: f.thumb.height,
                  data: new Uint8Array(Buffer.from(f.thumb.rgbBase64, "base64")),
                },
              },
            ]
          : [],
      )
      .sort((x, y) => x.t - y.t);
    if (flashFrames.length > 0)
      flashResult = checkFlashResponse({ challenge: input.challenge.flash, frames: flashFrames });
  }
  const presentation = face?.presentation ?? null;
  const planarMotion = input.required.liveness && active.length > 0 ? sessionPlanarMotion(active) : null;
  const depthFailed = planarMotion?.gate === true && planarMotion.fired;
  const selfieCheck = input.required.liveness ? selfieInLiveness(selfieEmbedding, active) : null;
  const selfieMismatch = selfieCheck?.status === "inconsistent";

  const documentRead: NonNullable<DecisionInput["document"]>["read"] =
    reads.length === 0
      ? "missing"
      : accepted || licenceOk
        ? "ok"
        : reads.every((r) => r.outcome === "no_document" || r.outcome === "image_unreadable")
          ? "no_document"
          : "unreadable";
  const mrzInvalid = !accepted && reads.some((r) => r.outcome === "unreadable" && r.reason === "mrz_invalid");
  const expiresAt = person.document_expires_time ? Date.parse(person.document_expires_time) : Number.NaN;
  const decisionInput: DecisionInput = {
    required: input.required,
    document: {
      read: documentRead,
      mrzValid: accepted ? true : licenceOk ? null : mrzInvalid ? false : null,
      expired: Number.isFinite(expiresAt) && expiresAt < input.now.getTime(),
      ageYears: typeof person.age === "number" ? person.age : null,
      fieldsMismatch: fieldsCheck?.mismatch === true,
      typeAllowed:
        !documentType || input.documentTypes.length === 0 || input.documentTypes.includes(documentType),
      countryAllowed:
        !issuingState ||
        input.documentCountries.length === 0 ||
        input.documentCountries.includes(issuingState),
      portraitFound: portrait !== undefined,
    },
    face: { outcome: liveOutcome },
    similarity,
    ...(input.required.liveness
      ? {
          liveness: {
            activePassed: activeResult ? activeResult.passed : null,
            flashPassed: flashResult ? flashResult.passed : null,
            ...(planarMotion?.gate
              ? { depthPassed: planarMotion.status === "measured" ? !depthFailed : null }
              : {}),
            selfieMatched: selfieCheck && selfieCheck.status !== "not-applicable" ? !selfieMismatch : null,
            attackSignals: [...(presentation?.gatingSignals ?? [])],
          },
        }
      : {}),
  };
  const decision = decide(decisionInput, input.policy);
  const side = accepted && mrzSide ? sideMapFromMrz(accepted.fields, accepted.lines) : {};
  const live =
    input.required.liveness &&
    decision.status !== "rejected" &&
    activeResult?.passed === true &&
    flashResult?.passed === true &&
    !depthFailed &&
    !selfieMismatch &&
    (presentation?.gatingSignals.length ?? 0) === 0;
  const analysisMs = Object.fromEntries(
    input.analyses.map((a, i) => [
      `${a.type === "document" || a.type === "face" || a.type === "other" ? a.kind : `frame.${a.phase}`}#${i}`,
      a.ms,
    ]),
  );
  return {
    similarity: similarity ?? 0,
    live,
    documentType,
    person,
    idCardFront: mrzSide && mrzSide !== "card-back" ? side : {},
    idCardBack: mrzSide === "card-back" ? side : licence && licenceOk ? sideMapFromAamva(licence.fields) : {},
    faceImages: face?.face.outcome === "ok" ? 1 : 0,
    visual,
    decision,
    signals: {
      documents: reads.map((r) => ({
        kind: r.kind,
        outcome: r.outcome,
        ...(r.reason ? { reason: r.reason } : {}),
        portrait: r.portrait?.outcome ?? null,
        ...(r.aamva
          ? {
              aamva: {
                valid: r.aamva.valid,
                version: r.aamva.version,
                issuerId: r.aamva.issuerId,
                errors: r.aamva.errors,
                angle: r.aamva.angle,
              },
            }
          : {}),
      })),
      mrzConsensus: { reason: agreed.reason, agreeing: agreed.agreeing },
      fields: fieldsCheck,
      face: face ? { outcome: face.face.outcome } : null,
      similarity,
      liveness: input.required.liveness
        ? {
            challenge: input.challenge
              ? {
                  prompts: input.challenge.active.prompts,
                  colours: input.challenge.flash.segments.map((s) => s.color),
                }
              : null,
            active: activeResult ? { ...activeResult, frames: active.length } : null,
            flash: flashResult,
            planarMotion,
            selfie: selfieCheck,
          }
        : null,
      presentation: presentation
        ? {
            gating: presentation.gatingSignals,
            advisory: presentation.advisorySignals,
            // A selfie alone has no motion: its planar-motion entry is a placeholder, the session's
            // measurement is liveness.planarMotion.
            signals: planarMotion
              ? presentation.signals.filter((x) => x.name !== "planar-motion")
              : presentation.signals,
          }
        : null,
      decisionInput,
    },
    timings: { decide: Math.round(performance.now() - t0), ...analysisMs },
  };
}
