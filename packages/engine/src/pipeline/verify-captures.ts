/**
 * One session's verification from its captures: read the document sides (MRZ with consensus,
 * portrait), analyse the live face, compare it with the portrait, run the passive presentation-attack
 * signals, and decide. Pure engine work: bytes in, a serialisable verdict out, so it can run in a
 * worker thread and be replayed.
 * @module
 */
import {
  type Decision,
  type DecisionInput,
  type DecisionPolicy,
  decide,
  type FaceOutcome,
} from "../decision/index.ts";
import type { DocumentRead, DocumentReader, IdentomatPerson } from "../document/index.ts";
import { documentTypeOf, personFromMrz } from "../document/index.ts";
import type { FaceAnalysis, FaceEngine } from "../face/index.ts";
import {
  type ActiveChallenge,
  type ActiveCheckResult,
  type ActiveFrame,
  assessPresentation,
  checkActiveResponse,
  checkFlashResponse,
  decodeRgb,
  type FlashChallenge,
  type FlashCheckResult,
  type FlashFrame,
  toActiveFrame,
} from "../liveness/index.ts";
import type { MrzFields, MrzParseResult } from "../mrz/index.ts";

export interface Capture {
  kind: string;
  bytes: Uint8Array;
  /** Liveness frames: which part of the challenge, and capture time in ms since that part began. */
  phase?: "active" | "flash";
  t?: number;
}

/** The challenge the server issued for this session's liveness attempt. */
export interface LivenessChallenge {
  active: ActiveChallenge;
  flash: FlashChallenge;
}

export interface VerifyInput {
  captures: readonly Capture[];
  required: DecisionInput["required"];
  /** Accepted identity documents (`id`, `passport`, …); empty accepts all. */
  documentTypes: readonly string[];
  /** Accepted issuing states (alpha-3); empty accepts all. */
  documentCountries: readonly string[];
  now: Date;
  policy: DecisionPolicy;
  /** The issued liveness challenge, when the session has one. */
  challenge?: LivenessChallenge | null;
}

export interface VerifyEngines {
  face: FaceEngine;
  documents: DocumentReader;
}

export interface VerifyOutput {
  similarity: number;
  live: boolean;
  documentType: string;
  person: IdentomatPerson;
  idCardFront: Record<string, string>;
  idCardBack: Record<string, string>;
  faceImages: number;
  decision: Decision;
  /** Every signal behind the decision (no image data). */
  signals: Record<string, unknown>;
  timings: Record<string, number>;
}

const DOCUMENT_SIDES: Record<string, "front" | "back" | "passport"> = {
  "card-front": "front",
  "card-back": "back",
  passport: "passport",
};

