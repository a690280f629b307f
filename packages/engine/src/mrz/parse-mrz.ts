import { checkDigit } from "./check-digit.ts";
import {
  cleanMrzText,
  detectMrzFormat,
  MRZ_LAYOUTS,
  type MrzCharKind,
  type MrzSlotName,
} from "./mrz-layout.ts";
import { isMrzStateCode } from "./mrz-states.ts";
import type {
  MrzCheck,
  MrzCheckName,
  MrzError,
  MrzFields,
  MrzFormat,
  MrzParseOptions,
  MrzParseResult,
  MrzSex,
} from "./mrz-types.ts";

const KIND_PATTERN: Record<MrzCharKind, RegExp> = {
  alpha: /^[A-Z<]*$/,
  numeric: /^[0-9<]*$/,
  alnum: /^[A-Z0-9<]*$/,
  sex: /^[MFX<]$/,
  check: /^[0-9<]$/,
};

// A visa's or passport's expiry beyond this horizon is implausible, so the year belongs to the 1900s.
const EXPIRY_HORIZON_YEARS = 50;

/** Splits text input into lines; a single run of exactly 2×36, 2×44 or 3×30 characters is split too. */
function toLines(input: string | readonly string[]): string[] {
  const raw = typeof input === "string" ? input.split(/\r\n|\r|\n/) : [...input];
  const lines = raw.map((l) => (typeof l === "string" ? l.trim() : "")).filter((l) => l.length > 0);
  const [only] = lines;
  if (lines.length === 1 && only !== undefined) {
    const size = only.length === 90 ? 30 : only.length === 72 ? 36 : only.length === 88 ? 44 : 0;
    if (size > 0) return only.match(new RegExp(`.{${size}}`, "g")) ?? lines;
  }
  return lines;
}

