import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { AppError } from "@verimat/core";
import sharp from "sharp";
import { prepareZXingModule, type ReaderOptions, readBarcodes } from "zxing-wasm/reader";

export interface BarcodeReadResult {
  /** Decoded text, control characters kept (zxing "Plain" text mode), as AAMVA parsing needs. */
  text: string;
  /** The raw bytes of the symbol's content. */
  bytes: Uint8Array;
  /** zxing format name, e.g. "PDF417". */
  format: string;
  /** Degrees (clockwise, as sharp rotates) by which the image was turned before it decoded; 0 = as given. */
  angle: number;
}

export interface ReadPdf417Options {
  /**
   * Content check. A rejected decode counts as no decode and the retries go on: on skewed or sheared
   * photos zxing now and then returns a short, checksum-valid misread (e.g. 7 characters instead of an
   * AAMVA payload). Pass `(r) => isAamvaPayload(r.text)` when reading driving licences.
   * @default accepts every decode
   */
  accept?: (result: BarcodeReadResult) => boolean;
}

export interface BarcodeReader {
  /**
   * Finds a PDF417 symbol in an encoded image (PNG, JPEG, WebP …); null when none can be read.
   * When several symbols decode, the accepted one with the most bytes wins.
   */
  readPdf417(image: Buffer, options?: ReadPdf417Options): Promise<BarcodeReadResult | null>;
}

export interface BarcodeReaderOptions {
  /**
   * Counter-rotations tried in order when the image does not decode as is: zxing's PDF417 reader gives
   * up beyond about 3° of skew.
   * @default [2.5, -2.5, 5, -5, …, 15, -15]
   */
  retryAngles?: readonly number[];
  /**
   * Longest side, in pixels, of the copy the retries work on (the first attempt uses the full image).
   * @default 2048
   */
  retryMaxSide?: number;
}

const DEFAULT_RETRY_ANGLES: readonly number[] = [2.5, 5, 7.5, 10, 12.5, 15].flatMap((a) => [a, -a]);

const READER_OPTIONS: ReaderOptions = {
  formats: ["PDF417"],
  tryHarder: true,
  tryRotate: true,
  tryInvert: false,
  // The default "HRI" mode spells LF/RS/CR out as <LF>…, which breaks AAMVA parsing.
  textMode: "Plain",
  // More than one, so that a spurious small symbol cannot hide the real one.
  maxNumberOfSymbols: 4,
};

interface RgbaImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

function fromRgba(image: RgbaImage): ReturnType<typeof sharp> {
  const { data, width, height } = image;
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width, height, channels: 4 },
  });
}

async function toRgba(pipeline: ReturnType<typeof sharp>): Promise<RgbaImage> {
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}

/**
 * Loads zxing-wasm from node_modules (nothing is fetched) and returns a PDF417 reader.
 * zxing-wasm keeps its compiled module in a cache of its own; every reader shares it.
 * @throws AppError("UNAVAILABLE") when the wasm binary cannot be found or instantiated.
 * @example const reader = await createBarcodeReader(); const hit = await reader.readPdf417(jpeg);
 */
export async function createBarcodeReader(options: BarcodeReaderOptions = {}): Promise<BarcodeReader> {
  const retryAngles = options.retryAngles ?? DEFAULT_RETRY_ANGLES;
  const retryMaxSide = options.retryMaxSide ?? 2048;
  try {
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve("zxing-wasm/reader/zxing_reader.wasm");
    const file = await readFile(wasmPath);
    const wasmBinary = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
    await prepareZXingModule({
      overrides: { wasmBinary },
      // Any module built from the local binary will do; re-instantiating per reader would waste ~100 ms.
      equalityFn: (cached, next) => cached.wasmBinary !== undefined && next.wasmBinary !== undefined,
      fireImmediately: true,
    });
  } catch (cause) {
    throw new AppError("UNAVAILABLE", { detail: "zxing-wasm reader failed to load", cause });
  }

  async function decode(
    image: RgbaImage,
    angle: number,
    accept: (result: BarcodeReadResult) => boolean,
  ): Promise<BarcodeReadResult | null> {
    const results = await readBarcodes(image, READER_OPTIONS);
    let best: BarcodeReadResult | null = null;
    for (const r of results) {
      if (!r.isValid || r.format !== "PDF417") continue;
      const hit: BarcodeReadResult = { text: r.text, bytes: r.bytes, format: r.format, angle };
      if (accept(hit) && (best === null || hit.bytes.length > best.bytes.length)) best = hit;
    }
    return best;
  }

  return {
    async readPdf417(input: Buffer, readOptions: ReadPdf417Options = {}): Promise<BarcodeReadResult | null> {
      const accept = readOptions.accept ?? (() => true);
      let upright: RgbaImage;
      try {
        // Applying EXIF orientation first keeps `angle` relative to what a viewer shows.
        // Transparent pixels are black underneath and zxing ignores alpha, so flatten onto white.
        upright = await toRgba(sharp(input, { failOn: "none" }).rotate().flatten({ background: "#ffffff" }));
      } catch {
        return null; // Not a decodable image: an outcome for the caller, not a fault.
      }
      const straight = await decode(upright, 0, accept);
      if (straight) return straight;
      // Each retry costs a rotation and a tryHarder decode (~0.35 s on a 12 MP photo), so retries run
      // on a copy no larger than retryMaxSide.
      const large = Math.max(upright.width, upright.height) > retryMaxSide;
      const small = large
        ? await toRgba(fromRgba(upright).resize(retryMaxSide, retryMaxSide, { fit: "inside" }))
        : upright;
      const raw = fromRgba(small);
      for (const angle of retryAngles) {
        const turned = await toRgba(
          raw.clone().rotate(angle, { background: { r: 255, g: 255, b: 255, alpha: 1 } }),
        );
        const hit = await decode(turned, angle, accept);
        if (hit) return hit;
      }
      return null;
    },
  };
}
