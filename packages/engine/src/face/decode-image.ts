/**
 * Decodes uploads to packed RGB with sharp: EXIF orientation applied, alpha flattened, very large photos
 * bounded, plus a small copy for the detector.
 * @module
 */
import sharp from "sharp";
import type { ImageInput, RawImage } from "./face-types.ts";

type SharpPipeline = ReturnType<typeof sharp>;

/** Packed 8-bit RGB, row-major. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface DecodedImage {
  /** The image the descriptor crops from (at most `maxSide` pixels on its long side). */
  full: RgbImage;
  /** The detector's input (at most `detectSide` pixels on its long side). */
  det: RgbImage;
  /** Full-image pixels per detector pixel. */
  scale: number;
  /** Input pixels (after EXIF rotation) per full-image pixel; > 1 only for photos above `maxSide`. */
  sourceScale: number;
}

export type DecodeResult = { ok: true; image: DecodedImage } | { ok: false; reason: string };

/** Grey behind transparent pixels: neutral for the detector and the descriptor. */
const FLATTEN_BACKGROUND = { r: 128, g: 128, b: 128 };

function isRawImage(input: ImageInput): input is RawImage {
  return !(input instanceof Uint8Array);
}

function sharpFromInput(input: ImageInput): SharpPipeline {
  if (isRawImage(input)) {
    return sharp(input.data, { raw: { width: input.width, height: input.height, channels: input.channels } });
  }
  // `failOn: "error"` tolerates truncated-but-usable JPEGs (phones produce them) yet rejects garbage.
  return sharp(input, { failOn: "error" }).rotate();
}

async function toRgb(pipeline: SharpPipeline): Promise<RgbImage> {
  const { data, info } = await pipeline
    .flatten({ background: FLATTEN_BACKGROUND })
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels === 3) {
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  }
  // Grey input can survive `toColourspace`; expand it rather than fail.
  const pixels = info.width * info.height;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const v = data[i * info.channels] ?? 0;
    rgb[i * 3] = v;
    rgb[i * 3 + 1] = v;
    rgb[i * 3 + 2] = v;
  }
  return { data: rgb, width: info.width, height: info.height };
}

/**
 * Decodes once, then derives the detector copy from the decoded pixels. Returns `ok: false` for
 * anything sharp cannot read; never throws for bad input.
 */
export async function decodeImage(
  input: ImageInput,
  limits: { maxSide: number; detectSide: number },
): Promise<DecodeResult> {
  let full: RgbImage;
  let sourceWidth: number;
  try {
    if (isRawImage(input)) {
      const expected = input.width * input.height * input.channels;
      if (input.width < 1 || input.height < 1 || input.data.length < expected) {
        return { ok: false, reason: "raw image dimensions do not match its data" };
      }
      sourceWidth = input.width;
    } else {
      const meta = await sharp(input).metadata();
      // Orientations 5–8 swap width and height.
      sourceWidth = (meta.orientation ?? 1) >= 5 ? (meta.height ?? 0) : (meta.width ?? 0);
    }
    full = await toRgb(
      sharpFromInput(input).resize(limits.maxSide, limits.maxSide, {
        fit: "inside",
        withoutEnlargement: true,
      }),
    );
  } catch (cause) {
    return { ok: false, reason: cause instanceof Error ? cause.message : String(cause) };
  }
  const sourceScale = sourceWidth > full.width ? sourceWidth / full.width : 1;
  const longSide = Math.max(full.width, full.height);
  if (longSide <= limits.detectSide) return { ok: true, image: { full, det: full, scale: 1, sourceScale } };
  const det = await toRgb(
    sharp(full.data, { raw: { width: full.width, height: full.height, channels: 3 } }).resize(
      limits.detectSide,
      limits.detectSide,
      { fit: "inside" },
    ),
  );
  return { ok: true, image: { full, det, scale: full.width / det.width, sourceScale } };
}
