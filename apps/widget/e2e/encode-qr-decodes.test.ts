/** The widget's QR encoder checked by a real reader (zxing-wasm, from node_modules) across versions. */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";
import { encodeQr } from "../src/qr/encode-qr.ts";

beforeAll(async () => {
  const require = createRequire(import.meta.url);
  const file = await readFile(require.resolve("zxing-wasm/reader/zxing_reader.wasm"));
  const wasmBinary = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
  await prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true });
});

async function decode(modules: boolean[][]): Promise<string | undefined> {
  const scale = 4;
  const n = modules.length + 8;
  const px = Buffer.alloc(n * scale * n * scale, 255);
  modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) px[((y + 4) * scale + dy) * n * scale + (x + 4) * scale + dx] = 0;
      }
    });
  });
  const png = await sharp(px, { raw: { width: n * scale, height: n * scale, channels: 1 } })
    .png()
    .toBuffer();
  const results = await readBarcodes(new Uint8Array(png), { formats: ["QRCode"], tryHarder: true });
  return results[0]?.text;
}

describe("encodeQr", () => {
  it.each([
    ["short", "https://v.example/?t=1"],
    [
      "version 7+ (version information)",
      `https://verify.example.com/?session_token=${"a1".repeat(40)}&x=${"y".repeat(60)}`,
    ],
    ["version 10+ (16-bit count), non-ASCII", `https://пример.example/${"ü".repeat(120)}`],
  ])("is read back by zxing: %s", async (_name, text) => {
    const modules = encodeQr(text);
    expect(await decode(modules)).toBe(text);
  });

  it("grows with the text and refuses what no version up to 20 holds", () => {
    expect(encodeQr("x")).toHaveLength(21);
    expect(encodeQr("x".repeat(100)).length).toBeGreaterThan(21);
    expect(() => encodeQr("x".repeat(1000))).toThrow(RangeError);
  });
});
