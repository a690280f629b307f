/**
 * Per-capture analysis, run as each capture arrives (so the final decision only waits for the last
 * one). The result is plain JSON: MRZ reads, face outcomes with their 128-d embeddings, per-frame
 * liveness measurements, and for colour-flash frames a small RGB thumbnail (the reflected colour is a
 * mean over regions, so 96 px are plenty).
 * @module
 */
import sharp from "sharp";
import type { BarcodeReader } from "../barcode/index.ts";
import type { DocumentReader, VisualZoneLine } from "../document/index.ts";
import type { FaceEngine } from "../face/index.ts";
import { assessPresentation, decodeRgb, type PresentationAssessment } from "../liveness/index.ts";
import type { MrzParseResult } from "../mrz/index.ts";
import { type AamvaRead, readAamvaBarcode } from "./driver-licence.ts";

export interface Capture {
  kind: string;
  bytes: Uint8Array;
  /** Liveness frames: which part of the challenge, and capture time in ms since that part began. */
  phase?: "active" | "flash";
  t?: number;
}

export interface AnalysisEngines {
  face: FaceEngine;
  documents: DocumentReader;
  /** PDF417 reader for card backs; by default one per thread, created on first use. */
  barcodes?: BarcodeReader;
}

type Box = { x: number; y: number; width: number; height: number };
export type FaceSummary =
  | { outcome: "ok"; box: Box; embedding: number[]; faces: number }
  | { outcome: Exclude<string, "ok">; box?: Box };

export type CaptureAnalysis =
  | {
      type: "document";
      kind: string;
      outcome: "ok" | "unreadable" | "no_document" | "image_unreadable";
      reason?: string;
      mrz: MrzParseResult | null;
      mrzRepaired: boolean;
      portrait: FaceSummary | null;
      /** Card backs: the AAMVA barcode (driver licences, US/Canadian ID cards); null when none decoded. */
      aamva?: AamvaRead | null;
      /** Printed text lines of a passport page or card front (cross-checked in the decision). */
      visualZone?: { lines: VisualZoneLine[]; ms: number } | null;
      ms: number;
    }
  | { type: "face"; kind: string; face: FaceSummary; presentation: PresentationAssessment | null; ms: number }
  | {
      type: "frame";
      phase: "active";
      t: number;
      faces: number;
      signals: {
        pose: { yaw: number; pitch: number; roll: number };
        eyes: { left: number; right: number };
        smile: number;
      } | null;
      embedding: number[] | null;
      /**
       * The 68 landmarks the embedding was aligned with, [x, y] in image pixels rounded to 0.1 px
       * (about 1 KB a frame in JSON), for the session's multi-frame depth check (planar-motion);
       * null when none were found. Absent from analyses stored before it existed.
       */
      landmarks?: [number, number][] | null;
      ms: number;
    }
  | {
      type: "frame";
      phase: "flash";
      t: number;
      faces: number;
      /** Thumbnail of the frame and the face box in its pixels; null when no face was found. */
      thumb: { width: number; height: number; rgbBase64: string; face: Box } | null;
      ms: number;
    }
  | { type: "other"; kind: string; ms: number };

const SIDES: Record<string, "front" | "back" | "passport"> = {
  "card-front": "front",
  "card-back": "back",
  passport: "passport",
};
const THUMB_WIDTH = 96;

function summarize(a: Awaited<ReturnType<FaceEngine["analyze"]>>): FaceSummary {
  if (a.kind === "ok") {
    const b = a.face.box;
    return {
      outcome: "ok",
      box: { x: b.x, y: b.y, width: b.width, height: b.height },
      embedding: Array.from(a.face.embedding),
      faces: a.faces,
    };
  }
  return { outcome: a.kind };
}

