/**
 * Test set-up shared by the session-level liveness tests (print-attack-session.test.ts,
 * liveness-session.test.ts): the real face engine and document reader, a TD3 data page with a given
 * portrait, a whole session (passport, colour-flash frames, active-challenge frames, selfie) run
 * through `verifyCaptures` as the verification worker runs it, the shape of the signals it reports,
 * and a genuine session cut from the Foreman clip (shared/eval/video, read in place). Test-only: it
 * registers vitest hooks.
 * @module
 */
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { afterAll, beforeAll } from "vitest";
import { renderTd3DataPage, SAMPLE_TD3_FIELDS } from "../document/fixtures/render-document.ts";
import { createDocumentReader, type DocumentReader } from "../document/index.ts";
import { createFaceEngine, DEFAULT_MATCH_THRESHOLDS, type FaceEngine } from "../face/index.ts";
import type { ActiveChallenge, ActiveCheckResult } from "../liveness/active-challenge.ts";
import {
  createFlashChallenge,
  type FlashChallenge,
  type FlashCheckResult,
  type FlashFrame,
} from "../liveness/color-flash.ts";
import { loadFaceFixtures, requireEvalData, splitMjpeg } from "../liveness/eval-data.ts";
import { decodeRgb, encodeJpeg } from "../liveness/image-ops.ts";
import type { FaceBox, RgbImage, SignalResult } from "../liveness/liveness-types.ts";
import { seededRandom } from "../liveness/random-source.ts";
import { renderFlashResponse } from "../liveness/synthetic-attacks.ts";
import type { Capture } from "./analyze-capture.ts";
import type { SelfieInLiveness, VerifyOutput } from "./decide-session.ts";
import { type VerifyEngines, verifyCaptures } from "./verify-captures.ts";

/** The sessions' clock: SAMPLE_TD3_FIELDS' passport is valid then and its holder an adult. */
export const SESSION_NOW = new Date("2026-11-25T12:00:00Z");

/**
 * The real engines, created once per test file (beforeAll) and disposed after it. Call at the top
 * level of a test file; the returned function gives the engines inside tests.
 */
export function useSessionEngines(): () => VerifyEngines {
  let face: FaceEngine | undefined;
  let documents: DocumentReader | undefined;
  beforeAll(async () => {
    [face, documents] = await Promise.all([createFaceEngine(), createDocumentReader()]);
  }, 120_000);
  afterAll(async () => {
    face?.dispose();
    await documents?.dispose();
  });
  return () => {
    if (!face || !documents) throw new Error("session engines not created (useSessionEngines in beforeAll)");
    return { face, documents };
  };
}

/** A TD3 passport data page (SAMPLE_TD3_FIELDS) with `portrait` (any image sharp reads) as its photo. */
export async function renderPassport(portrait: Uint8Array): Promise<Uint8Array> {
  return (await renderTd3DataPage(SAMPLE_TD3_FIELDS, { portrait: Buffer.from(portrait) })).png;
}

/** One session's captures, in the order the widget sends them. */
export interface SessionCaptures {
  /** The passport data page (PNG or JPEG). */
  readonly passport: Uint8Array;
  /** Colour-flash frames, times in ms since the flash began; encoded as JPEG 85. */
  readonly flash: readonly FlashFrame[];
  /** Active-challenge frames (JPEG), times in ms since the challenge was issued. */
  readonly active: ReadonlyArray<{ readonly t: number; readonly jpeg: Uint8Array }>;
  /** The selfie (JPEG). */
  readonly selfie: Uint8Array;
}

export interface SessionChallenge {
  readonly active: ActiveChallenge;
  readonly flash: FlashChallenge;
}

/**
 * Runs the session through `verifyCaptures` (every capture analysed by the real engines, then the
 * decision) with document, face and liveness required and the default face-match thresholds.
 */
export async function verifySession(
  parts: SessionCaptures,
  challenge: SessionChallenge,
  engines: VerifyEngines,
): Promise<VerifyOutput> {
  const captures: Capture[] = [{ kind: "passport", bytes: parts.passport }];
  for (const f of parts.flash) {
    captures.push({ kind: "liveness-frame", phase: "flash", t: f.t, bytes: await encodeJpeg(f.image, 85) });
  }
  for (const f of parts.active)
    captures.push({ kind: "liveness-frame", phase: "active", t: f.t, bytes: f.jpeg });
  captures.push({ kind: "face", bytes: parts.selfie });
  return verifyCaptures(
    {
      captures,
      required: { document: true, face: true, liveness: true },
      documentTypes: [],
      documentCountries: [],
      now: SESSION_NOW,
      policy: {
        acceptSimilarity: DEFAULT_MATCH_THRESHOLDS.accept,
        rejectSimilarity: DEFAULT_MATCH_THRESHOLDS.reject,
        minAge: 18,
      },
      challenge,
    },
    engines,
  );
}

/**
 * The part of `VerifyOutput.signals` the liveness tests read, in the types decideSession puts there
 * (`signals` itself is untyped JSON for storage).
 */
export interface SessionSignals {
  presentation: { gating: string[]; advisory: string[] } | null;
  liveness: {
    active: (ActiveCheckResult & { frames: number }) | null;
    flash: FlashCheckResult | null;
    /** The multi-frame depth check over the active frames. */
    planarMotion: SignalResult | null;
    /** The selfie against its closest active frame. */
    selfie: SelfieInLiveness | null;
  } | null;
}

export function sessionSignals(out: VerifyOutput): SessionSignals {
  return out.signals as unknown as SessionSignals;
}