/** Identomat's per-side OCR map keys (`<Field>_en_US`) from MRZ fields. */
export function sideMapFromMrz(f: MrzFields, lines: readonly string[]): Record<string, string> {
  const us = (iso: string | undefined) => {
    if (!iso) return undefined;
    const [y, m, d] = iso.split("-");
    return `${Number(m)}/${Number(d)}/${y}`;
  };
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

function faceOutcome(a: FaceAnalysis | null): FaceOutcome | "missing" {
  return a ? a.kind : "missing";
}

export async function verifyCaptures(input: VerifyInput, engines: VerifyEngines): Promise<VerifyOutput> {
  const timings: Record<string, number> = {};
  const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timings[name] = Math.round((timings[name] ?? 0) + performance.now() - t0);
    }
  };
  const latest = (kind: string) => [...input.captures].reverse().find((c) => c.kind === kind);

  // Documents: every side present, read once each.
  const reads: { kind: string; read: DocumentRead }[] = [];
  for (const kind of Object.keys(DOCUMENT_SIDES)) {
    const c = latest(kind);
    if (!c) continue;
    const read = await time(`document.${kind}`, () =>
      engines.documents.read(Buffer.from(c.bytes), { side: DOCUMENT_SIDES[kind] }),
    );
    reads.push({ kind, read });
  }
  const consensus = engines.documents.consensus(
    reads.flatMap(({ read }) =>
      read.kind === "ok" ? [{ mrz: read.mrz, mrzRepaired: read.mrzRepaired }] : [],
    ),
  );
  const accepted: MrzParseResult | null = consensus.accepted;
  const mrzSide = accepted
    ? reads.find(({ read }) => read.kind === "ok" && read.mrz?.lines.join() === accepted.lines.join())?.kind
    : undefined;
  const person: IdentomatPerson = accepted ? personFromMrz(accepted.fields, input.now, accepted.lines) : {};
  const documentType = documentTypeOf(accepted);
  const portraitRead = reads.find(({ read }) => read.kind === "ok" && read.portrait !== null);
  const portrait = portraitRead?.read.kind === "ok" ? portraitRead.read.portrait : null;

  // The live face: the selfie, else the first liveness frame.
  const live = latest("face") ?? input.captures.find((c) => c.kind === "liveness-frame");
  const face = live
    ? await time("face.live", () => engines.face.analyze(live.bytes, { requireSingleFace: true }))
    : null;
  const portraitFace = portrait
    ? await time("face.portrait", () => engines.face.analyze(portrait.image, { requireSingleFace: false }))
    : null;
  const similarity =
    face?.kind === "ok" && portraitFace?.kind === "ok"
      ? engines.face.compare(portraitFace.face.embedding, face.face.embedding).similarity
      : null;

  // Passive presentation-attack evidence on the live capture.
  let presentation: ReturnType<typeof assessPresentation> | null = null;
  if (live && face?.kind === "ok") {
    const rgb = await time("presentation", () => decodeRgb(live.bytes));
    const b = face.face.box;
    presentation = assessPresentation({
      image: rgb,
      face: { x: b.x, y: b.y, width: b.width, height: b.height },
    });
  }

  const liveness =
    input.required.liveness && input.challenge
      ? await time("liveness", () => checkLiveness(input, engines))
      : null;

  const documentRead: NonNullable<DecisionInput["document"]>["read"] =
    reads.length === 0
      ? "missing"
      : accepted
        ? "ok"
        : reads.every(({ read }) => read.kind === "no_document" || read.kind === "image_unreadable")
          ? "no_document"
          : "unreadable";
  const mrzInvalid =
    !accepted && reads.some(({ read }) => read.kind === "unreadable" && read.reason === "mrz_invalid");
  const expiresAt = person.document_expires_time ? Date.parse(person.document_expires_time) : Number.NaN;
  const decisionInput: DecisionInput = {
    required: input.required,
    document: {
      read: documentRead,
      mrzValid: accepted ? true : mrzInvalid ? false : null,
      expired: Number.isFinite(expiresAt) && expiresAt < input.now.getTime(),
      ageYears: typeof person.age === "number" ? person.age : null,
      fieldsMismatch: false,
      typeAllowed:
        !documentType || input.documentTypes.length === 0 || input.documentTypes.includes(documentType),
      countryAllowed:
        !accepted?.fields.issuingState ||
        input.documentCountries.length === 0 ||
        input.documentCountries.includes(accepted.fields.issuingState),
      portraitFound: portraitFace?.kind === "ok",
    },
    face: { outcome: faceOutcome(face) },
    similarity,
    ...(input.required.liveness
      ? {
          liveness: {
            activePassed: liveness?.active ? liveness.active.passed : null,
            flashPassed: liveness?.flash ? liveness.flash.passed : null,
            attackSignals: [...(presentation?.gatingSignals ?? [])],
          },
        }
      : {}),
  };
  const decision = decide(decisionInput, input.policy);
  const side = accepted && mrzSide ? sideMapFromMrz(accepted.fields, accepted.lines) : {};
  return {
    similarity: similarity ?? 0,
    live:
      decision.status !== "rejected" &&
      liveness?.active?.passed === true &&
      liveness.flash?.passed === true &&
      (presentation?.gatingSignals.length ?? 0) === 0,
    documentType,
    person,
    idCardFront: mrzSide && mrzSide !== "card-back" ? side : {},
    idCardBack: mrzSide === "card-back" ? side : {},
    faceImages: face?.kind === "ok" ? 1 : 0,
    decision,
    signals: {
      documents: reads.map(({ kind, read }) => ({
        kind,
        outcome: read.kind,
        ...(read.kind === "unreadable" ? { reason: read.reason } : {}),
      })),
      mrzConsensus: { reason: consensus.reason, agreeing: consensus.agreeing },
      face: face ? { outcome: face.kind } : null,
      portrait: portraitFace ? { outcome: portraitFace.kind } : null,
      similarity,
      liveness: liveness
        ? {
            active: liveness.active ? { ...liveness.active, frames: liveness.activeFrames } : null,
            flash: liveness.flash,
          }
        : null,
      presentation: presentation
        ? {
            gating: presentation.gatingSignals,
            advisory: presentation.advisorySignals,
            signals: presentation.signals,
          }
        : null,
      decisionInput,
    },
    timings,
  };
}

interface LivenessFindings {
  active: ActiveCheckResult | null;
  activeFrames: number;
  flash: FlashCheckResult | null;
}

/** Re-measures every submitted frame on the server and checks it against the issued challenge. */
async function checkLiveness(input: VerifyInput, engines: VerifyEngines): Promise<LivenessFindings> {
  const challenge = input.challenge;
  if (!challenge) return { active: null, activeFrames: 0, flash: null };
  const frames = input.captures.filter((c) => c.kind === "liveness-frame" && typeof c.t === "number");
  const activeFrames: ActiveFrame[] = [];
  const flashFrames: FlashFrame[] = [];
  for (const c of frames) {
    const a = await engines.face.analyzeFrame(c.bytes, { withEmbedding: c.phase === "active" });
    const t = c.t ?? 0;
    if (c.phase === "active") {
      activeFrames.push(
        a.kind === "ok"
          ? toActiveFrame(t, a.frame, a.faces, a.frame.embedding)
          : { t, yaw: 0, pitch: 0, roll: 0, eyeOpenness: 1, smile: 0, faceCount: 0 },
      );
    } else if (c.phase === "flash" && a.kind === "ok") {
      flashFrames.push({ t, image: await decodeRgb(c.bytes), face: a.frame.box });
    }
  }
  activeFrames.sort((x, y) => x.t - y.t);
  flashFrames.sort((x, y) => x.t - y.t);
  return {
    active:
      activeFrames.length > 0
        ? checkActiveResponse({ challenge: challenge.active, frames: activeFrames })
        : null,
    activeFrames: activeFrames.length,
    flash:
      flashFrames.length > 0 ? checkFlashResponse({ challenge: challenge.flash, frames: flashFrames }) : null,
  };
}
