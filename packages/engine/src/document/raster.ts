/**
 * Small raster toolkit for document reading: grey images, rectangular morphology, Otsu, connected
 * components and bilinear sampling. Plain typed arrays keep it dependency-free and fast enough on the
 * downscaled images the reader works on (≤ 1000 px).
 * @module
 */
import sharp from "sharp";

/** An 8-bit single-channel image, row-major. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** An 8-bit RGB image, row-major, interleaved. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export type Point = readonly [x: number, y: number];

export function rgbToGray(img: RgbImage): GrayImage {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const d = img.data;
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    out[i] = ((d[p] ?? 0) * 77 + (d[p + 1] ?? 0) * 150 + (d[p + 2] ?? 0) * 29) >> 8;
  }
  return { width: img.width, height: img.height, data: out };
}

/** Resizes with libvips (area-averaging when shrinking, which avoids aliasing thin strokes away). */
export async function resizeGray(img: GrayImage, width: number, height: number): Promise<GrayImage> {
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    .resize(width, height, { fit: "fill", kernel: "linear" })
    // sharp otherwise promotes a one-channel raw input to sRGB on output.
    .toColourspace("b-w")
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export async function resizeRgb(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: "fill", kernel: "linear" })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Rotates clockwise by a multiple of 90°. */
export function rotateRgb(img: RgbImage, quarterTurns: number): RgbImage {
  const q = ((quarterTurns % 4) + 4) % 4;
  if (q === 0) return img;
  const { width: w, height: h, data } = img;
  const ow = q === 2 ? w : h;
  const oh = q === 2 ? h : w;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let ox: number;
      let oy: number;
      if (q === 1) {
        ox = h - 1 - y;
        oy = x;
      } else if (q === 2) {
        ox = w - 1 - x;
        oy = h - 1 - y;
      } else {
        ox = y;
        oy = w - 1 - x;
      }
      const s = (y * w + x) * 3;
      const t = (oy * ow + ox) * 3;
      out[t] = data[s] ?? 0;
      out[t + 1] = data[s + 1] ?? 0;
      out[t + 2] = data[s + 2] ?? 0;
    }
  }
  return { width: ow, height: oh, data: out };
}

/**
 * Running min (erode) or max (dilate) over a centred window of odd length `k`, van Herk/Gil-Werman:
 * O(1) per pixel whatever the window length. Out-of-image samples are neutral. The vertical pass works
 * on whole rows at a time so that it stays cache-friendly.
 */
function filter1d(src: Uint8Array, w: number, h: number, k: number, horizontal: boolean, isMax: boolean) {
  if (k <= 1) return src.slice();
  const n = horizontal ? w : h;
  const stride = horizontal ? 1 : w;
  const lines = horizontal ? h : 1;
  const vec = horizontal ? 1 : w;
  const r = (k - 1) >> 1;
  const len = Math.ceil((n + 2 * r) / k) * k;
  const neutral = isMax ? 0 : 255;
  const buf = new Uint8Array(len * vec);
  const g = new Uint8Array(len * vec);
  const hh = new Uint8Array(len * vec);
  const out = new Uint8Array(src.length);
  for (let line = 0; line < lines; line++) {
    const base = horizontal ? line * w : 0;
    buf.fill(neutral);
    if (horizontal) buf.set(src.subarray(base, base + w), r);
    else buf.set(src, r * w);
    for (let b = 0; b < len; b += k) {
      for (let j = 0; j < vec; j++) g[b * vec + j] = buf[b * vec + j] as number;
      for (let i = b + 1; i < b + k; i++) {
        const o = i * vec;
        const p = o - vec;
        for (let j = 0; j < vec; j++) {
          const a = g[p + j] as number;
          const c = buf[o + j] as number;
          g[o + j] = isMax ? Math.max(a, c) : Math.min(a, c);
        }
      }
      const last = (b + k - 1) * vec;
      for (let j = 0; j < vec; j++) hh[last + j] = buf[last + j] as number;
      for (let i = b + k - 2; i >= b; i--) {
        const o = i * vec;
        const p = o + vec;
        for (let j = 0; j < vec; j++) {
          const a = hh[p + j] as number;
          const c = buf[o + j] as number;
          hh[o + j] = isMax ? Math.max(a, c) : Math.min(a, c);
        }
      }
    }
    // The window of original pixel i spans padded indices [i, i + k − 1].
    for (let i = 0; i < n; i++) {
      const lo = i * vec;
      const hi = (i + k - 1) * vec;
      const to = base + i * stride;
      for (let j = 0; j < vec; j++) {
        const a = hh[lo + j] as number;
        const c = g[hi + j] as number;
        out[to + j] = isMax ? Math.max(a, c) : Math.min(a, c);
      }
    }
  }
  return out;
}

export function erode(img: GrayImage, kw: number, kh: number): GrayImage {
  const a = filter1d(img.data, img.width, img.height, kw, true, false);
  const b = filter1d(a, img.width, img.height, kh, false, false);
  return { width: img.width, height: img.height, data: b };
}

export function dilate(img: GrayImage, kw: number, kh: number): GrayImage {
  const a = filter1d(img.data, img.width, img.height, kw, true, true);
  const b = filter1d(a, img.width, img.height, kh, false, true);
  return { width: img.width, height: img.height, data: b };
}

export function close(img: GrayImage, kw: number, kh: number): GrayImage {
  return erode(dilate(img, kw, kh), kw, kh);
}

