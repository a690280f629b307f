/**
 * MRZ reading evaluation over shared/eval/documents. Run:
 *   npx tsx packages/engine/src/document/eval-documents.ts [--debug DIR] [--only SUBSTRING] [--synthetic N]
 *     [--stretch X] [--thickness Y]   (row-crop geometry of the first recognition pass)
 * (`--synthetic N` instead renders N random documents with random degradations and checks each read.)
 * Prints, per image, PassportEye's baseline score, our outcome and timings; then the share of images
 * whose MRZ check digits all verify (unrepaired, and with the one-substitution repair), wrong key
 * fields among valid reads where ground truth exists, and ms per image. Then the visual zone: on every
 * verified read with a visual zone (passport pages, TD2, visas; not TD1 backs), how many of the five
 * main fields were found printed and how many match the MRZ (`crossCheckFields`); the specimens are
 * consistent, so every `mismatching` is a false alarm.
 * @module
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import type { MrzGenerateFields } from "../mrz/generate-mrz.ts";
import type { MrzFields } from "../mrz/index.ts";
import { createDocumentReader, type DocumentReader } from "./create-document-reader.ts";
import { type CrossCheckedField, crossCheckFields, type FieldStatus } from "./cross-check-fields.ts";
import {
  type Degradation,
  degradeDocument,
  renderTd1Card,
  renderTd3DataPage,
} from "./fixtures/render-document.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../../..");
const evalRoot = path.resolve(repoRoot, "../shared/eval/documents");

interface Expected {
  number: string;
  date_of_birth: string;
  expiration_date: string;
  nationality: string;
  sex: string;
  names: string;
  surname: string;
  country: string;
}

const args = process.argv.slice(2);
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const debugDir = argValue("--debug");
const only = argValue("--only");
const synthetic = Number(argValue("--synthetic") ?? 0);
const stretch = argValue("--stretch");
const thickness = argValue("--thickness");

const UTOPIA_TD3: Expected = {
  number: "L898902C3",
  date_of_birth: "740812",
  expiration_date: "120415",
  nationality: "UTO",
  sex: "F",
  names: "ANNA MARIA",
  surname: "ERIKSSON",
  country: "UTO",
};

function loadExpected(): Map<string, Expected> {
  const raw = JSON.parse(
    readFileSync(path.join(evalRoot, "passporteye-tests/expected.json"), "utf8"),
  ) as Record<string, unknown>;
  const out = new Map<string, Expected>();
  for (const [k, v] of Object.entries(raw)) {
    if (k.includes(".") && typeof v === "object" && v !== null)
      out.set(`passporteye-tests/${k}`, v as Expected);
  }
  // The UTOPIA benchmark specimens carry the same person and numbers (ICAO 9303 examples).
  out.set("passporteye-testdata/100_pass-uto.jpg", UTOPIA_TD3);
  return out;
}

function wrongFields(f: MrzFields, e: Expected): string[] {
  const pairs: [string, string | undefined, string][] = [
    ["documentNumber", f.documentNumber, e.number],
    ["birthDate", f.birthDate, e.date_of_birth],
    ["expiryDate", f.expiryDate, e.expiration_date],
    ["nationality", f.nationality, e.nationality],
    ["issuingState", f.issuingState, e.country],
    ["sex", f.sex, e.sex],
    ["surname", f.surname, e.surname],
    ["givenNames", f.givenNames, e.names],
  ];
  return pairs
    .filter(([, got, want]) => (got ?? "").replace(/</g, "") !== want.replace(/</g, ""))
    .map(([n]) => n);
}

function baselineOf(file: string): string {
  const m = /^(\d+)_/.exec(path.basename(file));
  return m ? (m[1] ?? "") : "-";
}

/** Small deterministic PRNG so synthetic runs are repeatable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Renders `count` random TD3 pages and TD1 backs with random degradations and checks every verified
 * read against the generated fields (the only place with ground truth for every image).
 */
