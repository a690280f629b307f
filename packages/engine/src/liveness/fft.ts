/** In-place iterative radix-2 FFT over separate real/imaginary arrays; `n` must be a power of two. */
export function fft1d(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] ?? 0;
      re[i] = re[j] ?? 0;
      re[j] = tr;
      const ti = im[i] ?? 0;
      im[i] = im[j] ?? 0;
      im[j] = ti;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const br = re[b] ?? 0;
        const bi = im[b] ?? 0;
        const xr = br * cr - bi * ci;
        const xi = br * ci + bi * cr;
        re[b] = (re[a] ?? 0) - xr;
        im[b] = (im[a] ?? 0) - xi;
        re[a] = (re[a] ?? 0) + xr;
        im[a] = (im[a] ?? 0) + xi;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/**
 * Power spectrum |F|² of an n×n real tile (row-major), n a power of two. The result is
 * indexed [ky * n + kx] with DC at 0 (not shifted).
 */
export function powerSpectrum2d(tile: Float64Array, n: number): Float64Array {
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  re.set(tile);
  const rowRe = new Float64Array(n);
  const rowIm = new Float64Array(n);
  for (let pass = 0; pass < 2; pass++) {
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const idx = pass === 0 ? a * n + b : b * n + a;
        rowRe[b] = re[idx] ?? 0;
        rowIm[b] = im[idx] ?? 0;
      }
      fft1d(rowRe, rowIm);
      for (let b = 0; b < n; b++) {
        const idx = pass === 0 ? a * n + b : b * n + a;
        re[idx] = rowRe[b] ?? 0;
        im[idx] = rowIm[b] ?? 0;
      }
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) out[i] = (re[i] ?? 0) ** 2 + (im[i] ?? 0) ** 2;
  return out;
}
