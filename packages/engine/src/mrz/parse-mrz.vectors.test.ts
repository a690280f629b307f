/**
 * Runs every vector of shared/eval/mrz through parseMrz. Upstream (npm `mrz`) expectations that differ
 * from ICAO are translated here, and each translation is named:
 * - `UTO` is ICAO's specimen state; upstream reports it as invalid (null), we accept it.
 * - Upstream's French national ID, French and Swiss driving licences are national formats, not ICAO
 *   9303; we must reject them rather than misread them.
 * - Upstream autocorrects inside `parse`; here that is `normalizeMrzLines` followed by `parseMrz`.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkDigit } from "./check-digit.ts";
import type { MrzCheckName, MrzFields, MrzParseResult } from "./mrz-types.ts";
import { normalizeMrzLines } from "./normalize-mrz-lines.ts";
import { parseMrz } from "./parse-mrz.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const mrzDir = path.resolve(repoRoot, "../shared/eval/mrz");
if (!existsSync(mrzDir)) throw new Error(`MRZ test vectors missing: ${mrzDir}`);

const NOW = new Date("2026-06-01T00:00:00Z");

type Upstream = Record<string, string | null | undefined>;

interface CheminfoCase {
  source: string;
  input: string | string[];
  options: { autocorrect?: boolean } | null;
  expectError?: string;
  expected?: {
    format: string;
    valid: boolean;
    fields: Upstream;
    invalidFields: { field: string; error: string }[];
  };
}

interface CheminfoFile {
  cases: CheminfoCase[];
  checkDigitCases: { source: string; fn: string; input: string[]; expected: number | { valid: boolean } }[];
}

interface IcaoFile {
  checkDigitExamples: { input: string; checkDigit: number; source: string }[];
  documents: { name: string; format: string; lines: string[]; expected: Upstream }[];
  negativeCases: { format: string; lines: string[]; failingField: string; source: string }[];
}

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(mrzDir, name), "utf8")) as T;
}

const cheminfo = readJson<CheminfoFile>("cheminfo-mrz-vectors.json");
const icao = readJson<IcaoFile>("icao9303-specimen-vectors.json");

const FIELD_MAP: Record<string, keyof MrzFields> = {
  documentCode: "documentCode",
  issuingState: "issuingState",
  lastName: "surname",
  firstName: "givenNames",
  documentNumber: "documentNumber",
  nationality: "nationality",
  birthDate: "birthDate",
  birthDateFull: "birthDateIso",
  sex: "sex",
  expirationDate: "expiryDate",
  expirationDateFull: "expiryDateIso",
  personalNumber: "personalNumber",
  optional1: "optionalData1",
  optional: "optionalData1",
  optionalData: "optionalData1",
  optional2: "optionalData2",
};

const CHECK_MAP: Record<string, MrzCheckName> = {
  documentNumberCheckDigit: "documentNumber",
  birthDateCheckDigit: "birthDate",
  expirationDateCheckDigit: "expiryDate",
  personalNumberCheckDigit: "personalNumber",
  compositeCheckDigit: "composite",
};

const SEX_MAP: Record<string, string> = { male: "M", female: "F", nonspecified: "X" };

/** Upstream's expectations in our vocabulary; nulls (fields upstream rejected) are left out. */
function translate(
  expected: Upstream,
  utoFields: ReadonlySet<string>,
): {
  fields: MrzFields;
  digits: Partial<Record<MrzCheckName, string>>;
} {
  const fields: Record<string, string> = {};
  const digits: Partial<Record<MrzCheckName, string>> = {};
  for (const [key, raw] of Object.entries(expected)) {
    const value = raw ?? (utoFields.has(key) ? "UTO" : null);
    if (value === null) continue;
    const field = FIELD_MAP[key];
    const check = CHECK_MAP[key];
    if (field) fields[field] = key === "sex" ? (SEX_MAP[value] ?? value) : value;
    else if (check) digits[check] = value;
  }
  return { fields: fields as MrzFields, digits };
}

function expectDigits(result: MrzParseResult, digits: Partial<Record<MrzCheckName, string>>): void {
  for (const [name, digit] of Object.entries(digits)) {
    expect(result.checks.find((c) => c.name === name)?.actual, name).toBe(digit);
  }
}

function run(c: CheminfoCase): MrzParseResult {
  const lines = c.options?.autocorrect ? normalizeMrzLines(c.input).lines : c.input;
  return parseMrz(lines, { now: NOW });
}

const ICAO_FORMATS = new Set(["TD1", "TD2", "TD3"]);
const isUtoError = (f: { error: string }) => f.error === "invalid state code: UTO";

const malformed = cheminfo.cases.filter((c) => c.expectError !== undefined);
const national = cheminfo.cases.filter((c) => c.expected && !ICAO_FORMATS.has(c.expected.format));
const icaoCases = cheminfo.cases.filter((c) => c.expected && ICAO_FORMATS.has(c.expected.format));
const positive = icaoCases.filter((c) => c.expected?.invalidFields.every(isUtoError));
const negative = icaoCases.filter((c) => !c.expected?.invalidFields.every(isUtoError));

