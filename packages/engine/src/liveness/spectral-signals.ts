import { powerSpectrum2d } from "./fft.ts";
import { clamp, logistic, median } from "./image-ops.ts";
import type { FaceBox, RgbImage, SignalResult } from "./liveness-types.ts";

/** Which plane of the image the spectrum is taken from. */
export type SpectralPlane = "luma" | "chroma-red" | "chroma-blue";

export interface SpectralPeak {
  /** Peak height over its local spectral neighbourhood, in log10 units (1 = 10× the surrounding power). */
  readonly prominence: number;
  /** Spatial period of the peak in pixels. */
  readonly periodPx: number;
  /** Orientation of the wave vector in degrees, 0 = horizontal. */
  readonly angleDeg: number;
}

export interface SpectralAnalysis {
  readonly tileSize: number;
  readonly tiles: number;
  /** Strongest isolated peaks, best first, at most 4, at least 10° apart. */
  readonly peaks: readonly SpectralPeak[];
}

function planeValue(d: Uint8Array, i: number, plane: SpectralPlane): number {
  const r = d[3 * i] ?? 0;
  const g = d[3 * i + 1] ?? 0;
  const b = d[3 * i + 2] ?? 0;
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  if (plane === "luma") return y;
  return plane === "chroma-red" ? r - y : b - y;
}

/**
 * Welch-averaged power spectrum of the central face region at native resolution (resizing
 * would low-pass away exactly the periodic structure we look for), then a search for
 * isolated peaks that natural skin, a 1/f spectrum, does not have.
 */
