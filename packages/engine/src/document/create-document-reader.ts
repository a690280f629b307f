/**
 * The document reader: decode → find and flatten the document → locate and read the MRZ (orientation
 * from the text) → parse, optionally repair → portrait crop and quality figures.
 * @module
 */
import sharp from "sharp";
import { type MrzParseResult, normalizeMrzLines, parseMrz } from "../mrz/index.ts";
import { detectTextOrientation } from "./detect-text-orientation.ts";
import type {
  DocumentQuality,
  DocumentRead,
  DocumentReadHints,
  DocumentTimings,
  PixelBox,
} from "./document-read.ts";
import { findDocumentQuad, type Quad, warpQuad, warpSize } from "./find-document-quad.ts";
import { findTextLines } from "./locate-mrz.ts";
import { consensus, type MrzConsensus, type MrzObservation } from "./mrz-consensus.ts";
import { createMrzRecognizer, type MrzRecognizer } from "./mrz-recognizer.ts";
import { type AssembledMrz, repairMrz } from "./mrz-text.ts";
import { type GrayImage, type Point, type RgbImage, resizeGray, rgbToGray, rotateRgb } from "./raster.ts";
import { type MrzReadAttempt, type MrzTuning, readMrz } from "./read-mrz.ts";
import { readVisualZone, type VisualZoneRead } from "./read-visual-zone.ts";
import { createTextDetector, type TextDetector } from "./text-detector.ts";

export interface DocumentReaderOptions {
  /** onnxruntime threads for the recogniser. @default 1: on 2 shared cores, 2 threads measured 2–3× slower under load */
  threads?: number;
  /** Try the one-substitution repair when a read is invalid. @default true */
  repair?: boolean;
  /** Longest side the decoded image is reduced to before any work. @default 2000 */
  maxImageSide?: number;
  /** Reference date for two-digit years. @default the current date at each read */
  now?: () => Date;
  /** Receives band and row crops (for evaluation and debugging). */
  debug?: (name: string, image: RgbImage) => void;
  /** Row-crop geometry overrides (evaluation only). */
  tuning?: Partial<MrzTuning>;
  /**
   * Read the visual zone (printed fields) of passport pages and card fronts with PP-OCRv4 text
   * detection + recognition, for the cross-check against the MRZ. Costs ~0.3–1 s per such side.
   * @default true
   */
  visualZone?: boolean;
}

export interface DocumentReader {
  read(image: Buffer, hints?: DocumentReadHints): Promise<DocumentRead>;
  /** See mrz-consensus.ts for the acceptance rule. */
  consensus(reads: readonly MrzObservation[]): MrzConsensus;
  dispose(): Promise<void>;
}

/**
 * Loads the recogniser once; the returned instance is safe to reuse across requests (reads are
 * independent; onnxruntime serialises runs on one session).
 * @throws AppError("UNAVAILABLE") when the OCR model cannot be loaded.
 */
export async function createDocumentReader(options: DocumentReaderOptions = {}): Promise<DocumentReader> {
  const threads = options.threads ?? 1;
  const [recognizer, detector] = await Promise.all([
    createMrzRecognizer({ threads }),
    options.visualZone === false ? null : createTextDetector({ threads }),
  ]);
  return {
    read: (image, hints) => readDocument(image, hints ?? {}, { recognizer, detector }, options),
    consensus,
    dispose: async () => {
      await recognizer.dispose();
      await detector?.dispose();
    },
  };
}

function emptyTimings(): DocumentTimings {
  return { decode: 0, quad: 0, locate: 0, ocr: 0, parse: 0, portrait: 0, visualZone: 0, total: 0 };
}

function parseAssembled(a: AssembledMrz, now: Date): MrzParseResult {
  return parseMrz(normalizeMrzLines(a.lines).lines, { now });
}

/**
 * Whether the OCR read is confirmed: a known layout whose every check digit verifies. Semantic errors
 * the parser may still report (an unknown state code such as an old specimen's "SI<", an impossible
 * date) are the document's business, not OCR failures, so they do not block this.
 */
