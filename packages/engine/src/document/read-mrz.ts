/**
 * The MRZ hot path: locate MRZ band candidates on a ≤1000 px grey copy, crop each band deskewed from
 * the full-resolution image, split it into rows, recognise only those rows, and assemble the lines.
 * Orientation comes from the text itself: lines that only appear after a quarter turn mean 90°/270°,
 * and a band that reads better upside down means 180°.
 * @module
 */
import { type BandRow, findMrzBands, findTextLines, type MrzBand, segmentBandRows } from "./locate-mrz.ts";
import type { MrzRecognizer, RecognizedLine } from "./mrz-recognizer.ts";
import { REC_HEIGHT } from "./mrz-recognizer.ts";
import { type AssembledMrz, assembleMrz } from "./mrz-text.ts";
import {
  type GrayImage,
  type Point,
  type RgbImage,
  resizeGray,
  rgbToGray,
  rotateRgb,
  sampleRotatedRect,
} from "./raster.ts";

export type QuarterTurn = 0 | 1 | 2 | 3;

export interface MrzReadAttempt {
  readonly assembled: AssembledMrz;
  /** Clockwise quarter turns applied to the input to make the MRZ upright. */
  readonly quarterTurns: QuarterTurn;
  /** The band in the coordinates of the (un-rotated) input image: 4 corners TL, TR, BR, BL. */
  readonly bandQuad: readonly Point[];
  /** Score from the caller's evaluator (1 = every check digit verifies). */
  readonly score: number;
  readonly rows: readonly RecognizedLine[];
}

export interface ReadMrzDeps {
  readonly recognizer: MrzRecognizer;
  /** Scores assembled lines in [0, 1]; 1 means a valid parse and stops the search. */
  readonly evaluate: (a: AssembledMrz) => number;
  /** Optional sink for band/row crops while debugging. */
  readonly debug?: (name: string, img: RgbImage) => void;
  readonly tuning?: Partial<MrzTuning>;
  /** Recogniser runs (rows) this read may spend. @default 12 */
  readonly rowBudget?: number;
}

/** Geometry of the row crops handed to the recogniser (exposed for the evaluation script). */
export interface MrzTuning {
  /** Row crop height as a multiple of the text height. */
  rowThickness: number;
  /** Horizontal stretch of row crops: PP-OCRv4 misreads dense, bold OCR-B unless it is widened. */
  rowStretch: number;
}

const DEFAULT_TUNING: MrzTuning = { rowThickness: 1.6, rowStretch: 1.4 };

export interface ReadMrzStats {
  locateMs: number;
  ocrMs: number;
  ocrRuns: number;
}

/** Long side of the working copy used for localisation. */
const WORK_SIZE = 1000;
/** Character height (px) bands are resampled to before row segmentation. */
const BAND_CHAR_PX = 32;
/** Bands OCR'd at most per orientation, to bound latency. */
const MAX_BANDS = 3;
/** Mean recogniser confidence above which a band's reading direction is taken as settled. */
const CONFIDENT_READ = 0.8;
/** Recogniser runs (rows) one read may spend, across bands, directions and the whole-image retry. */
const MAX_ROWS_PER_READ = 12;
/** Horizontal scales tried again on a near miss (the first pass uses `rowStretch`). */
const RESCALE_STRETCHES = [1.0, 1.8];

