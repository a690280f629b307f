/**
 * Orientation of a page without an MRZ (a card front) from its printed text: text lines only appear
 * as long horizontal components in the right quarter turn, and the recogniser is far more confident
 * on upright text than on the same line upside down.
 * @module
 */
import { findTextLines, type TextLine } from "./locate-mrz.ts";
import { type MrzRecognizer, REC_HEIGHT } from "./mrz-recognizer.ts";
import {
  type GrayImage,
  type RgbImage,
  resizeGray,
  rgbToGray,
  rotateRgb,
  sampleRotatedRect,
} from "./raster.ts";
import type { QuarterTurn } from "./read-mrz.ts";

/** Lines compared in both directions; more costs two recogniser runs per line. */
const LINES_COMPARED = 2;

export interface TextOrientation {
  readonly quarterTurns: QuarterTurn;
  /** Mean recogniser confidence of the chosen direction minus the other one. */
  readonly margin: number;
}

function rotateGray(g: GrayImage): GrayImage {
  const { width: w, height: h, data } = g;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[x * h + (h - 1 - y)] = data[y * w + x] ?? 0;
  return { width: h, height: w, data: out };
}

function textScore(lines: readonly TextLine[]): number {
  return lines.filter((l) => l.glyphs >= 6).reduce((a, l) => a + l.length, 0);
}

/** Null when the page shows no usable text lines. */
export async function detectTextOrientation(
  image: RgbImage,
  recognizer: MrzRecognizer,
): Promise<TextOrientation | null> {
  const scale = 1000 / Math.max(image.width, image.height);
  const gray = await resizeGray(
    rgbToGray(image),
    Math.max(1, Math.round(image.width * scale)),
    Math.max(1, Math.round(image.height * scale)),
  );
  const upright = findTextLines(gray);
  const turned = findTextLines(rotateGray(gray));
  const q: 0 | 1 = textScore(turned) > textScore(upright) * 1.5 ? 1 : 0;
  const lines = (q === 1 ? turned : upright)
    .filter((l) => l.glyphs >= 6)
    .sort((a, b) => b.length - a.length)
    .slice(0, LINES_COMPARED);
  if (lines.length === 0) return null;
  const src = q === 1 ? rotateRgb(image, 1) : image;
  const f = src.width / (q === 1 ? gray.height : gray.width);
  const crops: RgbImage[] = [];
  for (const l of lines) {
    const ux = Math.cos(l.angle);
    const uy = Math.sin(l.angle);
    const len = (l.length + 2 * l.thickness) * f;
    const thick = 1.6 * l.thickness * f;
    const ox = l.cx * f - (ux * len) / 2 + (uy * thick) / 2;
    const oy = l.cy * f - (uy * len) / 2 - (ux * thick) / 2;
    const outW = Math.max(16, Math.round((len * REC_HEIGHT * 1.4) / thick));
    const crop = sampleRotatedRect(src, [ox, oy], [ux, uy], [-uy, ux], len, thick, outW, REC_HEIGHT);
    crops.push(crop, rotateRgb(crop, 2));
  }
  const read = await recognizer.recognize(crops);
  let up = 0;
  let down = 0;
  for (let i = 0; i + 1 < read.length; i += 2) {
    up += read[i]?.confidence ?? 0;
    down += read[i + 1]?.confidence ?? 0;
  }
  const n = lines.length;
  const flip = down > up;
  return { quarterTurns: ((q + (flip ? 2 : 0)) % 4) as QuarterTurn, margin: Math.abs(up - down) / n };
}
