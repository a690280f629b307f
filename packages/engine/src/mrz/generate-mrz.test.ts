import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateMrz, type MrzGenerateFields } from "./generate-mrz.ts";
import type { MrzCheckName, MrzFormat } from "./mrz-types.ts";
import { parseMrz } from "./parse-mrz.ts";

const NOW = new Date("2026-06-01T00:00:00Z");

const letters = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"), minLength: min, maxLength: max });
const alnum = (min: number, max: number) =>
  fc.string({
    unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    minLength: min,
    maxLength: max,
  });
const words = (maxWords: number) =>
  fc.array(letters(1, 8), { minLength: 1, maxLength: maxWords }).map((w) => w.join(" "));
const yymmdd = fc
  .date({ min: new Date("1930-01-01T00:00:00Z"), max: new Date("2025-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(2, 10).replace(/-/g, ""));

const FORMATS: readonly MrzFormat[] = ["TD1", "TD2", "TD3", "MRVA", "MRVB"];

// Name and optional-data sizes kept within the shortest field, so nothing is truncated.
const fieldsArb: fc.Arbitrary<MrzGenerateFields> = fc.record({
  issuingState: fc.constantFrom("UTO", "D", "FRA", "USA", "GBN", "XXA"),
  surname: words(2).filter((s) => s.length <= 12),
  givenNames: words(2).filter((s) => s.length <= 12),
  documentNumber: alnum(1, 9),
  nationality: fc.constantFrom("UTO", "DEU", "XXX", "CHN", "EUE"),
  birthDate: yymmdd,
  sex: fc.constantFrom("M", "F", "X"),
  expiryDate: yymmdd,
  personalNumber: alnum(0, 14),
  optionalData1: alnum(0, 7),
  optionalData2: alnum(0, 11),
});

/** Position of each check digit per format: [line, column]. */
const DIGITS: Record<MrzFormat, Partial<Record<MrzCheckName, [number, number]>>> = {
  TD1: { documentNumber: [0, 14], birthDate: [1, 6], expiryDate: [1, 14], composite: [1, 29] },
  TD2: { documentNumber: [1, 9], birthDate: [1, 19], expiryDate: [1, 27], composite: [1, 35] },
  TD3: {
    documentNumber: [1, 9],
    birthDate: [1, 19],
    expiryDate: [1, 27],
    personalNumber: [1, 42],
    composite: [1, 43],
  },
  MRVA: { documentNumber: [1, 9], birthDate: [1, 19], expiryDate: [1, 27] },
  MRVB: { documentNumber: [1, 9], birthDate: [1, 19], expiryDate: [1, 27] },
};

describe("generateMrz", () => {
  it("reproduces the ICAO UTOPIA passport", () => {
    const lines = generateMrz(
      {
        issuingState: "UTO",
        surname: "Eriksson",
        givenNames: "Anna Maria",
        documentNumber: "L898902C3",
        nationality: "UTO",
        birthDate: "740812",
        sex: "F",
        expiryDate: "120415",
        personalNumber: "ZE184226B",
      },
      "TD3",
    );
    expect(lines).toEqual([
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
      "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ]);
  });

  it("writes long TD2 document numbers through the overflow (ICAO 9303-11 D.2)", () => {
    const lines = generateMrz(
      {
        issuingState: "UTO",
        surname: "Stevenson",
        givenNames: "Peter John",
        documentNumber: "D23145890734",
        nationality: "UTO",
        birthDate: "340712",
        sex: "M",
        expiryDate: "950712",
      },
      "TD2",
    );
    expect(lines).toEqual(["I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<", "D23145890<UTO3407127M95071227349<<<8"]);
  });

  it("round-trips through parseMrz for every format", () => {
    fc.assert(
      fc.property(fieldsArb, fc.constantFrom(...FORMATS), (f, format) => {
        const lines = generateMrz(f, format);
        const result = parseMrz(lines, { now: NOW });
        expect(result.errors).toEqual([]);
        expect(result.format).toBe(format);
        expect(result.fields).toMatchObject({
          issuingState: f.issuingState,
          nationality: f.nationality,
          surname: f.surname,
          givenNames: f.givenNames,
          documentNumber: f.documentNumber,
          birthDate: f.birthDate,
          expiryDate: f.expiryDate,
          sex: f.sex,
        });
        if (format === "TD3") expect(result.fields.personalNumber).toBe(f.personalNumber);
        else expect(result.fields.optionalData1).toBe(f.optionalData1);
        if (format === "TD1") expect(result.fields.optionalData2).toBe(f.optionalData2);
      }),
      { numRuns: 400 },
    );
  });

  it("round-trips long TD1/TD2 document numbers", () => {
    fc.assert(
      fc.property(
        fieldsArb,
        fc.constantFrom("TD1", "TD2") as fc.Arbitrary<MrzFormat>,
        alnum(10, 14),
        (f, format, n) => {
          const documentNumber = format === "TD2" ? n.slice(0, 14) : n;
          const result = parseMrz(generateMrz({ ...f, documentNumber, optionalData1: "" }, format), {
            now: NOW,
          });
          expect(result.errors).toEqual([]);
          expect(result.fields.documentNumber).toBe(documentNumber);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("fails exactly the check whose digit was changed (and the composite that covers it)", () => {
    fc.assert(
      fc.property(
        fieldsArb.filter((f) => (f.personalNumber ?? "").length > 0),
        fc.constantFrom(...FORMATS),
        fc.integer({ min: 1, max: 9 }),
        fc.nat(),
        (f, format, delta, pick) => {
          const lines = generateMrz(f, format);
          const names = Object.keys(DIGITS[format]) as MrzCheckName[];
          const name = names[pick % names.length] ?? "documentNumber";
          const [row, col] = DIGITS[format][name] ?? [0, 0];
          const line = lines[row] ?? "";
          const flipped = String((Number(line[col]) + delta) % 10);
          const broken = lines.map((l, i) => (i === row ? l.slice(0, col) + flipped + l.slice(col + 1) : l));
          const result = parseMrz(broken, { now: NOW });
          expect(result.valid).toBe(false);
          const failing = result.checks.filter((c) => !c.valid).map((c) => c.name);
          expect(failing).toContain(name);
          expect(failing.filter((n) => n !== name && n !== "composite")).toEqual([]);
          expect(result.errors.every((e) => e.code === "CHECK_DIGIT")).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});