export async function analyzeCapture(c: Capture, engines: AnalysisEngines): Promise<CaptureAnalysis> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  const side = SIDES[c.kind];
  if (side) {
    // A licence back read from its barcode alone.
    const barcodeOnly = (aamva: AamvaRead): CaptureAnalysis => ({
      type: "document",
      kind: c.kind,
      outcome: "ok",
      mrz: null,
      mrzRepaired: false,
      portrait: null,
      aamva,
      ms: ms(),
    });
    // A licence back has a PDF417 and no MRZ: a quick barcode pass first (no retries, ~10–50 ms)
    // spares it the MRZ search; the thorough pass (counter-rotations) only runs if the MRZ failed.
    if (side === "back") {
      const aamva = await readAamvaBarcode(c.bytes, "quick", engines.barcodes);
      if (aamva) return barcodeOnly(aamva);
    }
    const read = await engines.documents.read(Buffer.from(c.bytes), { side });
    if (side === "back" && read.kind !== "ok") {
      const aamva = await readAamvaBarcode(c.bytes, "thorough", engines.barcodes);
      if (aamva) return barcodeOnly(aamva);
    }
    const portrait =
      read.kind === "ok" && read.portrait
        ? summarize(await engines.face.analyze(read.portrait.image, { requireSingleFace: false }))
        : null;
    return {
      type: "document",
      kind: c.kind,
      outcome: read.kind,
      ...(read.kind === "unreadable" ? { reason: read.reason } : {}),
      mrz: read.kind === "ok" ? read.mrz : read.kind === "unreadable" ? read.partial : null,
      mrzRepaired: read.kind === "ok" && read.mrzRepaired,
      portrait,
      visualZone:
        read.kind === "ok" && read.visualZone
          ? { lines: [...read.visualZone.lines], ms: Math.round(read.timings.visualZone) }
          : null,
      ms: ms(),
    };
  }
  if (c.kind === "face") {
    const a = await engines.face.analyze(c.bytes, { requireSingleFace: true });
    let presentation: PresentationAssessment | null = null;
    if (a.kind === "ok") {
      const b = a.face.box;
      presentation = assessPresentation({
        image: await decodeRgb(c.bytes),
        face: { x: b.x, y: b.y, width: b.width, height: b.height },
      });
    }
    return { type: "face", kind: c.kind, face: summarize(a), presentation, ms: ms() };
  }
  if (c.kind === "liveness-frame" && (c.phase === "active" || c.phase === "flash")) {
    const t = c.t ?? 0;
    const a = await engines.face.analyzeFrame(c.bytes, { withEmbedding: c.phase === "active" });
    if (c.phase === "active") {
      return {
        type: "frame",
        phase: "active",
        t,
        faces: a.kind === "ok" ? a.faces : 0,
        signals: a.kind === "ok" ? { pose: a.frame.pose, eyes: a.frame.eyes, smile: a.frame.smile } : null,
        embedding: a.kind === "ok" && a.frame.embedding ? Array.from(a.frame.embedding) : null,
        landmarks:
          a.kind === "ok" && a.frame.landmarks
            ? a.frame.landmarks.map((p): [number, number] => [
                Math.round(p.x * 10) / 10,
                Math.round(p.y * 10) / 10,
              ])
            : null,
        ms: ms(),
      };
    }
    if (a.kind !== "ok") return { type: "frame", phase: "flash", t, faces: 0, thumb: null, ms: ms() };
    const full = await sharp(c.bytes).rotate().metadata();
    const width = full.autoOrient?.width ?? full.width ?? 1;
    const scale = THUMB_WIDTH / width;
    const { data, info } = await sharp(c.bytes)
      .rotate()
      .removeAlpha()
      .resize({ width: THUMB_WIDTH })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const b = a.frame.box;
    return {
      type: "frame",
      phase: "flash",
      t,
      faces: a.faces,
      thumb: {
        width: info.width,
        height: info.height,
        rgbBase64: data.toString("base64"),
        face: { x: b.x * scale, y: b.y * scale, width: b.width * scale, height: b.height * scale },
      },
      ms: ms(),
    };
  }
  return { type: "other", kind: c.kind, ms: ms() };
}