describe("cheminfo/mrz vectors", () => {
  it("covers every case", () => {
    expect(malformed.length + national.length + positive.length + negative.length).toBe(
      cheminfo.cases.length,
    );
    expect(positive.length).toBeGreaterThanOrEqual(20);
    expect(negative.length).toBe(3);
  });

  it.each(positive.map((c) => [c.source, c] as const))("positive: %s", (_name, c) => {
    const expected = c.expected;
    if (!expected) throw new Error("case without expectation");
    const result = run(c);
    const uto = new Set(expected.invalidFields.filter(isUtoError).map((f) => f.field));
    const { fields, digits } = translate(expected.fields, uto);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.format).toBe(expected.format);
    expect(result.fields).toMatchObject(fields);
    expectDigits(result, digits);
  });

  it.each(negative.map((c) => [c.source, c] as const))("negative: %s", (_name, c) => {
    const expected = c.expected;
    if (!expected) throw new Error("case without expectation");
    const result = run(c);
    const failing = expected.invalidFields.flatMap((f) => (CHECK_MAP[f.field] ? [CHECK_MAP[f.field]] : []));
    expect(failing.length).toBeGreaterThan(0);
    expect(result.valid).toBe(false);
    expect(
      result.checks
        .filter((ch) => !ch.valid)
        .map((ch) => ch.name)
        .sort(),
    ).toEqual([...failing].sort());
    expect(result.errors.every((e) => e.code === "CHECK_DIGIT")).toBe(true);
    const { fields } = translate(expected.fields, new Set());
    expect(result.fields).toMatchObject(fields);
  });

  it.each(national.map((c) => [c.source, c] as const))("non-ICAO format is rejected: %s", (_name, c) => {
    const result = run(c);
    expect(result.valid).toBe(false);
    expect(result.errors.length).toBeGreaterThan(0);
  });

  it.each(malformed.map((c) => [c.source, c] as const))("malformed: %s", (_name, c) => {
    const result = parseMrz(c.input);
    expect(result.valid).toBe(false);
    expect(result.format).toBeNull();
    expect(result.errors.map((e) => e.code)).toContain("UNKNOWN_FORMAT");
  });

  it.each(cheminfo.checkDigitCases.map((c) => [c.input.join(" / "), c] as const))(
    "check digit %s",
    (_n, c) => {
      const [data = "", digit] = c.input;
      if (c.fn === "computeCheckDigit") expect(checkDigit(data)).toBe(c.expected);
      else if (typeof c.expected === "object") {
        expect(String(checkDigit(data)) === digit).toBe(c.expected.valid);
      } else throw new Error(`unknown fn ${c.fn}`);
    },
  );
});

describe("ICAO 9303 specimen vectors", () => {
  it.each(icao.checkDigitExamples.map((c) => [c.input, c] as const))("check digit of %s", (_n, c) => {
    expect(checkDigit(c.input)).toBe(c.checkDigit);
  });

  it.each(icao.documents.map((d) => [d.name, d] as const))("%s", (_n, d) => {
    const result = parseMrz(d.lines, { now: NOW });
    const { fields, digits } = translate(d.expected, new Set());
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.format).toBe(d.format);
    expect(result.fields).toMatchObject(fields);
    expectDigits(result, digits);
    // Visas have no composite check digit.
    expect(result.checks.some((c) => c.name === "composite")).toBe(
      d.format !== "MRVA" && d.format !== "MRVB",
    );
  });

  it.each(icao.negativeCases.map((c) => [`${c.format} ${c.failingField}`, c] as const))(
    "negative %s",
    (_n, c) => {
      const named = CHECK_MAP[c.failingField.split(" ")[0] ?? ""];
      if (!named) throw new Error(`unmapped check ${c.failingField}`);
      const result = parseMrz(c.lines, { now: NOW });
      expect(result.valid).toBe(false);
      const failing = result.checks.filter((ch) => !ch.valid).map((ch) => ch.name);
      expect(failing).toContain(named);
      // The composite covers the field check digits, so a wrong field digit fails it too. Restoring the
      // named digit must make every check pass: the fault is exactly that one digit.
      expect(failing.filter((f) => f !== named && f !== "composite")).toEqual([]);
      const bad = result.checks.find((ch) => ch.name === named);
      if (!bad) throw new Error("named check missing");
      const repaired = repairDigit(c.lines, result, named, bad.expected);
      expect(parseMrz(repaired, { now: NOW }).checks.every((ch) => ch.valid)).toBe(true);
    },
  );
});

/** Puts `digit` where the named check digit is printed (test helper; layouts are fixed per format). */
function repairDigit(lines: string[], result: MrzParseResult, name: MrzCheckName, digit: string): string[] {
  const positions: Record<string, Partial<Record<MrzCheckName, [number, number]>>> = {
    TD1: { documentNumber: [0, 14], birthDate: [1, 6], expiryDate: [1, 14], composite: [1, 29] },
    TD2: { documentNumber: [1, 9], birthDate: [1, 19], expiryDate: [1, 27], composite: [1, 35] },
    TD3: {
      documentNumber: [1, 9],
      birthDate: [1, 19],
      expiryDate: [1, 27],
      personalNumber: [1, 42],
      composite: [1, 43],
    },
  };
  const at = positions[result.format ?? ""]?.[name];
  if (!at) throw new Error(`no position for ${name}`);
  const [row, col] = at;
  return lines.map((l, i) => (i === row ? l.slice(0, col) + digit + l.slice(col + 1) : l.replace(/>/g, "<")));
}