export function checkDigitsVerify(p: MrzParseResult): boolean {
  if (p.valid) return true;
  if (!p.format || p.checks.length === 0 || !p.checks.every((c) => c.valid)) return false;
  return !p.errors.some((e) => e.code === "LINE_LENGTH" || e.code === "UNKNOWN_FORMAT");
}

/** 1 when every check digit verifies, otherwise the share that do (scaled below 1). */
function scoreParse(p: MrzParseResult): number {
  if (checkDigitsVerify(p)) return 1;
  if (!p.format || p.checks.length === 0) return 0.1;
  return (0.9 * p.checks.filter((c) => c.valid).length) / p.checks.length;
}

async function readDocument(
  input: Buffer,
  hints: DocumentReadHints,
  models: { recognizer: MrzRecognizer; detector: TextDetector | null },
  options: DocumentReaderOptions,
): Promise<DocumentRead> {
  const { recognizer, detector } = models;
  const started = performance.now();
  const timings = emptyTimings();
  const now = options.now?.() ?? new Date();
  const maxSide = options.maxImageSide ?? 2000;

  let image: RgbImage;
  try {
    const { data, info } = await sharp(input, { failOn: "error" })
      .rotate()
      .resize(maxSide, maxSide, { fit: "inside", withoutEnlargement: true })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    image = {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (err) {
    return { kind: "image_unreadable", detail: err instanceof Error ? err.message : String(err) };
  }
  timings.decode = performance.now() - started;

  let t = performance.now();
  const small = await downscaleGray(image, 400);
  const found = findDocumentQuad(small.gray);
  const quad: Quad | null = found ? scaleQuad(found, 1 / small.scale) : null;
  let doc = image;
  if (quad) {
    const size = warpSize(quad, 1600);
    doc = warpQuad(image, quad, size.width, size.height);
  }
  timings.quad = performance.now() - t;

  const stats = { locateMs: 0, ocrMs: 0, ocrRuns: 0 };
  let parseMs = 0;
  const evaluate = (a: AssembledMrz) => {
    const p0 = performance.now();
    const s = scoreParse(parseAssembled(a, now));
    parseMs += performance.now() - p0;
    return s;
  };
  // A card front rarely carries an MRZ: look, but spend less on it.
  const rowBudget = hints.side === "front" ? 6 : 12;
  const deps = { recognizer, evaluate, debug: options.debug, tuning: options.tuning, rowBudget };
  let attempt = await readMrz(doc, deps, stats);
  // A wrong quad can cut the MRZ off: retry on the whole image before giving up.
  if (quad && hints.side !== "front" && (!attempt || attempt.score < 1)) {
    const whole = await readMrz(image, deps, stats);
    if (whole && (!attempt || whole.score > attempt.score)) {
      attempt = whole;
      doc = image;
    }
  }
  const usedQuad = doc === image ? null : quad;
  timings.locate = stats.locateMs;
  timings.ocr = stats.ocrMs;

  t = performance.now();
  let mrz: MrzParseResult | null = null;
  let repaired = false;
  if (attempt) {
    mrz = parseAssembled(attempt.assembled, now);
    if (!checkDigitsVerify(mrz) && options.repair !== false) {
      const lines = normalizeMrzLines(attempt.assembled.lines).lines;
      const aligned = lines.every((l, i) => l.length === attempt?.assembled.lines[i]?.length);
      const fixed = repairMrz(
        lines,
        (candidate) => {
          const parsed = parseMrz(candidate, { now });
          return { valid: checkDigitsVerify(parsed), parsed };
        },
        aligned ? attempt.assembled.alternatives : undefined,
      );
      if (fixed) {
        mrz = fixed.result.parsed;
        repaired = true;
      }
    }
  }
  timings.parse = parseMs + (performance.now() - t);

  let quarterTurns = attempt && mrz?.format ? attempt.quarterTurns : 0;
  let upright = rotateRgb(doc, quarterTurns);
  const quality = await measureQuality(upright);
  let rotation = (quarterTurns * 90) as 0 | 90 | 180 | 270;
  const quadOut: Point[] = usedQuad
    ? [...usedQuad]
    : [
        [0, 0],
        [image.width, 0],
        [image.width, image.height],
        [0, image.height],
      ];

  const expectsMrz =
    hints.side === "back" || hints.side === "passport" || (!hints.side && hints.documentType === "passport");
  if (!mrz || !checkDigitsVerify(mrz)) {
    const looksLikeDocument = usedQuad !== null || attempt !== null || (await hasText(small.gray));
    if (!looksLikeDocument) {
      timings.total = performance.now() - started;
      return { kind: "no_document", quality, timings };
    }
    const mrzShaped = mrz !== null && mrz.format !== null;
    if (expectsMrz || mrzShaped) {
      timings.total = performance.now() - started;
      return {
        kind: "unreadable",
        reason: mrzShaped ? "mrz_invalid" : "mrz_not_found",
        partial: mrzShaped ? mrz : null,
        quad: quadOut,
        rotation,
        quality,
        timings,
      };
    }
    mrz = null;
    // No MRZ to tell which way is up (a card front): ask the printed text instead.
    const o0 = performance.now();
    const orientation = await detectTextOrientation(doc, recognizer);
    timings.ocr += performance.now() - o0;
    if (orientation) {
      quarterTurns = orientation.quarterTurns;
      upright = rotateRgb(doc, quarterTurns);
      rotation = (quarterTurns * 90) as 0 | 90 | 180 | 270;
    }
  }

  t = performance.now();
  const portraitBox = locatePortrait(upright, attempt, mrz, quarterTurns, doc, hints);
  const portrait = portraitBox ? { box: portraitBox, image: await cropJpeg(upright, portraitBox) } : null;
  timings.portrait = performance.now() - t;

  // The printed fields: on a passport-style page above its MRZ, on a card front everywhere. A TD1
  // back carries none of the main fields.
  t = performance.now();
  let visualZone: VisualZoneRead | null = null;
  if (detector && hints.side !== "back" && mrz?.format !== "TD1") {
    const bandTop =
      attempt && mrz
        ? Math.min(...attempt.bandQuad.map((p) => turnPoint(p, quarterTurns, doc.width, doc.height)[1]))
        : undefined;
    visualZone = await readVisualZone(upright, detector, recognizer, {
      ...(bandTop !== undefined ? { excludeBelow: bandTop } : {}),
    });
  }
  timings.visualZone = performance.now() - t;
  timings.total = performance.now() - started;
  return {
    kind: "ok",
    mrz,
    mrzRepaired: repaired,
    quad: quadOut,
    quadDetected: usedQuad !== null,
    rotation,
    portrait,
    visualZone,
    quality,
    timings,
  };
}

async function downscaleGray(img: RgbImage, side: number): Promise<{ gray: GrayImage; scale: number }> {
  const scale = Math.min(1, side / Math.max(img.width, img.height));
  const g = rgbToGray(img);
  if (scale === 1) return { gray: g, scale };
  const gray = await resizeGray(
    g,
    Math.max(1, Math.round(img.width * scale)),
    Math.max(1, Math.round(img.height * scale)),
  );
  return { gray, scale };
}

function scaleQuad(q: Quad, s: number): Quad {
  const m = (p: Point): Point => [p[0] * s, p[1] * s];
  return [m(q[0]), m(q[1]), m(q[2]), m(q[3])];
}

/** A plain photo has no text lines; a document page has several (in one of two quarter turns). */
async function hasText(gray: GrayImage): Promise<boolean> {
  // Several lines made of several glyphs each; photos yield a few long edges with one or two runs.
  const texty = (g: GrayImage) => findTextLines(g).filter((l) => l.glyphs >= 6).length >= 3;
  if (texty(gray)) return true;
  const { width: w, height: h, data } = gray;
  const turned = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) turned[x * h + (h - 1 - y)] = data[y * w + x] ?? 0;
  return texty({ width: h, height: w, data: turned });
}

async function measureQuality(img: RgbImage): Promise<DocumentQuality> {
  const { gray } = await downscaleGray(img, 500);
  const { width: w, height: h, data } = gray;
  const hist = new Uint32Array(256);
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] ?? 0;
    sum += v;
    hist[v] = (hist[v] ?? 0) + 1;
  }
  let median = 0;
  for (let acc = 0; median < 255 && acc + (hist[median] ?? 0) < data.length / 2; median++)
    acc += hist[median] ?? 0;
  // Glare is saturation well above the page's own tone: a white page is not glare, a blown-out
  // spot on a tinted one is.
  let glarePixels = 0;
  const glareFrom = Math.max(250, median + 25);
  for (let v = glareFrom; v < 256; v++) glarePixels += hist[v] ?? 0;
  let lapSum = 0;
  let lapSq = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const l =
        (data[i - 1] ?? 0) +
        (data[i + 1] ?? 0) +
        (data[i - w] ?? 0) +
        (data[i + w] ?? 0) -
        4 * (data[i] ?? 0);
      lapSum += l;
      lapSq += l * l;
      n++;
    }
  }
  const mean = n ? lapSum / n : 0;
  return {
    sharpness: n ? Math.round(lapSq / n - mean * mean) : 0,
    glare: data.length ? glarePixels / data.length : 0,
    brightness: data.length ? sum / data.length / 255 : 0,
  };
}