export async function readMrz(
  image: RgbImage,
  deps: ReadMrzDeps,
  stats: ReadMrzStats,
): Promise<MrzReadAttempt | null> {
  const t0 = performance.now();
  const scale = WORK_SIZE / Math.max(image.width, image.height);
  const gray = await resizeGray(
    rgbToGray(image),
    Math.max(1, Math.round(image.width * scale)),
    Math.max(1, Math.round(image.height * scale)),
  );
  const upright = rankBands(gray);
  let turned: MrzBand[] = [];
  // Only look for vertical text when horizontal lines gave no convincing MRZ stack.
  const bestUpright = upright[0]?.score ?? 0;
  if (!upright[0] || upright[0].lines.length < 2 || bestUpright < 1) turned = rankBands(rotateGray(gray));
  stats.locateMs += performance.now() - t0;

  const plans: { band: MrzBand; q: 0 | 1 }[] = [
    ...upright.slice(0, MAX_BANDS).map((band) => ({ band, q: 0 as const })),
    ...turned.slice(0, MAX_BANDS).map((band) => ({ band, q: 1 as const })),
  ].sort((a, b) => b.band.score - a.band.score);

  let best: MrzReadAttempt | null = null;
  let turnedImage: RgbImage | null = null;
  for (const { band, q } of plans.slice(0, MAX_BANDS + 1)) {
    // Bounded latency: an image that yields no MRZ after this many recognised rows will not.
    if (stats.ocrRuns >= (deps.rowBudget ?? MAX_ROWS_PER_READ)) break;
    let src = image;
    if (q === 1) {
      turnedImage ??= rotateRgb(image, 1);
      src = turnedImage;
    }
    const f = src.width / (q === 1 ? gray.height : gray.width);
    const crop = cropBand(src, widenToRows(src, band, f), f);
    const flipFirst = isUpperHalf(band, q === 1 ? gray.width : gray.height);
    for (const flip of flipFirst ? [true, false] : [false, true]) {
      if (stats.ocrRuns >= (deps.rowBudget ?? MAX_ROWS_PER_READ)) break;
      const bandImg = flip ? rotateRgb(crop, 2) : crop;
      const attempt = await readBand(bandImg, deps, stats);
      if (!attempt) continue;
      // Upright text reads with high confidence; the same band upside down does not. A confident
      // read therefore settles the direction and the flipped attempt would only cost time.
      const confident = meanConfidence(attempt.rows) >= CONFIDENT_READ;
      const assembled = attempt.assembled;
      if (!assembled) {
        if (confident) break;
        continue;
      }
      const quarterTurns = ((q + (flip ? 2 : 0)) % 4) as QuarterTurn;
      const score = deps.evaluate(assembled);
      const quad = bandQuadInInput(band, f, q, image);
      if (!best || score > best.score) {
        best = { assembled, quarterTurns, bandQuad: quad, score, rows: attempt.rows };
      }
      if (score >= 1) return best;
      // An MRZ-shaped read that is confident or has some verifying check digits is the MRZ: other
      // bands or the other direction will not do better, and each attempt costs recogniser runs.
      if (score > 0.3 || confident) {
        const again = await rereadNearMiss({ ...attempt, assembled }, deps, stats);
        if (again)
          return { assembled: again.assembled, quarterTurns, bandQuad: quad, score: 1, rows: again.rows };
        return best;
      }
    }
  }
  return best;
}

function meanConfidence(rows: readonly RecognizedLine[]): number {
  let sum = 0;
  let n = 0;
  for (const r of rows) {
    sum += r.confidence * r.text.length;
    n += r.text.length;
  }
  return n ? sum / n : 0;
}

function rankBands(gray: GrayImage): MrzBand[] {
  return findMrzBands(findTextLines(gray), gray.width, gray.height);
}

/** Clockwise quarter turn of a grey image. */
function rotateGray(g: GrayImage): GrayImage {
  const { width: w, height: h, data } = g;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[x * h + (h - 1 - y)] = data[y * w + x] ?? 0;
  return { width: h, height: w, data: out };
}

function isUpperHalf(band: MrzBand, height: number): boolean {
  const cy = band.origin[1] + band.axisY[1] * (band.height / 2) + band.axisX[1] * (band.length / 2);
  return cy < height * 0.42;
}

/**
 * Line lengths from moments run short when a line ends in faint fillers, and the band can then cut
 * the MRZ off. If a row of text reaches the band's end, extend the band on that side (once).
 */
function widenToRows(src: RgbImage, band: MrzBand, f: number): MrzBand {
  const crop = cropBand(src, band, f);
  const rows = segmentBandRows(rgbToGray(crop), BAND_CHAR_PX);
  const margin = BAND_CHAR_PX * 0.8;
  const touchesLeft = rows.some((r) => r.left < margin);
  const touchesRight = rows.some((r) => r.right > crop.width - margin);
  if (!touchesLeft && !touchesRight) return band;
  const ext = 8 * band.charHeight;
  const shift = touchesLeft ? ext : 0;
  return {
    ...band,
    origin: [band.origin[0] - band.axisX[0] * shift, band.origin[1] - band.axisX[1] * shift],
    length: band.length + shift + (touchesRight ? ext : 0),
  };
}

function cropBand(src: RgbImage, band: MrzBand, f: number): RgbImage {
  const c = BAND_CHAR_PX / band.charHeight;
  const outW = Math.max(16, Math.round(band.length * c));
  const outH = Math.max(16, Math.round(band.height * c));
  return sampleRotatedRect(
    src,
    [band.origin[0] * f, band.origin[1] * f],
    band.axisX,
    band.axisY,
    band.length * f,
    band.height * f,
    outW,
    outH,
  );
}