async function runSynthetic(
  reader: DocumentReader,
  count: number,
  onImage: (name: string, image: Buffer) => void,
): Promise<void> {
  const rnd = prng(9303);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const alnum = `${letters}0123456789`;
  const word = (n: number, alphabet = letters) =>
    Array.from({ length: n }, () => pick([...alphabet])).join("");
  const date = () =>
    `${String(Math.floor(rnd() * 100)).padStart(2, "0")}${String(1 + Math.floor(rnd() * 12)).padStart(2, "0")}${String(1 + Math.floor(rnd() * 28)).padStart(2, "0")}`;
  const portrait = readFileSync(path.resolve(evalRoot, "../faces/skimage/astronaut.png"));
  let verified = 0;
  let repaired = 0;
  let wrongKey = 0;
  let ms = 0;
  // Visual zone of the TD3 pages (printed fields = generated fields): found, matching, false alarms.
  const vz = { pages: 0, found: 0, matching: 0, falseMismatch: 0 };
  for (let i = 0; i < count; i++) {
    const td1 = i % 2 === 1;
    const state = pick(["FRA", "DEU", "NLD", "ITA", "ESP", "POL", "SWE", "AUT", "BEL", "CZE"]);
    const fields: MrzGenerateFields = {
      issuingState: state,
      surname: word(4 + Math.floor(rnd() * 8)),
      givenNames: `${word(3 + Math.floor(rnd() * 6))} ${word(3 + Math.floor(rnd() * 5))}`,
      documentNumber: word(9, alnum),
      nationality: state,
      birthDate: date(),
      sex: pick(["M", "F"] as const),
      expiryDate: date(),
    };
    const doc = td1
      ? (await renderTd1Card(fields, { portrait, scale: 7 + rnd() * 5 })).back
      : await renderTd3DataPage(fields, { portrait, scale: 5 + rnd() * 5 });
    const d: Degradation = {
      perspective: rnd() < 0.7 ? rnd() * 0.1 : undefined,
      rotate: pick([0, 0, 90, 180, 270] as const),
      blur: rnd() < 0.6 ? 0.4 + rnd() * 0.8 : undefined,
      jpegQuality: rnd() < 0.7 ? Math.round(55 + rnd() * 35) : undefined,
    };
    const { image } = await degradeDocument(doc.png, d);
    onImage(`synthetic-${i}`, image);
    const read = await reader.read(image);
    let status: string = read.kind;
    if (read.kind === "ok" || read.kind === "unreadable" || read.kind === "no_document")
      ms += read.timings.total;
    if (read.kind === "ok" && read.mrz) {
      verified++;
      if (read.mrzRepaired) repaired++;
      const same = read.mrz.lines.join("") === doc.mrzLines.join("");
      if (!same) wrongKey++;
      status = `${read.mrzRepaired ? "REPAIRED" : "VERIFIED"}${same ? "" : " WRONG"} rot${read.rotation}`;
      if (read.visualZone && !td1) {
        const iso = (yymmdd: string, future: boolean) => {
          const yy = Number(yymmdd.slice(0, 2));
          const century = future ? 2000 : yy > 30 ? 1900 : 2000;
          return `${century + yy}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
        };
        // Names and number from the generated fields; dates as the MRZ parse resolved their century.
        const check = crossCheckFields(
          read.visualZone.lines,
          {
            surname: fields.surname,
            givenNames: fields.givenNames ?? "",
            documentNumber: fields.documentNumber,
            birthDateIso: read.mrz.fields.birthDateIso ?? iso(fields.birthDate, false),
            expiryDateIso: read.mrz.fields.expiryDateIso ?? iso(fields.expiryDate, true),
          },
          "mrz",
        );
        vz.pages++;
        vz.found += check.found;
        vz.matching += check.matching;
        if (check.mismatch) vz.falseMismatch++;
        status += ` vz ${check.matching}/5${check.mismatch ? ` FALSE-MISMATCH ${JSON.stringify(check.fields)}` : ""}`;
      }
      if (!same) status += `  read ${read.mrz.lines.join("|")}  truth ${doc.mrzLines.join("|")}`;
    } else if (read.kind === "unreadable" && read.partial) {
      status += `  read ${read.partial.lines.join("|")}  truth ${doc.mrzLines.join("|")}`;
    }
    console.log(`synthetic ${String(i).padStart(3)} ${td1 ? "TD1" : "TD3"} ${JSON.stringify(d)} → ${status}`);
  }
  console.log(
    `synthetic: ${count} images; verified ${verified}/${count} (${repaired} repaired); verified but not the generated MRZ: ${wrongKey}; ms per image ${Math.round(ms / count)}`,
  );
  console.log(
    `synthetic visual zone (verified TD3 pages): ${vz.pages} pages; fields found ${vz.found}/${5 * vz.pages}, matching ${vz.matching}/${5 * vz.pages}; pages falsely flagged fields_mismatch: ${vz.falseMismatch}`,
  );
}

async function main(): Promise<void> {
  const files: string[] = [];
  for (const dir of ["passporteye-testdata", "passporteye-tests"]) {
    for (const f of readdirSync(path.join(evalRoot, dir)).sort()) {
      if (/\.(jpe?g|png)$/i.test(f) && (!only || f.includes(only))) files.push(`${dir}/${f}`);
    }
  }
  if (files.length === 0) throw new Error(`no images under ${evalRoot}`);
  const expected = loadExpected();
  let debugFile = "warmup";
  let debugIndex = 0;
  let rowsRecognised = 0;
  const reader = await createDocumentReader({
    repair: true,
    tuning: {
      ...(stretch ? { rowStretch: Number(stretch) } : {}),
      ...(thickness ? { rowThickness: Number(thickness) } : {}),
    },
    debug: (name, img) => {
      if (name.startsWith("row")) rowsRecognised++;
      if (!debugDir) return;
      const out = path.join(debugDir, `${debugFile}-${debugIndex++}-${name}.png`);
      void sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } })
        .png()
        .toFile(out);
    },
  });
  if (debugDir) mkdirSync(debugDir, { recursive: true });
  if (synthetic > 0) {
    await runSynthetic(reader, synthetic, (name, image) => {
      debugFile = name;
      debugIndex = 0;
      if (debugDir && (!only || name === only))
        writeFileSync(path.join(debugDir, `${name}-input.png`), image);
    });
    await reader.dispose();
    return;
  }
  // Warm-up so the first image's time is not the session start-up.
  await reader.read(readFileSync(path.join(evalRoot, files[0] ?? "")));

  const groups = new Map<string, { n: number; valid: number; validOrRepaired: number; parseValid: number }>();
  let wrong = 0;
  let withTruth = 0;
  let totalMs = 0;
  const perImage: number[] = [];
  const stageTotals = { decode: 0, quad: 0, locate: 0, ocr: 0, parse: 0, portrait: 0, visualZone: 0 };
  const vz = { images: 0, found: 0, matching: 0, mismatching: 0, withMismatch: 0, ms: [] as number[] };
  const vzFields = new Map<CrossCheckedField, Record<FieldStatus, number>>();
  for (const file of files) {
    debugFile = path.basename(file).replace(/\W+/g, "_");
    debugIndex = 0;
    rowsRecognised = 0;
    const read = await reader.read(readFileSync(path.join(evalRoot, file)));
    const group = file.split("/")[0] ?? "";
    const g = groups.get(group) ?? { n: 0, valid: 0, validOrRepaired: 0, parseValid: 0 };
    g.n++;
    let status = read.kind as string;
    let lines = "";
    let ms = 0;
    if (read.kind === "ok" || read.kind === "unreadable" || read.kind === "no_document") {
      ms = read.timings.total;
      totalMs += ms;
      perImage.push(ms);
      for (const k of Object.keys(stageTotals) as (keyof typeof stageTotals)[])
        stageTotals[k] += read.timings[k];
    }
    if (read.kind === "ok" && read.mrz) {
      if (!read.mrzRepaired) g.valid++;
      g.validOrRepaired++;
      if (read.mrz.valid) g.parseValid++;
      status = read.mrzRepaired ? "REPAIRED" : "VERIFIED";
      if (!read.mrz.valid) status += `(${read.mrz.errors.map((e) => e.code).join(",")})`;
      lines = read.mrz.lines.join(" | ");
      const truth = expected.get(file);
      if (truth) {
        withTruth++;
        const bad = wrongFields(read.mrz.fields, truth);
        if (bad.length) {
          wrong++;
          status += ` WRONG(${bad.join(",")})`;
        }
      }
    } else if (read.kind === "unreadable") {
      status = `${read.kind}:${read.reason}`;
      lines = read.partial?.lines.join(" | ") ?? "";
    }
    const rot = read.kind === "ok" ? ` rot${read.rotation}${read.quadDetected ? " quad" : ""}` : "";
    if (read.kind === "ok" && read.mrz && read.visualZone) {
      const f = read.mrz.fields;
      const check = crossCheckFields(
        read.visualZone.lines,
        {
          ...(f.surname ? { surname: f.surname } : {}),
          ...(f.givenNames ? { givenNames: f.givenNames } : {}),
          ...(f.documentNumber ? { documentNumber: f.documentNumber } : {}),
          ...(f.birthDateIso ? { birthDateIso: f.birthDateIso } : {}),
          ...(f.expiryDateIso ? { expiryDateIso: f.expiryDateIso } : {}),
        },
        "mrz",
      );
      vz.images++;
      vz.found += check.found;
      vz.matching += check.matching;
      vz.ms.push(read.timings.visualZone);
      if (check.mismatch) vz.withMismatch++;
      const marks: string[] = [];
      for (const [k, c] of Object.entries(check.fields) as [CrossCheckedField, { status: FieldStatus }][]) {
        const row = vzFields.get(k) ?? { matching: 0, mismatching: 0, unsure: 0, not_found: 0 };
        row[c.status]++;
        vzFields.set(k, row);
        if (c.status === "mismatching") vz.mismatching++;
        marks.push(
          `${k}:${c.status === "matching" ? "=" : c.status === "mismatching" ? "≠" : c.status === "unsure" ? "?" : "-"}`,
        );
      }
      status += `  [vz ${read.visualZone.lines.length} lines ${Math.round(read.timings.visualZone)} ms ${marks.join(" ")}]`;
    }
    console.log(
      `${file.padEnd(44)} base ${baselineOf(file).padStart(3)}  ${String(Math.round(ms)).padStart(5)} ms  ${rowsRecognised} rows  ${status}${rot}  ${lines}`,
    );
    if (debugDir && read.kind === "ok" && read.portrait) {
      writeFileSync(path.join(debugDir, `${debugFile}-portrait.jpg`), read.portrait.image);
    }
    groups.set(group, g);
  }
  console.log("");
  for (const [name, g] of groups) {
    const pct = (x: number) => `${((100 * x) / g.n).toFixed(1)} %`;
    console.log(
      `${name}: ${g.n} images; all check digits verify: ${g.valid}/${g.n} = ${pct(g.valid)} unrepaired, ${g.validOrRepaired}/${g.n} = ${pct(g.validOrRepaired)} with repair; parser-valid (state codes too): ${g.parseValid}/${g.n}`,
    );
  }
  console.log(`valid reads with ground truth: ${withTruth}; with a wrong key field: ${wrong}`);
  const vzSorted = [...vz.ms].sort((a, b) => a - b);
  const vzMedian = Math.round(vzSorted[Math.floor(vzSorted.length / 2)] ?? 0);
  const vzMax = Math.round(vzSorted.at(-1) ?? 0);
  console.log(
    `visual zone (verified reads with printed fields): ${vz.images} images; fields found ${vz.found}/${5 * vz.images}, matching the MRZ ${vz.matching}/${5 * vz.images}; mismatching ${vz.mismatching} (images flagged fields_mismatch: ${vz.withMismatch}); added ms median ${vzMedian}, max ${vzMax}`,
  );
  for (const [k, row] of vzFields)
    console.log(
      `  ${k.padEnd(15)} matching ${row.matching}, mismatching ${row.mismatching}, unsure ${row.unsure}, not found ${row.not_found}`,
    );
  const n = files.length;
  const per = Object.entries(stageTotals)
    .map(([k, v]) => `${k} ${Math.round(v / n)}`)
    .join(", ");
  const sorted = [...perImage].sort((a, b) => a - b);
  const pct = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  console.log(
    `ms per image: mean ${Math.round(totalMs / n)}, median ${pct(0.5)}, p90 ${pct(0.9)} (mean per stage: ${per})`,
  );
  await reader.dispose();
}

await main();