/** Maps a point of the un-rotated document to the upright one (clockwise quarter turns). */
function turnPoint(p: Point, q: number, w: number, h: number): Point {
  switch (q) {
    case 1:
      return [h - p[1], p[0]];
    case 2:
      return [w - p[0], h - p[1]];
    case 3:
      return [p[1], w - p[0]];
    default:
      return p;
  }
}

/**
 * The face area of a data page lies left of the printed fields. With an MRZ, its geometry gives the
 * page: MRZ lines span about 89 % of the page width and sit at its bottom. Without one (a card
 * front), the flattened image is taken as the card. TD1 backs carry no portrait.
 */
function locatePortrait(
  upright: RgbImage,
  attempt: MrzReadAttempt | null,
  mrz: MrzParseResult | null,
  q: number,
  doc: RgbImage,
  hints: DocumentReadHints,
): PixelBox | null {
  if (hints.side === "back" || mrz?.format === "TD1") return null;
  let box: { x0: number; y0: number; x1: number; y1: number };
  if (attempt && mrz) {
    const corners = attempt.bandQuad.map((p) => turnPoint(p, q, doc.width, doc.height));
    const xs = corners.map((p) => p[0]);
    const ys = corners.map((p) => p[1]);
    const left = Math.min(...xs);
    const right = Math.max(...xs);
    const top = Math.min(...ys);
    // The band includes margins; its width is close to the MRZ line length plus ~5 characters.
    const lineLength = right - left;
    const pageWidth = lineLength / 0.95;
    const pageHeight = pageWidth * (88 / 125);
    const pageLeft = left - 0.02 * pageWidth;
    box = {
      x0: pageLeft,
      x1: pageLeft + 0.4 * pageWidth,
      y0: top - 0.62 * pageHeight,
      y1: top + 0.02 * pageHeight,
    };
  } else {
    const w = upright.width;
    const h = upright.height;
    box = { x0: 0, x1: 0.42 * w, y0: 0.1 * h, y1: h };
  }
  const x0 = Math.max(0, Math.round(box.x0));
  const y0 = Math.max(0, Math.round(box.y0));
  const x1 = Math.min(upright.width, Math.round(box.x1));
  const y1 = Math.min(upright.height, Math.round(box.y1));
  if (x1 - x0 < 16 || y1 - y0 < 16) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

async function cropJpeg(img: RgbImage, box: PixelBox): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left: box.x, top: box.y, width: box.width, height: box.height })
    .jpeg({ quality: 90 })
    .toBuffer();
}
