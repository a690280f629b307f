/**
 * `verimat read-document FILE…`: one Identomat-shaped record per file.
 * @module
 */
import { readFile } from "node:fs/promises";
import type { MrzFields, MrzFormat, MrzParseResult } from "../mrz/index.ts";
import {
  checkDigitsVerify,
  createDocumentReader,
  type DocumentReader,
  type DocumentReaderOptions,
} from "./create-document-reader.ts";
import type { DocumentRead } from "./document-read.ts";
import { type IdentomatPerson, personFromMrz } from "./person-from-mrz.ts";

/** Identomat's document type values; "" when nothing was read. */
export type IdentomatDocumentType = "passport" | "id" | "residence_license" | "visa" | "";

export interface DocumentRecord {
  file: string;
  /** The reader's outcome: ok, unreadable, no_document or image_unreadable. */
  outcome: DocumentRead["kind"];
  document_type: IdentomatDocumentType;
  mrz: {
    valid: boolean;
    format: MrzFormat | null;
    lines: string[];
    fields: MrzFields;
    repaired: boolean;
  } | null;
  person: IdentomatPerson;
}

/**
 * Residence permits by document code: ICAO leaves the second letter to the issuer; these are the codes
 * used for residence documents (EU "IR"/"AR"/"RP"; the US permanent resident card "C1"/"C2").
 */
const RESIDENCE_CODES = new Set(["IR", "AR", "RP", "CR", "C1", "C2"]);

export function documentTypeOf(mrz: Pick<MrzParseResult, "format" | "fields"> | null): IdentomatDocumentType {
  if (!mrz?.format) return "";
  if (mrz.format === "MRVA" || mrz.format === "MRVB") return "visa";
  const code = (mrz.fields.documentCode ?? "").replace(/</g, "");
  if (RESIDENCE_CODES.has(code)) return "residence_license";
  if (mrz.format === "TD3" && code.startsWith("P")) return "passport";
  if (/^[IAC]/.test(code)) return "id";
  return mrz.format === "TD3" ? "passport" : "id";
}

export function recordFromRead(file: string, read: DocumentRead, now: Date): DocumentRecord {
  const parse = read.kind === "ok" ? read.mrz : read.kind === "unreadable" ? read.partial : null;
  const repaired = read.kind === "ok" && read.mrzRepaired;
  const verified = parse !== null && checkDigitsVerify(parse);
  return {
    file,
    outcome: read.kind,
    document_type: documentTypeOf(verified ? parse : null),
    mrz: parse
      ? { valid: parse.valid, format: parse.format, lines: parse.lines, fields: parse.fields, repaired }
      : null,
    // Filled whenever the check digits verify; `mrz.valid` says whether the parser also accepts
    // every field (state codes, dates), which the caller should show next to it.
    person: verified && parse ? personFromMrz(parse.fields, now, parse.lines) : {},
  };
}

/** Reads each file with one reader instance (created here unless passed in). */
export async function readDocuments(
  files: readonly string[],
  options: DocumentReaderOptions & { reader?: DocumentReader } = {},
): Promise<DocumentRecord[]> {
  const reader = options.reader ?? (await createDocumentReader(options));
  try {
    const out: DocumentRecord[] = [];
    for (const file of files) {
      let buf: Buffer;
      try {
        buf = await readFile(file);
      } catch (err) {
        out.push(
          recordFromRead(
            file,
            { kind: "image_unreadable", detail: err instanceof Error ? err.message : String(err) },
            new Date(),
          ),
        );
        continue;
      }
      const read = await reader.read(buf);
      out.push(recordFromRead(file, read, options.now?.() ?? new Date()));
    }
    return out;
  } finally {
    if (!options.reader) await reader.dispose();
  }
}
