/** Access to the shared evaluation data and the detector fixture, for tests and eval-liveness.ts. */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodeRgb } from "./image-ops.ts";
import type { FaceBox, Point, RgbImage } from "./liveness-types.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Repository root (packages/engine/src/liveness → 4 levels up). */
export const REPO_ROOT = path.resolve(here, "../../../..");
/** shared/eval sits beside the repository (also in CI). */
export const EVAL_ROOT = path.resolve(REPO_ROOT, "../shared/eval");

export interface FixtureEntry {
  readonly width: number;
  readonly height: number;
  readonly box: FaceBox | null;
  readonly landmarks: Point[] | null;
  readonly human: { readonly real: number; readonly live: number; readonly yawDeg: number } | null;
}

/**
 * Face boxes, 68 landmarks and Human's antispoof/liveness numbers for the shared eval images,
 * made once by fixtures/make-face-fixtures.mjs (face-api SSD + landmarks, Human 3.3.6), so the
 * liveness tests do not need a detector. Keys are paths under shared/eval; video frames are
 * `video/<file>#<frame index>`.
 */
export function loadFaceFixtures(): Record<string, FixtureEntry> {
  const raw = JSON.parse(fs.readFileSync(path.join(here, "fixtures/face-fixtures.json"), "utf8")) as {
    images: Record<string, FixtureEntry>;
  };
  return raw.images;
}

/** Throws (loudly) when the shared eval data is not where CI puts it. */
export function requireEvalData(rel: string): string {
  const p = path.join(EVAL_ROOT, rel);
  if (!fs.existsSync(p)) throw new Error(`shared eval data missing: ${p} (expected shared/ beside the repo)`);
  return p;
}

/** Splits a Motion-JPEG stream into JPEG frames on the SOI/EOI markers. */
export function splitMjpeg(buf: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let start = -1;
  for (let i = 0; i + 1 < buf.length; i++) {
    if (buf[i] === 0xff && buf[i + 1] === 0xd8 && start < 0) start = i;
    else if (buf[i] === 0xff && buf[i + 1] === 0xd9 && start >= 0) {
      frames.push(buf.subarray(start, i + 2));
      start = -1;
      i++;
    }
  }
  return frames;
}

const mjpegCache = new Map<string, Uint8Array[]>();

/** Decodes a fixture key: a still under shared/eval or `video/<file>.mjpeg#<index>`. */
export async function loadFixtureImage(key: string): Promise<RgbImage> {
  const [file, frame] = key.split("#");
  if (!file) throw new Error(`bad fixture key ${key}`);
  const p = requireEvalData(file);
  if (frame === undefined) return decodeRgb(fs.readFileSync(p));
  let frames = mjpegCache.get(p);
  if (!frames) {
    frames = splitMjpeg(new Uint8Array(fs.readFileSync(p)));
    mjpegCache.set(p, frames);
  }
  const f = frames[Number(frame)];
  if (!f) throw new Error(`no frame ${frame} in ${file}`);
  return decodeRgb(f);
}

/** The real attacks and the live capture from Silent-Face-Anti-Spoofing (see faces/SOURCES.md). */
export const REAL_SPOOF = {
  live: "faces/spoof/silent-face-anti-spoofing/image_T1.jpg",
  print: "faces/spoof/silent-face-anti-spoofing/image_F1.jpg",
  screen: "faces/spoof/silent-face-anti-spoofing/image_F2.jpg",
} as const;
