/**
 * PDF417 decoding evaluation over zxing-cpp's sample images (shared/eval/barcodes/pdf417-zxing-cpp)
 * and the AAMVA renders (aamva-pdf417-generated). Run from the repo root:
 *   npx tsx packages/engine/src/barcode/eval-pdf417.ts [--no-retries] [--synthetic]
 * Prints, per folder, how many images decode to exactly their expected content (`NN.txt` compared as
 * text, `NN.bin` as bytes), which failed, and the time per image. Macro PDF417 halves
 * (pdf417-4/02-01, 02-02) can only match a part of 02.bin and are counted apart.
 * `--synthetic` adds a sweep over the Annex D payload rendered with bwip-js, rotated, sheared, blurred,
 * shrunk and JPEG-compressed inside a 1600×1200 scene (success and time per rotation angle), read with
 * `accept: isAamvaPayload` unless `--no-accept` is given; misreads (a decode with the wrong content) are
 * counted.
 * @module
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import bwipjs from "bwip-js/node";
import sharp from "sharp";
import { isAamvaPayload } from "../aamva/parse-aamva.ts";
import { type BarcodeReader, createBarcodeReader } from "./create-barcode-reader.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const barcodesDir = path.resolve(repoRoot, "../shared/eval/barcodes");
const IMAGE = /\.(png|webp|jpe?g)$/i;

interface Sample {
  folder: string;
  image: string;
  expected: { kind: "text" | "bytes"; file: string } | null;
  macroPart: boolean;
}

async function listSamples(): Promise<Sample[]> {
  const samples: Sample[] = [];
  const zxingDir = path.join(barcodesDir, "pdf417-zxing-cpp");
  for (const folder of (await readdir(zxingDir)).sort()) {
    const files = new Set(await readdir(path.join(zxingDir, folder)));
    for (const image of [...files].filter((f) => IMAGE.test(f)).sort()) {
      const stem = image.replace(IMAGE, "");
      // pdf417-4/NN-MM.webp is part MM of the symbol sequence whose content is NN.bin/NN.txt.
      const stems = [stem, stem.replace(/-\d+$/, "")];
      let expected: Sample["expected"] = null;
      for (const s of stems) {
        if (expected) break;
        if (files.has(`${s}.txt`)) expected = { kind: "text", file: path.join(zxingDir, folder, `${s}.txt`) };
        else if (files.has(`${s}.bin`))
          expected = { kind: "bytes", file: path.join(zxingDir, folder, `${s}.bin`) };
      }
      const macroPart =
        folder === "pdf417-4" && [...files].filter((f) => f.startsWith(`${stems[1]}-`)).length > 1;
      samples.push({
        folder: `pdf417-zxing-cpp/${folder}`,
        image: path.join(zxingDir, folder, image),
        expected,
        macroPart,
      });
    }
  }
  const aamvaDir = path.join(barcodesDir, "aamva-pdf417-generated");
  const textFor: Record<string, string> = {
    "aamva2020-annexD-sample.png": "aamva-2020-example/annexD-sample.txt",
    "envoy-CA.png": "envoy-ENVLicenseParser/CA.txt",
    "envoy-GASample.png": "envoy-ENVLicenseParser/GASample.txt",
    "envoy-VASample.png": "envoy-ENVLicenseParser/VASample.txt",
    "parse-usdl-data_3.png": "parse-usdl/data_3.txt",
  };
  for (const image of (await readdir(aamvaDir)).filter((f) => IMAGE.test(f)).sort()) {
    const text = textFor[image];
    samples.push({
      folder: "aamva-pdf417-generated",
      image: path.join(aamvaDir, image),
      expected: text ? { kind: "bytes", file: path.join(barcodesDir, "aamva-text", text) } : null,
      macroPart: false,
    });
  }
  return samples;
}

async function main(): Promise<void> {
  if (!existsSync(barcodesDir)) throw new Error(`Barcode eval data missing: ${barcodesDir}`);
  const noRetries = process.argv.includes("--no-retries");
  const reader = await createBarcodeReader(noRetries ? { retryAngles: [] } : {});
  const samples = await listSamples();
  const byFolder = new Map<string, { ok: number; total: number; failed: string[] }>();
  let macroOk = 0;
  let macroTotal = 0;
  let rotated = 0;
  const times: number[] = [];
  for (const s of samples) {
    const t0 = performance.now();
    const hit = await reader.readPdf417(await readFile(s.image));
    times.push(performance.now() - t0);
    if (hit && hit.angle !== 0) rotated++;
    const name = path.basename(s.image);
    if (!s.expected) {
      console.log(`  (no expected content for ${s.folder}/${name})`);
      continue;
    }
    const want = await readFile(s.expected.file);
    if (s.macroPart) {
      macroTotal++;
      if (hit && want.includes(Buffer.from(hit.bytes))) macroOk++;
      continue;
    }
    const ok =
      hit !== null &&
      (s.expected.kind === "text" ? hit.text === want.toString("utf8") : Buffer.from(hit.bytes).equals(want));
    const entry = byFolder.get(s.folder) ?? { ok: 0, total: 0, failed: [] };
    entry.total++;
    if (ok) entry.ok++;
    else entry.failed.push(hit ? `${name} (wrong content)` : name);
    byFolder.set(s.folder, entry);
  }
  let ok = 0;
  let total = 0;
  let zxOk = 0;
  let zxTotal = 0;
  for (const [folder, e] of byFolder) {
    console.log(`${folder}: ${e.ok}/${e.total}${e.failed.length ? `  failed: ${e.failed.join(", ")}` : ""}`);
    ok += e.ok;
    total += e.total;
    if (folder.startsWith("pdf417-zxing-cpp")) {
      zxOk += e.ok;
      zxTotal += e.total;
    }
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  console.log(`macro PDF417 parts matching their share of the sequence: ${macroOk}/${macroTotal}`);
  console.log(`decoded only after counter-rotation: ${rotated}`);
  console.log(`zxing-cpp samples decoded to their expected content: ${zxOk}/${zxTotal}`);
  console.log(`all single-symbol samples: ${ok}/${total}${noRetries ? " (no rotation retries)" : ""}`);
  console.log(`ms per image: median ${median.toFixed(0)}, max ${(times.at(-1) ?? 0).toFixed(0)}`);
}

const DEGRADATIONS: Record<string, (png: Buffer) => Promise<Buffer>> = {
  clean: async (png) => png,
  "blur 1.0 + JPEG q40": (png) => sharp(png).blur(1).jpeg({ quality: 40 }).toBuffer(),
  "shrunk to 60% + JPEG q50": async (png) => {
    const { width = 0 } = await sharp(png).metadata();
    return sharp(png)
      .resize(Math.round(width * 0.6))
      .jpeg({ quality: 50 })
      .toBuffer();
  },
  "shear 0.08 (perspective-like)": (png) =>
    sharp(png).affine([1, 0.08, 0.04, 1], { background: "#ffffff" }).png().toBuffer(),
};

async function syntheticSweep(reader: BarcodeReader): Promise<void> {
  const text = await readFile(
    path.join(barcodesDir, "aamva-text/aamva-2020-example/annexD-sample.txt"),
    "latin1",
  );
  const barcode = await bwipjs.toBuffer({
    bcid: "pdf417",
    text,
    binarytext: true,
    scale: 3,
    paddingwidth: 16,
    paddingheight: 16,
    backgroundcolor: "FFFFFF",
  });
  const useAccept = !process.argv.includes("--no-accept");
  const readOptions = useAccept ? { accept: (r: { text: string }) => isAamvaPayload(r.text) } : {};
  console.log(
    `synthetic sweep (Annex D payload in a 1600×1200 scene, accept ${useAccept ? "AAMVA only" : "any"}):`,
  );
  let misreads = 0;
  let decoded = 0;
  let cases = 0;
  for (const angle of [0, 3, 5, 8, -8, 12, 15, 20]) {
    let ok = 0;
    const ms: number[] = [];
    for (const degrade of Object.values(DEGRADATIONS)) {
      const turned = await sharp(barcode).rotate(angle, { background: "#ffffff" }).png().toBuffer();
      const symbol = await degrade(turned);
      const { width = 0, height = 0 } = await sharp(symbol).metadata();
      const scene = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: "#8c8070" } })
        .composite([
          { input: symbol, left: Math.max(0, 800 - (width >> 1)), top: Math.max(0, 600 - (height >> 1)) },
        ])
        .jpeg({ quality: 85 })
        .toBuffer();
      const t0 = performance.now();
      const hit = await reader.readPdf417(scene, readOptions);
      ms.push(performance.now() - t0);
      cases++;
      if (hit?.text === text) ok++;
      else if (hit) misreads++;
    }
    decoded += ok;
    const total = Object.keys(DEGRADATIONS).length;
    console.log(
      `  ${String(angle).padStart(3)}°: ${ok}/${total}  (ms ${ms.map((m) => m.toFixed(0)).join(", ")})`,
    );
  }
  console.log(`  decoded ${decoded}/${cases}, misreads ${misreads}`);
  console.log(`  conditions per angle: ${Object.keys(DEGRADATIONS).join("; ")}`);
}

await main();
if (process.argv.includes("--synthetic")) {
  await syntheticSweep(
    await createBarcodeReader(process.argv.includes("--no-retries") ? { retryAngles: [] } : {}),
  );
}