function formatError(lines: readonly string[]): MrzError[] {
  const [first] = lines;
  if (first === undefined) return [{ code: "UNKNOWN_FORMAT", message: "No MRZ lines were given" }];
  if (lines.length !== 2 && lines.length !== 3) {
    return [{ code: "UNKNOWN_FORMAT", message: `An MRZ has 2 or 3 lines; found ${lines.length}` }];
  }
  let expected: number;
  if (lines.length === 3) expected = 30;
  else if (first.length === 44 || first.length === 36) expected = first.length;
  else {
    return [
      {
        code: "UNKNOWN_FORMAT",
        message: `A 2-line MRZ has lines of 36 (TD2, MRV-B) or 44 (TD3, MRV-A) characters; line 1 has ${first.length}`,
      },
    ];
  }
  return lines.flatMap((line, i): MrzError[] =>
    line.length === expected
      ? []
      : [
          {
            code: "LINE_LENGTH",
            field: `line${i + 1}`,
            message: `Line ${i + 1} has ${line.length} characters; expected ${expected}`,
          },
        ],
  );
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * Resolves YYMMDD to an ISO date. Returns undefined for dates with fillers (ICAO allows `<` for an
 * unknown day or month) and "invalid" for impossible dates.
 */
function resolveDate(yymmdd: string, kind: "birth" | "expiry", now: Date): string | undefined | "invalid" {
  if (!/^[0-9]{6}$/.test(yymmdd)) return /^[0-9<]{6}$/.test(yymmdd) ? undefined : "invalid";
  const yy = Number(yymmdd.slice(0, 2));
  const month = Number(yymmdd.slice(2, 4));
  const day = Number(yymmdd.slice(4, 6));
  if (month < 1 || month > 12 || day < 1) return "invalid";
  let year = 2000 + yy;
  if (kind === "birth") {
    const today = isoDate(now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate());
    if (isoDate(year, month, Math.min(day, 28)) > today) year -= 100;
  } else if (year > now.getUTCFullYear() + EXPIRY_HORIZON_YEARS) {
    year -= 100;
  }
  if (day > daysInMonth(year, month)) return "invalid";
  return isoDate(year, month, day);
}

interface CheckInput {
  name: MrzCheckName;
  /** Candidate data strings; the check passes if the digit matches any (first = reported expectation). */
  data: readonly string[];
  digit: string;
  /** ICAO lets an unused optional field carry `<` as its check digit. */
  fillerAllowed?: boolean;
}

function runCheck({ name, data, digit, fillerAllowed = false }: CheckInput): MrzCheck {
  const computed = data.map((d) => String(checkDigit(d)));
  if (fillerAllowed && digit === "<") {
    return { name, valid: true, expected: "<", actual: digit };
  }
  const valid = /^[0-9]$/.test(digit) && computed.includes(digit);
  return { name, valid, expected: valid ? digit : (computed[0] ?? ""), actual: digit };
}

/**
 * Parses an ICAO 9303 MRZ (TD1, TD2, TD3, MRV-A, MRV-B). Never throws: malformed input gives
 * `valid: false` and stable error codes. Input is taken as printed; run OCR text through
 * `normalizeMrzLines` first.
 * @example parseMrz(["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]).valid // true
 */
export function parseMrz(input: string | readonly string[], options: MrzParseOptions = {}): MrzParseResult {
  const lines = toLines(input);
  const format = detectMrzFormat(lines);
  if (format === null) {
    return { valid: false, format: null, lines, fields: {}, checks: [], errors: formatError(lines) };
  }
  return parseKnownFormat(lines, format, options.now ?? new Date());
}

function parseKnownFormat(lines: string[], format: MrzFormat, now: Date): MrzParseResult {
  const layout = MRZ_LAYOUTS[format];
  const errors: MrzError[] = [];
  const raw = new Map<MrzSlotName, string>();
  for (const s of layout.slots) {
    const value = lines[s.line]?.slice(s.start, s.end) ?? "";
    raw.set(s.name, value);
    if (!KIND_PATTERN[s.kind].test(value)) {
      errors.push({
        code: "INVALID_CHARACTER",
        field: s.name,
        message: `${s.name} "${value}" (line ${s.line + 1}, columns ${s.start + 1}-${s.end}) may only hold ${s.kind} characters`,
      });
    }
  }
  const get = (name: MrzSlotName): string => raw.get(name) ?? "";
  const fields: MrzFields = {};
  const checks: MrzCheck[] = [];

  const documentCode = get("documentCode");
  fields.documentCode = cleanMrzText(documentCode);
  if (!/^[A-Z]/.test(documentCode)) {
    errors.push({
      code: "INVALID_DOCUMENT_CODE",
      field: "documentCode",
      message: `The document code "${documentCode}" must start with a letter`,
    });
  }

  for (const key of ["issuingState", "nationality"] as const) {
    const code = cleanMrzText(get(key));
    fields[key] = code;
    if (!isMrzStateCode(code)) {
      errors.push({ code: "INVALID_STATE", field: key, message: `"${get(key)}" is not a known state code` });
    }
  }

  const name = get("name");
  const split = name.indexOf("<<");
  fields.surname = cleanMrzText(split < 0 ? name : name.slice(0, split));
  fields.givenNames = split < 0 ? "" : cleanMrzText(name.slice(split + 2));

  parseDocumentNumber(format, get, fields, checks);

  for (const [key, checkName, kind] of [
    ["birthDate", "birthDate", "birth"],
    ["expiryDate", "expiryDate", "expiry"],
  ] as const) {
    const value = get(key);
    fields[key] = value;
    const iso = resolveDate(value, kind, now);
    if (iso === "invalid") {
      errors.push({
        code: "INVALID_DATE",
        field: key,
        message: `${key} "${value}" is not a valid YYMMDD date`,
      });
    } else if (iso !== undefined) {
      fields[key === "birthDate" ? "birthDateIso" : "expiryDateIso"] = iso;
    }
    checks.push(runCheck({ name: checkName, data: [value], digit: get(`${key}Check`) }));
  }

  const sex = get("sex");
  if (sex === "M" || sex === "F" || sex === "X") fields.sex = sex satisfies MrzSex;
  else if (sex === "<") fields.sex = "X"; // ICAO: `<` in the MRZ means unspecified, shown as X.

  if (format === "TD3") {
    const personal = get("personalNumber");
    fields.personalNumber = cleanMrzText(personal);
    checks.push(
      runCheck({
        name: "personalNumber",
        data: [personal],
        digit: get("personalNumberCheck"),
        fillerAllowed: /^<*$/.test(personal),
      }),
    );
  } else {
    fields.optionalData1 = cleanMrzText(get("optionalData1"));
    if (format === "TD1") fields.optionalData2 = cleanMrzText(get("optionalData2"));
  }

  if (layout.composite.length > 0) {
    const data = layout.composite.map((seg) => lines[seg.line]?.slice(seg.start, seg.end) ?? "").join("");
    checks.push(runCheck({ name: "composite", data: [data], digit: get("compositeCheck") }));
  }

  for (const c of checks) {
    if (!c.valid) {
      errors.push({
        code: "CHECK_DIGIT",
        field: c.name,
        message: `The ${c.name} check digit is "${c.actual}"; the data gives "${c.expected}"`,
      });
    }
  }
  return { valid: errors.length === 0, format, lines, fields, checks, errors };
}

/**
 * Reads the document number and its check. On TD1 and TD2 a number longer than 9 characters puts
 * `<` in the check-digit slot and continues in the optional data, followed by its check digit
 * (ICAO 9303-5 §4.2.2 note j, 9303-6 §4.2.2).
 */
function parseDocumentNumber(
  format: MrzFormat,
  get: (name: MrzSlotName) => string,
  fields: MrzFields,
  checks: MrzCheck[],
): void {
  const principal = get("documentNumber");
  const digit = get("documentNumberCheck");
  const optional = get("optionalData1");
  const overflowAllowed = format === "TD1" || format === "TD2";
  const overflow = /^[A-Z0-9]+/.exec(optional)?.[0] ?? "";
  if (overflowAllowed && digit === "<" && overflow.length > 0) {
    const tail = overflow.slice(0, -1);
    fields.documentNumber = `${principal}${tail}`.replace(/</g, "");
    // Issuers differ on whether the filler in the check-digit slot is part of the checked string
    // (Belgian cards include it, ICAO's own example is indifferent), so either reading passes.
    checks.push(
      runCheck({
        name: "documentNumber",
        data: [`${principal}${tail}`, `${principal}<${tail}`],
        digit: overflow.slice(-1),
      }),
    );
    return;
  }
  fields.documentNumber = cleanMrzText(principal);
  checks.push(runCheck({ name: "documentNumber", data: [principal], digit }));
}
