import { MRZ_LAYOUTS, type MrzCharKind } from "./mrz-layout.ts";
import type { MrzFormat } from "./mrz-types.ts";

export type MrzNormalizeChangeKind =
  | "uppercase"
  | "whitespace"
  | "filler"
  | "removed"
  | "dropped-line"
  | "padded"
  | "trimmed"
  | "corrected";

/** One edit made to the OCR text. `line`/`column` are 0-based and refer to the output lines (dropped lines: the input). */
export interface MrzNormalizeChange {
  kind: MrzNormalizeChangeKind;
  line: number;
  column?: number;
  from: string;
  to: string;
  /** The MRZ field whose type justified a character correction. */
  field?: string;
}

export interface MrzNormalizeResult {
  lines: string[];
  /** The format the lines were fitted to, or null when the shape fits none (lines are then only cleaned). */
  format: MrzFormat | null;
  changes: MrzNormalizeChange[];
}

// Only confusions OCR engines really make on OCR-B; applied only where the field type rules the original out.
const LETTER_TO_DIGIT: Readonly<Record<string, string>> = {
  O: "0",
  Q: "0",
  D: "0",
  I: "1",
  L: "1",
  Z: "2",
  S: "5",
  G: "6",
  B: "8",
};
const DIGIT_TO_LETTER: Readonly<Record<string, string>> = {
  "0": "O",
  "1": "I",
  "2": "Z",
  "5": "S",
  "6": "G",
  "8": "B",
};

// Lines shorter than this are headings or noise from the visual zone, not MRZ lines.
const MIN_LINE_LENGTH = 20;

function correctionFor(kind: MrzCharKind, ch: string): string | undefined {
  if (kind === "numeric" || kind === "check") return LETTER_TO_DIGIT[ch];
  if (kind === "alpha") return DIGIT_TO_LETTER[ch];
  return undefined;
}

function cleanLine(raw: string, line: number, changes: MrzNormalizeChange[]): string {
  let s = raw.normalize("NFD").replace(/\p{M}/gu, "");
  const upper = s.toUpperCase();
  if (upper !== s) changes.push({ kind: "uppercase", line, from: s, to: upper });
  s = upper;
  const fillers = s.replace(/[«»]/g, "<<").replace(/[‹›]/g, "<");
  if (fillers !== s) changes.push({ kind: "filler", line, from: s, to: fillers });
  s = fillers;
  const compact = s.replace(/\s+/g, "");
  if (compact !== s) changes.push({ kind: "whitespace", line, from: s, to: compact });
  s = compact;
  const kept = s.replace(/[^A-Z0-9<]/g, "");
  if (kept !== s) changes.push({ kind: "removed", line, from: s, to: kept });
  return kept;
}

function chooseFormat(lines: readonly string[]): MrzFormat | null {
  const [first] = lines;
  if (first === undefined) return null;
  if (lines.length === 3) return "TD1";
  if (lines.length !== 2) return null;
  const mean = lines.reduce((n, l) => n + l.length, 0) / lines.length;
  const long = Math.abs(mean - 44) < Math.abs(mean - 36);
  const visa = first.startsWith("V");
  if (long) return visa ? "MRVA" : "TD3";
  return visa ? "MRVB" : "TD2";
}

function fitLength(line: string, length: number, index: number, changes: MrzNormalizeChange[]): string {
  if (line.length < length) {
    const padded = line.padEnd(length, "<");
    changes.push({ kind: "padded", line: index, column: line.length, from: line, to: padded });
    return padded;
  }
  if (line.length > length) {
    const trimmed = line.slice(0, length);
    changes.push({ kind: "trimmed", line: index, column: length, from: line, to: trimmed });
    return trimmed;
  }
  return line;
}

/**
 * Cleans OCR output of an MRZ: upper case, no spaces, `«` → `<<`, no stray characters, lines
 * padded/trimmed to the nearest format's length, and letter/digit confusions fixed where the field type
 * makes them unambiguous (dates and check digits: O→0, I→1 …; names, states, document code: 0→O …).
 * Alphanumeric fields (document number, optional data) are never changed. Every edit is reported.
 * @example normalizeMrzLines("p<uto eriksson«anna ...\nL898902C36UTO740BI2...").lines
 */
export function normalizeMrzLines(raw: string | readonly string[]): MrzNormalizeResult {
  const changes: MrzNormalizeChange[] = [];
  const input = typeof raw === "string" ? raw.split(/\r\n|\r|\n/) : [...raw];
  const cleaned: string[] = [];
  input.forEach((l, i) => {
    const c = cleanLine(l, cleaned.length, changes);
    if (c.length >= MIN_LINE_LENGTH) cleaned.push(c);
    else if (c.length > 0) changes.push({ kind: "dropped-line", line: i, from: l, to: "" });
  });
  // OCR of a whole page may bring text lines above the MRZ; the MRZ is the last block.
  const maxLines = cleaned.length > 3 && cleaned.slice(-3).every((l) => Math.abs(l.length - 30) <= 3) ? 3 : 2;
  const lines = cleaned.length > 3 ? cleaned.slice(-maxLines) : cleaned;
  cleaned.slice(0, cleaned.length - lines.length).forEach((l, i) => {
    changes.push({ kind: "dropped-line", line: i, from: l, to: "" });
  });

  const format = chooseFormat(lines);
  if (format === null) return { lines, format, changes };
  const layout = MRZ_LAYOUTS[format];
  const fitted = lines.map((l, i) => fitLength(l, layout.lineLength, i, changes));
  const chars = fitted.map((l) => l.split(""));
  for (const s of layout.slots) {
    const row = chars[s.line];
    if (row === undefined) continue;
    for (let col = s.start; col < s.end; col++) {
      const ch = row[col];
      const fixed = ch === undefined ? undefined : correctionFor(s.kind, ch);
      if (ch !== undefined && fixed !== undefined) {
        row[col] = fixed;
        changes.push({ kind: "corrected", line: s.line, column: col, from: ch, to: fixed, field: s.name });
      }
    }
  }
  return { lines: chars.map((r) => r.join("")), format, changes };
}
