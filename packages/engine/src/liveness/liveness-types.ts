/** Raw 8-bit RGB pixels, 3 bytes per pixel, row-major, no padding. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Axis-aligned face box in pixel coordinates of the image it belongs to. */
export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A 2-D point `[x, y]` in pixels. */
export type Point = readonly [number, number];

/**
 * One scored signal. `score` is an attack likelihood in [0, 1] unless `unit` says it is a
 * measured value; the signal fires when `score >= threshold`.
 */
export interface SignalResult {
  readonly name: string;
  /** "measured": the score means something; "not-applicable": inputs did not allow a measurement (score 0). */
  readonly status: "measured" | "not-applicable";
  readonly score: number;
  readonly threshold: number;
  /** May this signal decide "attack" on its own? See passive-signals.ts for which do and why. */
  readonly gate: boolean;
  readonly fired: boolean;
  readonly detail: Readonly<Record<string, number | string | boolean>>;
}

/** Source of randomness; use `cryptoRandom()` in production and `seededRandom()` in tests. */
export interface RandomSource {
  /** Uniform in [0, 1). */
  float(): number;
  bytes(n: number): Uint8Array;
}