// ---- A genuine session from the Foreman clip ----

/** "Foreman", 352×288 at 30 fps: a man in a hard hat talking to a hand-held camera. */
export const FOREMAN_CLIP = "video/foreman_cif_352x288_30fps.mjpeg";

let foremanCache: Uint8Array[] | undefined;

/** The clip's JPEG frames, as recorded (read in place from shared/eval). */
export function foremanFrames(): Uint8Array[] {
  foremanCache ??= splitMjpeg(new Uint8Array(readFileSync(requireEvalData(FOREMAN_CLIP))));
  return foremanCache;
}

export function foremanFrame(index: number): Uint8Array {
  const f = foremanFrames()[index];
  if (!f) throw new Error(`no frame ${index} in ${FOREMAN_CLIP}`);
  return f;
}

/** The detector fixture's face box of a Foreman frame (every third frame has one). */
export function foremanFaceBox(index: number): FaceBox {
  const box = loadFaceFixtures()[`${FOREMAN_CLIP}#${index}`]?.box;
  if (!box) throw new Error(`no fixture face box for ${FOREMAN_CLIP}#${index}`);
  return box;
}

/**
 * The prompts the clip performs, in its order (face engine, frames every 3rd of 0–93): Foreman turns
 * to his own left (yaw ≤ −20° at frames 6–12), faces the camera again, blinks (eye openness 0.82 →
 * 0.11 → 1.0 at frames 63–69) and turns to his own right (yaw +23.6° and +23.1° at frames 87 and 90,
 * after facing the camera at frame 81).
 */
export const FOREMAN_PROMPTS = ["turn_left", "blink", "turn_right"] as const;
/** The active phase: every 3rd frame of 0–93, i.e. 10 fps over 3.1 s of real footage. */
export const FOREMAN_ACTIVE_FRAMES = Array.from({ length: 32 }, (_, k) => 3 * k);
/** Portrait on the passport (frontal, yaw −0.3°) and the selfie (frontal, another moment of the clip). */
export const FOREMAN_PORTRAIT_FRAME = 30;
export const FOREMAN_SELFIE_FRAME = 57;
/** The still under the colour flash (frontal, eyes open). */
export const FOREMAN_FLASH_FRAME = 45;

/** Frame times: the clip's own (33.3 ms per frame) plus a capture clock's ±3 ms jitter. */
function foremanActiveResponse(seed: number): Array<{ t: number; jpeg: Uint8Array }> {
  const rng = seededRandom(seed);
  const startMs = 200;
  return FOREMAN_ACTIVE_FRAMES.map((i) => ({
    t: Math.round(startMs + (i * 1000) / 30 + (rng.float() - 0.5) * 6),
    jpeg: foremanFrame(i),
  }));
}

/** A passport-photo crop (35:45) around a Foreman frame's face, as the portrait of his passport. */
export async function foremanPortrait(index: number): Promise<Uint8Array> {
  const frame = foremanFrame(index);
  const box = foremanFaceBox(index);
  const meta = await sharp(frame).metadata();
  const fw = meta.width ?? 352;
  const fh = meta.height ?? 288;
  const h = Math.min(fh, Math.round(box.height * 1.7));
  const w = Math.round((h * 35) / 45);
  const left = Math.round(Math.min(Math.max(0, box.x + box.width / 2 - w / 2), fw - w));
  const top = Math.round(Math.min(Math.max(0, box.y + box.height / 2 - h * 0.55), fh - h));
  return new Uint8Array(
    await sharp(frame).extract({ left, top, width: w, height: h }).jpeg({ quality: 92 }).toBuffer(),
  );
}

export interface ForemanSession {
  readonly captures: SessionCaptures;
  readonly challenge: SessionChallenge;
  /** The decoded flash still and its face box (for attack variants of the flash phase). */
  readonly flashStill: { readonly image: RgbImage; readonly face: FaceBox };
}

/**
 * A genuine session from the Foreman clip: an active challenge of the prompts he performs
 * (FOREMAN_PROMPTS) answered by the clip's own frames at their own times, a colour flash rendered as
 * his face reflects the screen (renderFlashResponse, face-localised tint following the sequence with
 * lag, noise and white-balance drift), a passport whose portrait is a crop of another frame, and a
 * further frame as the selfie.
 */
export async function makeForemanSession(seed = 7): Promise<ForemanSession> {
  const rng = seededRandom(seed);
  const active: ActiveChallenge = {
    nonce: "0123456789abcdef0123456789abcdef",
    prompts: FOREMAN_PROMPTS,
    issuedAt: 0,
    windowMs: { perPrompt: 5000, total: FOREMAN_PROMPTS.length * 5000 + 2000 },
  };
  const flash = createFlashChallenge(rng, { count: [4, 4], durationMs: [300, 350] });
  const flashStill = {
    image: await decodeRgb(foremanFrame(FOREMAN_FLASH_FRAME)),
    face: foremanFaceBox(FOREMAN_FLASH_FRAME),
  };
  const flashFrames = await renderFlashResponse(flashStill.image, flashStill.face, flash, rng, {
    fps: 8,
    strength: 0.15,
  });
  return {
    captures: {
      passport: await renderPassport(await foremanPortrait(FOREMAN_PORTRAIT_FRAME)),
      flash: flashFrames,
      active: foremanActiveResponse(seed + 1),
      selfie: foremanFrame(FOREMAN_SELFIE_FRAME),
    },
    challenge: { active, flash },
    flashStill,
  };
}
