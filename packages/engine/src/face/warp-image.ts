/**
 * Affine resampling of an RGB image into a small square chip, in plain JS (a 150×150 chip is cheap and
 * this avoids building a tensor of a full-resolution photo).
 * @module
 */
import type { RgbImage } from "./decode-image.ts";
import type { FaceBox, Point2 } from "./face-types.ts";

/**
 * Maps chip pixel centres (u, v) to source coordinates: x = a·u + b·v + c, y = d·u + e·v + f.
 * Both in pixel units where integer + 0.5 is a pixel centre.
 */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export function applyAffine(m: Affine, p: Point2): Point2 {
  return { x: m.a * p.x + m.b * p.y + m.c, y: m.d * p.x + m.e * p.y + m.f };
}

/**
 * Samples `size`×`size` RGB floats (0–255). When the chip shrinks the source, each output pixel
 * averages an n×n grid of bilinear samples, so large faces are not aliased. Samples outside the image,
 * or outside `clip` when given, are 0 (black), like face-api's own square padding.
 */
export function warpToChip(src: RgbImage, m: Affine, size: number, clip?: FaceBox): Float32Array {
  const out = new Float32Array(size * size * 3);
  const scale = Math.sqrt(Math.abs(m.a * m.e - m.b * m.d));
  const n = Math.max(1, Math.min(8, Math.ceil(scale)));
  const x0 = clip ? Math.max(0, clip.x) : 0;
  const y0 = clip ? Math.max(0, clip.y) : 0;
  const x1 = clip ? Math.min(src.width, clip.x + clip.width) : src.width;
  const y1 = clip ? Math.min(src.height, clip.y + clip.height) : src.height;
  const { data, width } = src;
  const w = 1 / (n * n);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      let r = 0;
      let g = 0;
      let bl = 0;
      for (let sy = 0; sy < n; sy++) {
        const vv = v + (sy + 0.5) / n;
        for (let sx = 0; sx < n; sx++) {
          const uu = u + (sx + 0.5) / n;
          const x = m.a * uu + m.b * vv + m.c;
          const y = m.d * uu + m.e * vv + m.f;
          if (x < x0 || y < y0 || x >= x1 || y >= y1) continue;
          // Bilinear between pixel centres, clamped to the valid area.
          const fx = Math.min(Math.max(x - 0.5, x0), x1 - 1);
          const fy = Math.min(Math.max(y - 0.5, y0), y1 - 1);
          const ix = Math.floor(fx);
          const iy = Math.floor(fy);
          const ix1 = Math.min(ix + 1, x1 - 1);
          const iy1 = Math.min(iy + 1, y1 - 1);
          const tx = fx - ix;
          const ty = fy - iy;
          const p00 = (iy * width + ix) * 3;
          const p01 = (iy * width + ix1) * 3;
          const p10 = (iy1 * width + ix) * 3;
          const p11 = (iy1 * width + ix1) * 3;
          const w00 = (1 - tx) * (1 - ty);
          const w01 = tx * (1 - ty);
          const w10 = (1 - tx) * ty;
          const w11 = tx * ty;
          r +=
            (data[p00] ?? 0) * w00 + (data[p01] ?? 0) * w01 + (data[p10] ?? 0) * w10 + (data[p11] ?? 0) * w11;
          g +=
            (data[p00 + 1] ?? 0) * w00 +
            (data[p01 + 1] ?? 0) * w01 +
            (data[p10 + 1] ?? 0) * w10 +
            (data[p11 + 1] ?? 0) * w11;
          bl +=
            (data[p00 + 2] ?? 0) * w00 +
            (data[p01 + 2] ?? 0) * w01 +
            (data[p10 + 2] ?? 0) * w10 +
            (data[p11 + 2] ?? 0) * w11;
        }
      }
      const o = (v * size + u) * 3;
      out[o] = r * w;
      out[o + 1] = g * w;
      out[o + 2] = bl * w;
    }
  }
  return out;
}

/** Left–right mirror of a square RGB chip. */
export function mirrorChip(chip: Float32Array, size: number): Float32Array {
  const out = new Float32Array(chip.length);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const s = (v * size + u) * 3;
      const d = (v * size + (size - 1 - u)) * 3;
      out[d] = chip[s] ?? 0;
      out[d + 1] = chip[s + 1] ?? 0;
      out[d + 2] = chip[s + 2] ?? 0;
    }
  }
  return out;
}
