/**
 * PDF417 decoding evaluation over zxing-cpp's sample images (shared/eval/barcodes/pdf417-zxing-cpp)
 * and the AAMVA renders (aamva-pdf417-generated). Run from the repo root:
 *   npx tsx packages/engine/src/barcode/eval-pdf417.ts [--no-retries]
 * Prints, per folder, how many images decode to exactly their expected content (`NN.txt` compared as
 * text, `NN.bin` as bytes), which failed, and the time per image. Macro PDF417 halves
 * (pdf417-4/02-01, 02-02) can only match a part of 02.bin and are counted apart.
 * @module
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createBarcodeReader } from "./create-barcode-reader.ts";

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

await main();
