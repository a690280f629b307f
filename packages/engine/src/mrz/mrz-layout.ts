/**
 * Where each field sits in each ICAO 9303 MRZ format, and which characters it may hold. Shared by the
 * parser (character validation), the OCR normaliser (type-driven corrections) and the generator.
 * @module
 */
import type { MrzFormat } from "./mrz-types.ts";

/** alpha = A–Z and `<`; numeric = 0–9 and `<`; alnum = both; sex = M, F, X or `<`; check = a check digit. */
export type MrzCharKind = "alpha" | "numeric" | "alnum" | "sex" | "check";

export type MrzSlotName =
  | "documentCode"
  | "issuingState"
  | "name"
  | "documentNumber"
  | "documentNumberCheck"
  | "nationality"
  | "birthDate"
  | "birthDateCheck"
  | "sex"
  | "expiryDate"
  | "expiryDateCheck"
  | "personalNumber"
  | "personalNumberCheck"
  | "optionalData1"
  | "optionalData2"
  | "compositeCheck";

export interface MrzSlot {
  name: MrzSlotName;
  line: number;
  start: number;
  end: number;
  kind: MrzCharKind;
}

export interface MrzLayout {
  format: MrzFormat;
  lineLength: number;
  lineCount: number;
  slots: readonly MrzSlot[];
  /** Line segments covered by the composite check digit, in order; empty for visas (no composite). */
  composite: readonly { line: number; start: number; end: number }[];
}

function slot(name: MrzSlotName, line: number, start: number, end: number, kind: MrzCharKind): MrzSlot {
  return { name, line, start, end, kind };
}

const HEADER_2_LINE = (length: number): MrzSlot[] => [
  slot("documentCode", 0, 0, 2, "alpha"),
  slot("issuingState", 0, 2, 5, "alpha"),
  slot("name", 0, 5, length, "alpha"),
];

// Line 2 of TD2, TD3 and both visas share positions 1–28.
const DATA_LINE_PREFIX: MrzSlot[] = [
  slot("documentNumber", 1, 0, 9, "alnum"),
  slot("documentNumberCheck", 1, 9, 10, "check"),
  slot("nationality", 1, 10, 13, "alpha"),
  slot("birthDate", 1, 13, 19, "numeric"),
  slot("birthDateCheck", 1, 19, 20, "check"),
  slot("sex", 1, 20, 21, "sex"),
  slot("expiryDate", 1, 21, 27, "numeric"),
  slot("expiryDateCheck", 1, 27, 28, "check"),
];

export const MRZ_LAYOUTS: Readonly<Record<MrzFormat, MrzLayout>> = {
  TD1: {
    format: "TD1",
    lineLength: 30,
    lineCount: 3,
    slots: [
      slot("documentCode", 0, 0, 2, "alpha"),
      slot("issuingState", 0, 2, 5, "alpha"),
      slot("documentNumber", 0, 5, 14, "alnum"),
      slot("documentNumberCheck", 0, 14, 15, "check"),
      slot("optionalData1", 0, 15, 30, "alnum"),
      slot("birthDate", 1, 0, 6, "numeric"),
      slot("birthDateCheck", 1, 6, 7, "check"),
      slot("sex", 1, 7, 8, "sex"),
      slot("expiryDate", 1, 8, 14, "numeric"),
      slot("expiryDateCheck", 1, 14, 15, "check"),
      slot("nationality", 1, 15, 18, "alpha"),
      slot("optionalData2", 1, 18, 29, "alnum"),
      slot("compositeCheck", 1, 29, 30, "check"),
      slot("name", 2, 0, 30, "alpha"),
    ],
    composite: [
      { line: 0, start: 5, end: 30 },
      { line: 1, start: 0, end: 7 },
      { line: 1, start: 8, end: 15 },
      { line: 1, start: 18, end: 29 },
    ],
  },
  TD2: {
    format: "TD2",
    lineLength: 36,
    lineCount: 2,
    slots: [
      ...HEADER_2_LINE(36),
      ...DATA_LINE_PREFIX,
      slot("optionalData1", 1, 28, 35, "alnum"),
      slot("compositeCheck", 1, 35, 36, "check"),
    ],
    composite: [
      { line: 1, start: 0, end: 10 },
      { line: 1, start: 13, end: 20 },
      { line: 1, start: 21, end: 35 },
    ],
  },
  TD3: {
    format: "TD3",
    lineLength: 44,
    lineCount: 2,
    slots: [
      ...HEADER_2_LINE(44),
      ...DATA_LINE_PREFIX,
      slot("personalNumber", 1, 28, 42, "alnum"),
      slot("personalNumberCheck", 1, 42, 43, "check"),
      slot("compositeCheck", 1, 43, 44, "check"),
    ],
    composite: [
      { line: 1, start: 0, end: 10 },
      { line: 1, start: 13, end: 20 },
      { line: 1, start: 21, end: 43 },
    ],
  },
  MRVA: {
    format: "MRVA",
    lineLength: 44,
    lineCount: 2,
    slots: [...HEADER_2_LINE(44), ...DATA_LINE_PREFIX, slot("optionalData1", 1, 28, 44, "alnum")],
    composite: [],
  },
  MRVB: {
    format: "MRVB",
    lineLength: 36,
    lineCount: 2,
    slots: [...HEADER_2_LINE(36), ...DATA_LINE_PREFIX, slot("optionalData1", 1, 28, 36, "alnum")],
    composite: [],
  },
};

/**
 * Picks the format from the line count, the line length and the document code: `V` on a 2-line MRZ
 * means a visa. Returns null when the shape matches no format exactly.
 */
export function detectMrzFormat(lines: readonly string[]): MrzFormat | null {
  const [first] = lines;
  if (first === undefined) return null;
  const visa = first.startsWith("V");
  let format: MrzFormat | null = null;
  if (lines.length === 3) format = "TD1";
  else if (lines.length === 2 && first.length === 44) format = visa ? "MRVA" : "TD3";
  else if (lines.length === 2 && first.length === 36) format = visa ? "MRVB" : "TD2";
  if (format === null) return null;
  const { lineLength } = MRZ_LAYOUTS[format];
  return lines.every((l) => l.length === lineLength) ? format : null;
}

/** Removes trailing fillers and turns inner fillers into spaces (`ANNA<MARIA<<<` → `ANNA MARIA`). */
export function cleanMrzText(s: string): string {
  return s.replace(/<+$/, "").replace(/</g, " ").trim();
}
