import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import bwipjs from "bwip-js/node";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { isAamvaPayload, parseAamva } from "../aamva/parse-aamva.ts";
import { type BarcodeReader, createBarcodeReader } from "./create-barcode-reader.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const barcodesDir = path.resolve(repoRoot, "../shared/eval/barcodes");
if (!existsSync(barcodesDir)) throw new Error(`Barcode test data missing: ${barcodesDir}`);

// Each render in aamva-pdf417-generated encodes this aamva-text file byte for byte (SOURCES.md).
const RENDERS: readonly [string, string, string][] = [
  ["aamva2020-annexD-sample.png", "aamva-2020-example/annexD-sample.txt", "SAMPLE"],
  ["envoy-CA.png", "envoy-ENVLicenseParser/CA.txt", "LAST"],
  ["envoy-GASample.png", "envoy-ENVLicenseParser/GASample.txt", "SAMPLE"],
  ["envoy-VASample.png", "envoy-ENVLicenseParser/VASample.txt", "SAMPLE"],
  ["parse-usdl-data_3.png", "parse-usdl/data_3.txt", "SMITH"],
];

let reader: BarcodeReader;
beforeAll(async () => {
  reader = await createBarcodeReader();
});

describe("createBarcodeReader().readPdf417", () => {
  it.each(RENDERS)("decodes %s byte for byte and parses it as AAMVA", async (png, textFile, lastName) => {
    const [image, want] = await Promise.all([
      readFile(path.join(barcodesDir, "aamva-pdf417-generated", png)),
      readFile(path.join(barcodesDir, "aamva-text", textFile)),
    ]);
    const hit = await reader.readPdf417(image);
    expect(hit).not.toBeNull();
    if (!hit) return;
    expect(hit.format).toBe("PDF417");
    expect(hit.angle).toBe(0);
    expect(Buffer.from(hit.bytes).equals(want)).toBe(true);
    // Plain text mode keeps the control characters that AAMVA needs.
    expect(hit.text).toBe(want.toString("latin1"));
    const parsed = parseAamva(hit.text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.fields.lastName).toBe(lastName);
  });

  it("decodes a barcode rotated by 8° and JPEG-compressed, by counter-rotating", async () => {
    const text = await readFile(
      path.join(barcodesDir, "aamva-text/aamva-2020-example/annexD-sample.txt"),
      "latin1",
    );
    const png = await bwipjs.toBuffer({
      bcid: "pdf417",
      text,
      binarytext: true,
      scale: 2,
      paddingwidth: 20,
      paddingheight: 20,
      backgroundcolor: "FFFFFF",
    });
    const photo = await sharp(png)
      .rotate(8, { background: "#ffffff" })
      .blur(0.6)
      .jpeg({ quality: 55 })
      .toBuffer();
    const hit = await reader.readPdf417(photo);
    expect(hit).not.toBeNull();
    expect(hit?.text).toBe(text);
    // The symbol is turned +8°, so the retry that decodes it turns it back by about -8°.
    expect(hit?.angle).toBeLessThan(-5);
    expect(hit?.angle).toBeGreaterThanOrEqual(-10);
    expect(parseAamva(hit?.text ?? "").fields.documentNumber).toBe("T64235789");
  });

  it("does not decode the rotated barcode without retries (the retries are what makes it work)", async () => {
    const bare = await createBarcodeReader({ retryAngles: [] });
    const png = await bwipjs.toBuffer({
      bcid: "pdf417",
      text: "VERIMAT ROTATION CHECK 0123456789",
      scale: 2,
    });
    const photo = await sharp(png)
      .flatten({ background: "#ffffff" })
      .rotate(8, { background: "#ffffff" })
      .jpeg({ quality: 70 })
      .toBuffer();
    expect(await bare.readPdf417(photo)).toBeNull();
    expect((await reader.readPdf417(photo))?.text).toBe("VERIMAT ROTATION CHECK 0123456789");
    // Retries on a downscaled copy (the photo is wider than 300 px) still decode.
    const downscaling = await createBarcodeReader({ retryMaxSide: 300 });
    const hit = await downscaling.readPdf417(photo);
    expect(hit?.text).toBe("VERIMAT ROTATION CHECK 0123456789");
    expect(hit?.angle).not.toBe(0);
  });

  it("keeps retrying past decodes that the content check rejects", async () => {
    const text = await readFile(
      path.join(barcodesDir, "aamva-text/aamva-2020-example/annexD-sample.txt"),
      "latin1",
    );
    const aamva = await bwipjs.toBuffer({
      bcid: "pdf417",
      text,
      binarytext: true,
      scale: 2,
      backgroundcolor: "FFFFFF",
    });
    const other = await bwipjs.toBuffer({
      bcid: "pdf417",
      text: "NOT A LICENCE",
      scale: 2,
      backgroundcolor: "FFFFFF",
    });
    // A straight, readable non-AAMVA symbol above a licence barcode skewed by 5° (unreadable straight on),
    // like the misreads zxing sometimes returns on sheared photos.
    const skewed = await sharp(aamva).rotate(5, { background: "#ffffff" }).png().toBuffer();
    const scene = await sharp({ create: { width: 900, height: 700, channels: 3, background: "#ffffff" } })
      .composite([
        { input: other, left: 40, top: 30 },
        { input: skewed, left: 40, top: 220 },
      ])
      .jpeg({ quality: 85 })
      .toBuffer();
    expect((await reader.readPdf417(scene))?.text).toBe("NOT A LICENCE");
    const hit = await reader.readPdf417(scene, { accept: (r) => isAamvaPayload(r.text) });
    expect(hit?.text).toBe(text);
    expect(hit?.angle).not.toBe(0);
    expect(await reader.readPdf417(scene, { accept: () => false })).toBeNull();
  });

  it("returns null for an image without a barcode and for bytes that are no image", async () => {
    const blank = await sharp({ create: { width: 200, height: 80, channels: 3, background: "#ffffff" } })
      .png()
      .toBuffer();
    expect(await reader.readPdf417(blank)).toBeNull();
    expect(await reader.readPdf417(Buffer.from("not an image"))).toBeNull();
  });
});
