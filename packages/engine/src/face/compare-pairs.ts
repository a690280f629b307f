/**
 * Batch 1:1 comparison for `verimat compare --pairs FILE.csv`.
 * @module
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { FaceEngine } from "./create-face-engine.ts";
import type { FaceAnalysis, FaceRejectionKind } from "./face-types.ts";

export interface PairRecord {
  path_a: string;
  path_b: string;
  /** Calibrated similarity, or null when a face could not be used in either image. */
  similarity: number | null;
  /** similarity ≥ the engine's accept threshold. */
  match: boolean;
  /** The outcome kind of the first image that failed (or "file_unreadable" when it cannot be read). */
  error?: FaceRejectionKind | "file_unreadable";
}

export interface ComparePairsOptions {
  /** Fail images that show several significant faces. @default false (use the largest face) */
  requireSingleFace?: boolean;
  minFaceSize?: number;
}

/** Minimal RFC 4180 reader: quoted fields, doubled quotes, CRLF. Rows are keyed by the header. */
export function parseCsv(text: string): { header: string[]; rows: Array<Record<string, string>> } {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const nonEmpty = records.filter((r) => r.some((f) => f.trim() !== ""));
  const header = (nonEmpty[0] ?? []).map((h) => h.trim().replace(/^\uFEFF/, ""));
  const rows = nonEmpty
    .slice(1)
    .map((r) => Object.fromEntries(header.map((h, i) => [h, (r[i] ?? "").trim()])));
  return { header, rows };
}

/**
 * Yields one record per CSV row (columns `path_a,path_b`, paths relative to the CSV). Each image is
 * analysed once even when it appears in many pairs.
 * @throws RangeError when the CSV lacks the `path_a`/`path_b` columns.
 */
export async function* comparePairs(
  engine: FaceEngine,
  csvPath: string,
  opts: ComparePairsOptions = {},
): AsyncGenerator<PairRecord> {
  const { header, rows } = parseCsv(await readFile(csvPath, "utf8"));
  if (!header.includes("path_a") || !header.includes("path_b")) {
    throw new RangeError(`${csvPath}: expected columns path_a,path_b (got ${header.join(",")})`);
  }
  const baseDir = path.dirname(path.resolve(csvPath));
  const cache = new Map<string, FaceAnalysis | "file_unreadable">();
  const analyse = async (rel: string): Promise<FaceAnalysis | "file_unreadable"> => {
    const abs = path.resolve(baseDir, rel);
    const hit = cache.get(abs);
    if (hit) return hit;
    let result: FaceAnalysis | "file_unreadable";
    try {
      const bytes = await readFile(abs);
      const analyzeOpts =
        opts.minFaceSize === undefined
          ? { requireSingleFace: opts.requireSingleFace ?? false }
          : { requireSingleFace: opts.requireSingleFace ?? false, minFaceSize: opts.minFaceSize };
      result = await engine.analyze(bytes, analyzeOpts);
    } catch {
      result = "file_unreadable";
    }
    cache.set(abs, result);
    return result;
  };
  for (const row of rows) {
    const pathA = row.path_a ?? "";
    const pathB = row.path_b ?? "";
    const a = await analyse(pathA);
    const b = await analyse(pathB);
    if (a === "file_unreadable" || a.kind !== "ok" || b === "file_unreadable" || b.kind !== "ok") {
      const failed = a === "file_unreadable" || a.kind !== "ok" ? a : b;
      const error = failed === "file_unreadable" ? failed : failed.kind === "ok" ? undefined : failed.kind;
      yield { path_a: pathA, path_b: pathB, similarity: null, match: false, ...(error ? { error } : {}) };
      continue;
    }
    const { similarity } = engine.compare(a.face.embedding, b.face.embedding);
    yield { path_a: pathA, path_b: pathB, similarity, match: similarity >= engine.thresholds.accept };
  }
}