export function analyseFaceSpectrum(
  image: RgbImage,
  face: FaceBox,
  plane: SpectralPlane = "luma",
): SpectralAnalysis | null {
  // Central part of the face only: hair, ears and background have their own textures.
  const rx0 = Math.max(0, Math.round(face.x + face.width * 0.15));
  const ry0 = Math.max(0, Math.round(face.y + face.height * 0.15));
  const rx1 = Math.min(image.width, Math.round(face.x + face.width * 0.85));
  const ry1 = Math.min(image.height, Math.round(face.y + face.height * 0.85));
  const rw = rx1 - rx0;
  const rh = ry1 - ry0;
  const side = Math.min(rw, rh);
  if (side < 40) return null;
  let n = 32;
  while (n * 2 <= Math.min(128, side / 1.25)) n *= 2;
  const hann = new Float64Array(n);
  for (let i = 0; i < n; i++) hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
  const spectra: Float64Array[] = [];
  const tile = new Float64Array(n * n);
  const stride = n / 2;
  let tiles = 0;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let x = rx0; x + n <= rx1; x += stride) xs.push(x);
  for (let y = ry0; y + n <= ry1; y += stride) ys.push(y);
  // Bound the work on very large faces: keep at most 6×6 evenly spread tiles.
  const pick = (v: number[]): number[] =>
    v.length <= 6 ? v : Array.from({ length: 6 }, (_, i) => v[Math.round((i * (v.length - 1)) / 5)] ?? 0);
  for (const ty of pick(ys)) {
    for (const tx of pick(xs)) {
      let mean = 0;
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const v = planeValue(image.data, (ty + y) * image.width + tx + x, plane);
          tile[y * n + x] = v;
          mean += v;
        }
      }
      mean /= n * n;
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          tile[y * n + x] = ((tile[y * n + x] ?? 0) - mean) * (hann[x] ?? 0) * (hann[y] ?? 0);
        }
      }
      spectra.push(powerSpectrum2d(tile, n));
      tiles++;
    }
  }
  // Median over tiles, not the mean: a print or screen pattern covers the whole face, while a
  // striped texture or a compression artefact in one tile must not make a peak.
  const logP = new Float64Array(n * n);
  const column = new Float64Array(tiles);
  for (let i = 0; i < n * n; i++) {
    for (let t = 0; t < tiles; t++) column[t] = spectra[t]?.[i] ?? 0;
    column.sort();
    const mid = tiles >> 1;
    const med = tiles % 2 ? (column[mid] ?? 0) : ((column[mid - 1] ?? 0) + (column[mid] ?? 0)) / 2;
    logP[i] = Math.log10(med + 1e-6);
  }
  const at = (kx: number, ky: number): number => logP[(((ky % n) + n) % n) * n + (((kx % n) + n) % n)] ?? 0;
  const blockStep = n / 8;
  // JPEG's 8-px blocks put energy on whole rows/columns at multiples of n/8: ignore those lines.
  const onJpegGrid = (k: number): boolean => {
    const m = ((k % blockStep) + blockStep) % blockStep;
    return n >= 128 ? m <= 1 || m >= blockStep - 1 : m === 0;
  };
  const candidates: SpectralPeak[] = [];
  // Periods of 2–8 px: coarser periodicity is indistinguishable from facial structure.
  const rLo = n / 8;
  const rHi = n / 2;
  for (let ky = 0; ky <= n / 2; ky++) {
    for (let kx = -n / 2 + 1; kx <= n / 2; kx++) {
      if (ky === 0 && kx <= 0) continue;
      const r = Math.hypot(kx, ky);
      if (r < rLo || r > rHi) continue;
      if (onJpegGrid(kx) || onJpegGrid(ky)) continue;
      const centre = at(kx, ky);
      const ring: number[] = [];
      let isMax = true;
      for (let dy = -4; dy <= 4; dy++) {
        for (let dx = -4; dx <= 4; dx++) {
          if (dx === 0 && dy === 0) continue;
          const v = at(kx + dx, ky + dy);
          if (Math.abs(dx) <= 1 && Math.abs(dy) <= 1) {
            if (v > centre) isMax = false;
          } else ring.push(v);
        }
      }
      if (!isMax) continue;
      candidates.push({
        prominence: centre - median(ring),
        periodPx: n / r,
        angleDeg: (Math.atan2(ky, kx) * 180) / Math.PI,
      });
    }
  }
  candidates.sort((a, b) => b.prominence - a.prominence);
  const peaks: SpectralPeak[] = [];
  for (const c of candidates) {
    if (peaks.length >= 4) break;
    const angleGap = (a: number, b: number): number => {
      const d = Math.abs(a - b) % 180;
      return Math.min(d, 180 - d);
    };
    if (peaks.every((p) => angleGap(p.angleDeg, c.angleDeg) >= 10 || Math.abs(p.periodPx - c.periodPx) > 1)) {
      peaks.push(c);
    }
  }
  return { tileSize: n, tiles, peaks };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/**
 * Prominence (log10) at which a luma spectral peak counts as a periodic pattern. Genuine
 * captures in shared/eval reached 1.05 at most (low-resolution MJPEG frames); synthetic print
 * and screen captures 1.1–3.4.
 */
export const MOIRE_PROMINENCE_THRESHOLD = 1.25;

/**
 * Screen moiré / pixel grid: an isolated luma spectral peak in the face region. Attack
 * likelihood is a logistic of the strongest peak's prominence around the threshold.
 */
export function screenMoireSignal(
  image: RgbImage,
  face: FaceBox,
  threshold = MOIRE_PROMINENCE_THRESHOLD,
): SignalResult {
  const a = analyseFaceSpectrum(image, face, "luma");
  if (!a) {
    return {
      name: "screen-moire",
      status: "not-applicable",
      score: 0,
      threshold: 0.5,
      gate: true,
      fired: false,
      detail: { reason: "face region under 40 px" },
    };
  }
  const top = a.peaks[0];
  const prominence = top?.prominence ?? 0;
  const score = logistic((prominence - threshold) / 0.1);
  return {
    name: "screen-moire",
    status: "measured",
    score: round3(score),
    threshold: 0.5,
    gate: true,
    fired: score >= 0.5,
    detail: {
      prominenceLog10: round3(prominence),
      prominenceThreshold: threshold,
      periodPx: round3(top?.periodPx ?? 0),
      angleDeg: round3(top?.angleDeg ?? 0),
      tileSize: a.tileSize,
      tiles: a.tiles,
    },
  };
}

/** Prominence (log10) for the chroma halftone check: genuine MJPEG frames reached 1.33 (chroma artefacts). */
export const HALFTONE_PROMINENCE_THRESHOLD = 1.45;