/** Maps the band's corners back to input-image pixels (undoing the optional quarter turn). */
function bandQuadInInput(band: MrzBand, f: number, q: 0 | 1, input: RgbImage): Point[] {
  const [ox, oy] = band.origin;
  const [ax, ay] = band.axisX;
  const [bx, by] = band.axisY;
  const corners: Point[] = [
    [ox, oy],
    [ox + ax * band.length, oy + ay * band.length],
    [ox + ax * band.length + bx * band.height, oy + ay * band.length + by * band.height],
    [ox + bx * band.height, oy + by * band.height],
  ];
  return corners.map(([x, y]) => {
    const px = x * f;
    const py = y * f;
    // Rotated clockwise: rotated (x', y') came from input (y', H − 1 − x').
    return q === 1 ? ([py, input.height - 1 - px] as Point) : ([px, py] as Point);
  });
}

interface BandRead {
  readonly assembled: AssembledMrz | null;
  readonly rows: RecognizedLine[];
  readonly band: RgbImage;
  readonly bandRows: readonly BandRow[];
}

function rowImages(band: RgbImage, rows: readonly BandRow[], tuning: MrzTuning, stretch: number): RgbImage[] {
  return rows.map((r) => {
    const h = r.bottom - r.top;
    const top = r.top - ((tuning.rowThickness - 1) / 2) * h;
    const left = r.left - h;
    const len = r.right - r.left + 2 * h;
    const thick = h * tuning.rowThickness;
    return sampleRotatedRect(
      band,
      [left, top],
      [1, 0],
      [0, 1],
      len,
      thick,
      Math.max(16, Math.round((len * REC_HEIGHT * stretch) / thick)),
      REC_HEIGHT,
    );
  });
}

async function recognizeRows(
  images: RgbImage[],
  deps: ReadMrzDeps,
  stats: ReadMrzStats,
): Promise<RecognizedLine[]> {
  const t1 = performance.now();
  const recognized = await deps.recognizer.recognize(images);
  stats.ocrMs += performance.now() - t1;
  stats.ocrRuns += images.length;
  return recognized;
}

async function readBand(band: RgbImage, deps: ReadMrzDeps, stats: ReadMrzStats): Promise<BandRead | null> {
  const t0 = performance.now();
  const tuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const bandRows = segmentBandRows(rgbToGray(band), BAND_CHAR_PX);
  deps.debug?.("band", band);
  const lineImages = rowImages(band, bandRows, tuning, tuning.rowStretch);
  stats.locateMs += performance.now() - t0;
  if (lineImages.length === 0) return null;
  for (const [i, img] of lineImages.entries()) deps.debug?.(`row${i}`, img);
  const rows = await recognizeRows(lineImages, deps, stats);
  const assembled = assembleMrz(
    rows.map((r) => r.text),
    rows.map((r) => r.alternatives),
  );
  return { assembled, rows, band, bandRows };
}

/**
 * A near miss (MRZ-shaped, some check digit failing) is read again at other horizontal scales: the
 * recogniser's errors depend on glyph width, so another scale often gets the failing line right.
 * Lines are combined from the variants and the first combination whose check digits all verify is
 * kept. Every line is still a real reading (no character is guessed), so this is not a repair.
 */
async function rereadNearMiss(
  read: BandRead & { readonly assembled: AssembledMrz },
  deps: ReadMrzDeps,
  stats: ReadMrzStats,
): Promise<{ assembled: AssembledMrz; rows: RecognizedLine[] } | null> {
  const tuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const { firstRow, lines, layout } = read.assembled;
  const variants: string[][] = read.rows.slice(firstRow, firstRow + lines.length).map((r) => [r.text]);
  // Only lines with check-digit-covered fields can fix a failing check: not the name lines.
  const checked = layout === "TD1" ? [0, 1] : [1];
  const used = checked.flatMap((li) => {
    const row = read.bandRows[firstRow + li];
    return row ? [{ li, row }] : [];
  });
  for (const stretch of RESCALE_STRETCHES) {
    const images = rowImages(
      read.band,
      used.map((u) => u.row),
      tuning,
      stretch,
    );
    const texts = await recognizeRows(images, deps, stats);
    texts.forEach((t, i) => {
      const v = variants[used[i]?.li ?? -1];
      if (v && !v.includes(t.text)) v.push(t.text);
    });
  }
  const combos = variants.reduce<string[][]>((acc, v) => acc.flatMap((c) => v.map((t) => [...c, t])), [[]]);
  for (const combo of combos.slice(1)) {
    const assembled = assembleMrz(combo);
    if (assembled && assembled.lines.length === lines.length && deps.evaluate(assembled) >= 1) {
      return { assembled, rows: read.rows };
    }
  }
  return null;
}
