import sharp from "sharp";
import type { FaceBox, RgbImage } from "./liveness-types.ts";

/** Decodes any sharp-readable buffer to RGB, applying the EXIF orientation. */
export async function decodeRgb(buffer: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(buffer)
    .rotate()
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

export async function encodeJpeg(image: RgbImage, quality = 90): Promise<Uint8Array> {
  const out = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
  return new Uint8Array(out);
}

export async function encodePng(image: RgbImage): Promise<Uint8Array> {
  const out = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();
  return new Uint8Array(out);
}

/** Resizes with sharp's default (Lanczos) kernel, which low-passes like a camera would. */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(width, height, { fit: "fill" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/** JPEG round trip, to give synthetic images the same block artefacts as captured ones. */
export async function jpegRoundTrip(image: RgbImage, quality = 90): Promise<RgbImage> {
  return decodeRgb(await encodeJpeg(image, quality));
}

/** Rec. 601 luma as floats in [0, 255]. */
export function toGrey(image: RgbImage): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(n);
  const d = image.data;
  for (let i = 0; i < n; i++) {
    out[i] = 0.299 * (d[3 * i] ?? 0) + 0.587 * (d[3 * i + 1] ?? 0) + 0.114 * (d[3 * i + 2] ?? 0);
  }
  return out;
}

export function scaleBox(box: FaceBox, s: number): FaceBox {
  return { x: box.x * s, y: box.y * s, width: box.width * s, height: box.height * s };
}

/** Box of the same centre grown by `factor`, clipped to the image. */
export function growBox(box: FaceBox, factor: number, width: number, height: number): FaceBox {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const w = box.width * factor;
  const h = box.height * factor;
  const x0 = Math.max(0, cx - w / 2);
  const y0 = Math.max(0, cy - h / 2);
  const x1 = Math.min(width, cx + w / 2);
  const y1 = Math.min(height, cy + h / 2);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

export function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** Logistic map used to turn a measured margin into a 0–1 likelihood. */
export function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = clamp(Math.round(q * (s.length - 1)), 0, s.length - 1);
  return s[i] ?? Number.NaN;
}