export function open(img: GrayImage, kw: number, kh: number): GrayImage {
  return dilate(erode(img, kw, kh), kw, kh);
}

/** closing − image: dark details (text strokes) smaller than the kernel on a lighter background. */
export function blackTopHat(img: GrayImage, kw: number, kh: number): GrayImage {
  const c = close(img, kw, kh);
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (c.data[i] ?? 0) - (img.data[i] ?? 0);
  return { width: img.width, height: img.height, data: out };
}

export function otsuThreshold(data: Uint8Array): number {
  const hist = new Float64Array(256);
  for (let i = 0; i < data.length; i++) hist[data[i] ?? 0] = (hist[data[i] ?? 0] ?? 0) + 1;
  const total = data.length;
  let sum = 0;
  for (let i = 0; i < 256; i++) sum += i * (hist[i] ?? 0);
  let sumB = 0;
  let wB = 0;
  let best = 0;
  let bestVar = -1;
  for (let t = 0; t < 256; t++) {
    wB += hist[t] ?? 0;
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * (hist[t] ?? 0);
    const mB = sumB / wB;
    const mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > bestVar) {
      bestVar = between;
      best = t;
    }
  }
  return best;
}

export function threshold(img: GrayImage, t: number): GrayImage {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (img.data[i] ?? 0) > t ? 255 : 0;
  return { width: img.width, height: img.height, data: out };
}

/** Shape statistics of one connected component (second moments give its orientation and extent). */
export interface Component {
  readonly area: number;
  readonly cx: number;
  readonly cy: number;
  /** Principal-axis angle in radians, in (−π/2, π/2]. */
  readonly angle: number;
  /** Extent along / across the principal axis, as the side lengths of the rectangle with the same moments. */
  readonly length: number;
  readonly thickness: number;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/** 8-connected components of the non-zero pixels, with areas below `minArea` dropped. */
export function connectedComponents(mask: GrayImage, minArea: number): Component[] {
  const { width: w, height: h, data } = mask;
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  const out: Component[] = [];
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || !data[start]) continue;
    let sp = 0;
    stack[sp++] = start;
    seen[start] = 1;
    let n = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    let minX = w;
    let minY = h;
    let maxX = 0;
    let maxY = 0;
    while (sp > 0) {
      const p = stack[--sp] ?? 0;
      const x = p % w;
      const y = (p - x) / w;
      n++;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const q = yy * w + xx;
          if (!seen[q] && data[q]) {
            seen[q] = 1;
            stack[sp++] = q;
          }
        }
      }
    }
    if (n < minArea) continue;
    const cx = sx / n;
    const cy = sy / n;
    const vxx = sxx / n - cx * cx + 1 / 12;
    const vyy = syy / n - cy * cy + 1 / 12;
    const vxy = sxy / n - cx * cy;
    const tr = vxx + vyy;
    const disc = Math.sqrt(Math.max(0, ((vxx - vyy) * (vxx - vyy)) / 4 + vxy * vxy));
    const l1 = tr / 2 + disc;
    const l2 = Math.max(tr / 2 - disc, 0);
    const angle = 0.5 * Math.atan2(2 * vxy, vxx - vyy);
    out.push({
      area: n,
      cx,
      cy,
      angle,
      length: Math.sqrt(12 * l1),
      thickness: Math.sqrt(12 * l2),
      minX,
      minY,
      maxX,
      maxY,
    });
  }
  return out;
}

/**
 * Samples an oriented rectangle out of an RGB image into an upright `outW`×`outH` image (bilinear,
 * edge-clamped). `origin` is the top-left corner, `ux`/`uy` the unit vectors along the rectangle's
 * width and height, `len`/`thick` its size in source pixels.
 */
export function sampleRotatedRect(
  img: RgbImage,
  origin: Point,
  axisX: Point,
  axisY: Point,
  len: number,
  thick: number,
  outW: number,
  outH: number,
): RgbImage {
  const out = new Uint8Array(outW * outH * 3);
  const sxStep = len / outW;
  const syStep = thick / outH;
  const { width: w, height: h, data } = img;
  for (let oy = 0; oy < outH; oy++) {
    const v = (oy + 0.5) * syStep;
    for (let ox = 0; ox < outW; ox++) {
      const u = (ox + 0.5) * sxStep;
      const x = origin[0] + axisX[0] * u + axisY[0] * v - 0.5;
      const y = origin[1] + axisX[1] * u + axisY[1] * v - 0.5;
      bilinearRgb(data, w, h, x, y, out, (oy * outW + ox) * 3);
    }
  }
  return { width: outW, height: outH, data: out };
}

export function bilinearRgb(
  data: Uint8Array,
  w: number,
  h: number,
  x: number,
  y: number,
  out: Uint8Array,
  o: number,
): void {
  const xc = Math.min(Math.max(x, 0), w - 1);
  const yc = Math.min(Math.max(y, 0), h - 1);
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const fx = xc - x0;
  const fy = yc - y0;
  const a = (y0 * w + x0) * 3;
  const b = (y0 * w + x1) * 3;
  const c = (y1 * w + x0) * 3;
  const d = (y1 * w + x1) * 3;
  for (let ch = 0; ch < 3; ch++) {
    const top = (data[a + ch] ?? 0) * (1 - fx) + (data[b + ch] ?? 0) * fx;
    const bot = (data[c + ch] ?? 0) * (1 - fx) + (data[d + ch] ?? 0) * fx;
    out[o + ch] = Math.round(top * (1 - fy) + bot * fy);
  }
}
