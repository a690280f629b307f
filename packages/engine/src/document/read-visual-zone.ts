/**
 * Reads the visual zone (the printed fields) of an upright, perspective-corrected document: PP-OCRv4
 * text detection, then PP-OCRv4 recognition of each box over a Latin alphabet. The MRZ band is left
 * out (it is read separately and would otherwise "confirm" itself). Bounded: one detector run on a
 * ≤ 640 px copy and at most `maxLines` recogniser runs (widest crops capped).
 * @module
 */
import type { PixelBox } from "./document-read.ts";
import { type MrzRecognizer, REC_HEIGHT } from "./mrz-recognizer.ts";
import { type RgbImage, sampleRotatedRect } from "./raster.ts";
import type { TextDetector } from "./text-detector.ts";

/** One printed text line of the visual zone, in the upright document's pixels. */
export interface VisualZoneLine {
  readonly text: string;
  /** Mean per-character recogniser probability (0–1). */
  readonly confidence: number;
  readonly box: PixelBox;
}

export interface VisualZoneRead {
  readonly lines: readonly VisualZoneLine[];
  /** Size of the upright document image the boxes refer to. */
  readonly width: number;
  readonly height: number;
  /** Boxes the detector found (before the budget and the MRZ exclusion). */
  readonly detected: number;
  readonly ms: { readonly detect: number; readonly recognize: number };
}

export interface VisualZoneOptions {
  /** Text below this y (the MRZ band's top, upright pixels) is ignored. */
  readonly excludeBelow?: number;
  /** Recogniser runs at most. @default 36 */
  readonly maxLines?: number;
  /** Lines read with a lower mean confidence are dropped. @default 0.5 */
  readonly minConfidence?: number;
}

/** Widest line crop sent to the recogniser (48 px high), so one long box cannot cost much. */
const MAX_CROP_WIDTH = 1280;

export async function readVisualZone(
  image: RgbImage,
  detector: TextDetector,
  recognizer: MrzRecognizer,
  options: VisualZoneOptions = {},
): Promise<VisualZoneRead> {
  const t0 = performance.now();
  const boxes = await detector.detect(image);
  const t1 = performance.now();
  const limit = options.excludeBelow ?? Number.POSITIVE_INFINITY;
  const minHeight = Math.max(6, image.height * 0.012);
  const candidates = boxes
    .filter((b) => b.y + b.height / 2 < limit && b.height >= minHeight && b.height <= image.height * 0.2)
    // Text lines are wider than tall (one-letter fields such as the sex are still kept: ≥ 0.5).
    .filter((b) => b.width >= 0.5 * b.height)
    .sort((a, b) => b.score * b.width - a.score * a.width)
    .slice(0, options.maxLines ?? 36);
  const crops = candidates.map((b) => {
    // A little vertical room helps the recogniser; the unclipped DB box is already padded sideways.
    const pad = b.height * 0.08;
    const top = Math.max(0, b.y - pad);
    const thick = Math.min(image.height - top, b.height + 2 * pad);
    const outW = Math.min(MAX_CROP_WIDTH, Math.max(16, Math.round((b.width * REC_HEIGHT) / thick)));
    return sampleRotatedRect(image, [b.x, top], [1, 0], [0, 1], b.width, thick, outW, REC_HEIGHT);
  });
  const read = crops.length > 0 ? await recognizer.recognize(crops, { alphabet: "latin" }) : [];
  const minConfidence = options.minConfidence ?? 0.5;
  const lines: VisualZoneLine[] = [];
  read.forEach((r, i) => {
    const b = candidates[i];
    const text = r.text.replace(/\s+/g, " ").trim();
    if (!b || !text || r.confidence < minConfidence) return;
    lines.push({
      text,
      confidence: Math.round(r.confidence * 1000) / 1000,
      box: {
        x: Math.round(b.x),
        y: Math.round(b.y),
        width: Math.round(b.width),
        height: Math.round(b.height),
      },
    });
  });
  // Reading order: top to bottom, then left to right.
  lines.sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
  return {
    lines,
    width: image.width,
    height: image.height,
    detected: boxes.length,
    ms: { detect: Math.round(t1 - t0), recognize: Math.round(performance.now() - t1) },
  };
}
