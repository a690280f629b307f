/**
 * Result types of the document reader. Outcomes are a discriminated union: "no document", "unreadable"
 * and "image unreadable" are answers, not exceptions.
 * @module
 */
import type { MrzParseResult } from "../mrz/index.ts";
import type { Point } from "./raster.ts";
import type { VisualZoneRead } from "./read-visual-zone.ts";

export interface PixelBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface DocumentQuality {
  /**
   * Variance of the Laplacian on a 500 px wide grey copy of the flattened document. Relative, not
   * calibrated: on rendered pages the MRZ still read at ~350 (Gaussian blur σ 1.5 px) and failed
   * below ~100 (σ 2.5 px); low-resolution JPEGs score high because of compression noise.
   */
  readonly sharpness: number;
  /** Share of pixels saturated well above the page's median tone (0–1); a white page scores ~0. */
  readonly glare: number;
  /** Mean luminance of the document (0–1). */
  readonly brightness: number;
}

/** Milliseconds per stage; `total` is wall time for the whole read. */
export interface DocumentTimings {
  decode: number;
  quad: number;
  locate: number;
  ocr: number;
  parse: number;
  portrait: number;
  /** Visual-zone text detection + recognition (0 when not run). */
  visualZone: number;
  total: number;
}

export interface DocumentReadHints {
  /** "front" of a TD1 card has no MRZ; "back" and "passport" must have one. */
  readonly side?: "front" | "back" | "passport";
  /** Identomat document type; "passport" without a side means an MRZ is expected. */
  readonly documentType?: string;
}

export interface DocumentReadOk {
  readonly kind: "ok";
  /**
   * A parse whose check digits all verify, or null for a side without an MRZ (card front). `mrz.valid`
   * can still be false when the parser reports a semantic error such as an unknown state code.
   */
  readonly mrz: MrzParseResult | null;
  /** True when `mrz` only became valid through a single OCR-confusion substitution. */
  readonly mrzRepaired: boolean;
  /** Document corners in the decoded (EXIF-upright) image: TL, TR, BR, BL; the whole image when none was found. */
  readonly quad: readonly Point[];
  /** Whether `quad` was detected (false: the whole image was used). */
  readonly quadDetected: boolean;
  /** Clockwise degrees the reader turned the (flattened) document to make it upright. */
  readonly rotation: 0 | 90 | 180 | 270;
  /** The portrait area (JPEG) and its box in the upright, flattened document image. */
  readonly portrait: { readonly image: Buffer; readonly box: PixelBox } | null;
  /**
   * The printed text lines of a passport page (above the MRZ) or a card front, for the cross-check
   * against the MRZ (`crossCheckFields`); null on a TD1 back or when the reader was built without it.
   */
  readonly visualZone: VisualZoneRead | null;
  readonly quality: DocumentQuality;
  readonly timings: DocumentTimings;
}

export interface DocumentReadUnreadable {
  readonly kind: "unreadable";
  /** Why: no MRZ band found, or an MRZ was found but its check digits do not verify. */
  readonly reason: "mrz_not_found" | "mrz_invalid";
  /** The best (invalid) parse when an MRZ-shaped text was read. */
  readonly partial: MrzParseResult | null;
  readonly quad: readonly Point[];
  readonly rotation: 0 | 90 | 180 | 270;
  readonly quality: DocumentQuality;
  readonly timings: DocumentTimings;
}

export interface DocumentReadNoDocument {
  readonly kind: "no_document";
  readonly quality: DocumentQuality;
  readonly timings: DocumentTimings;
}

export interface DocumentReadImageUnreadable {
  readonly kind: "image_unreadable";
  /** The decoder's message (not user-facing). */
  readonly detail: string;
}

export type DocumentRead =
  | DocumentReadOk
  | DocumentReadUnreadable
  | DocumentReadNoDocument
  | DocumentReadImageUnreadable;
