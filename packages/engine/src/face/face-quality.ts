/**
 * Image-quality measures on the aligned face chip.
 * @module
 */

/**
 * Sharpness and brightness of an RGB float chip (0–255). Sharpness is the variance of the 4-neighbour
 * Laplacian of the grey chip, over the central 70 % so that the background and black padding at the
 * chip's corners do not count. Because the chip has a fixed size, the value does not depend on the photo's
 * resolution, except that faces smaller than the chip are upsampled and read as softer.
 */
export function measureChip(chip: Float32Array, size: number): { sharpness: number; brightness: number } {
  const grey = new Float32Array(size * size);
  for (let i = 0; i < size * size; i++) {
    grey[i] = 0.299 * (chip[i * 3] ?? 0) + 0.587 * (chip[i * 3 + 1] ?? 0) + 0.114 * (chip[i * 3 + 2] ?? 0);
  }
  const lo = Math.round(size * 0.15);
  const hi = size - lo;
  let sum = 0;
  let sumSq = 0;
  let lum = 0;
  let n = 0;
  for (let y = lo; y < hi; y++) {
    for (let x = lo; x < hi; x++) {
      const i = y * size + x;
      const c = grey[i] ?? 0;
      const lap =
        (grey[i - 1] ?? c) + (grey[i + 1] ?? c) + (grey[i - size] ?? c) + (grey[i + size] ?? c) - 4 * c;
      sum += lap;
      sumSq += lap * lap;
      lum += c;
      n++;
    }
  }
  const m = sum / n;
  return { sharpness: sumSq / n - m * m, brightness: lum / n };
}