/**
 * Print halftone: CMYK screens are laid at different angles per ink, so a print shows
 * isolated peaks in the colour-difference planes (and usually several non-parallel ones).
 */
export function printHalftoneSignal(
  image: RgbImage,
  face: FaceBox,
  threshold = HALFTONE_PROMINENCE_THRESHOLD,
): SignalResult {
  const red = analyseFaceSpectrum(image, face, "chroma-red");
  const blue = analyseFaceSpectrum(image, face, "chroma-blue");
  if (!red || !blue) {
    return {
      name: "print-halftone",
      status: "not-applicable",
      score: 0,
      threshold: 0.5,
      gate: false,
      fired: false,
      detail: { reason: "face region under 40 px" },
    };
  }
  const best = [...red.peaks, ...blue.peaks].sort((a, b) => b.prominence - a.prominence);
  const top = best[0];
  const prominence = top?.prominence ?? 0;
  const score = logistic((prominence - threshold) / 0.1);
  return {
    name: "print-halftone",
    status: "measured",
    score: round3(score),
    threshold: 0.5,
    gate: false,
    fired: score >= 0.5,
    detail: {
      prominenceLog10: round3(prominence),
      prominenceThreshold: threshold,
      periodPx: round3(top?.periodPx ?? 0),
      angleDeg: round3(top?.angleDeg ?? 0),
      redTopLog10: round3(red.peaks[0]?.prominence ?? 0),
      blueTopLog10: round3(blue.peaks[0]?.prominence ?? 0),
    },
  };
}

/**
 * Tonal range and saturation of the face: recaptured faces (prints, screens) lose saturation;
 * prints also have a paper-white ceiling and an ink-black floor. Advisory, never gating:
 * lighting, camera and complexion move these values as much as an attack does.
 */
export function tonalRangeSignal(image: RgbImage, face: FaceBox): SignalResult {
  const x0 = Math.max(0, Math.round(face.x + face.width * 0.1));
  const y0 = Math.max(0, Math.round(face.y + face.height * 0.1));
  const x1 = Math.min(image.width, Math.round(face.x + face.width * 0.9));
  const y1 = Math.min(image.height, Math.round(face.y + face.height * 0.9));
  const hist = new Uint32Array(256);
  let satSum = 0;
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = 3 * (y * image.width + x);
      const r = image.data[i] ?? 0;
      const g = image.data[i + 1] ?? 0;
      const b = image.data[i + 2] ?? 0;
      const mx = Math.max(r, g, b);
      const mn = Math.min(r, g, b);
      hist[Math.round(0.299 * r + 0.587 * g + 0.114 * b)] =
        (hist[Math.round(0.299 * r + 0.587 * g + 0.114 * b)] ?? 0) + 1;
      satSum += mx > 0 ? (mx - mn) / mx : 0;
      count++;
    }
  }
  if (count < 100) {
    return {
      name: "tonal-range",
      status: "not-applicable",
      score: 0,
      threshold: 0.5,
      gate: false,
      fired: false,
      detail: { reason: "face region too small" },
    };
  }
  const q = (p: number): number => {
    let c = 0;
    for (let v = 0; v < 256; v++) {
      c += hist[v] ?? 0;
      if (c >= p * count) return v;
    }
    return 255;
  };
  const lo = q(0.01);
  const hi = q(0.99);
  const range = hi - lo;
  const saturation = satSum / count;
  // Saturation drives the score: both real attacks in shared/eval have the least saturated faces
  // (0.12, 0.18; genuine ≥ 0.23). Two samples are no validation, and pale light, grey-ish
  // cameras or a pale complexion lower it too, so this stays advisory. Range is reported only.
  const score = clamp(logistic((0.2 - saturation) / 0.02), 0, 1);
  return {
    name: "tonal-range",
    status: "measured",
    score: round3(score),
    threshold: 0.5,
    gate: false,
    fired: score >= 0.5,
    detail: { lumaP1: lo, lumaP99: hi, range, meanSaturation: round3(saturation) },
  };
}
