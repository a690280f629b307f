import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateMrz } from "./generate-mrz.ts";
import { parseMrz } from "./parse-mrz.ts";

const NOW = new Date("2026-06-01T00:00:00Z");
const UTOPIA_TD3 = [
  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
  "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

// Printable ASCII without spaces, so that trimming cannot change the line shape.
const visibleAscii = fc.integer({ min: 33, max: 126 }).map((c) => String.fromCharCode(c));

const base = {
  issuingState: "UTO",
  surname: "ERIKSSON",
  givenNames: "ANNA MARIA",
  documentNumber: "L898902C3",
  nationality: "UTO",
  birthDate: "740812",
  sex: "F",
  expiryDate: "300415",
} as const;

describe("parseMrz", () => {
  it("accepts a single string with newlines and surrounding whitespace", () => {
    const result = parseMrz(`  ${UTOPIA_TD3[0]}\r\n${UTOPIA_TD3[1]}\n`);
    expect(result.valid).toBe(true);
    expect(result.lines).toEqual(UTOPIA_TD3);
  });

  it("splits a run of 88 characters into two TD3 lines", () => {
    expect(parseMrz(UTOPIA_TD3.join("")).format).toBe("TD3");
  });

  it("reports wrong line counts and lengths without throwing", () => {
    expect(parseMrz([]).errors[0]?.code).toBe("UNKNOWN_FORMAT");
    expect(parseMrz("one line only").errors[0]?.code).toBe("UNKNOWN_FORMAT");
    const short = parseMrz([UTOPIA_TD3[0] ?? "", (UTOPIA_TD3[1] ?? "").slice(0, 40)]);
    expect(short.format).toBeNull();
    expect(short.errors).toEqual([expect.objectContaining({ code: "LINE_LENGTH", field: "line2" })]);
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.array(fc.string({ unit: "grapheme-ascii" }), { maxLength: 4 })),
        (input) => {
          const result = parseMrz(input);
          expect(typeof result.valid).toBe("boolean");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never throws on lines of the right shape with arbitrary characters", () => {
    const shapes = [
      [30, 30, 30],
      [36, 36],
      [44, 44],
    ] as const;
    fc.assert(
      fc.property(
        fc
          .constantFrom(...shapes)
          .chain((shape) =>
            fc.tuple(...shape.map((n) => fc.string({ unit: visibleAscii, minLength: n, maxLength: n }))),
          ),
        (lines) => {
          const result = parseMrz(lines);
          expect(result.format).not.toBeNull();
          if (!result.valid) expect(result.errors.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects unknown states and accepts ICAO special codes", () => {
    const bad = parseMrz(generateMrz({ ...base, issuingState: "ZZZ" }, "TD3"), { now: NOW });
    expect(bad.valid).toBe(false);
    expect(bad.errors).toEqual([expect.objectContaining({ code: "INVALID_STATE", field: "issuingState" })]);
    for (const code of ["D", "GBN", "UNK", "XXB", "EUE", "XXX", "UTO", "USA"]) {
      expect(parseMrz(generateMrz({ ...base, nationality: code }, "TD1"), { now: NOW }).valid, code).toBe(
        true,
      );
    }
  });

  it("reports impossible dates as INVALID_DATE even when the check digit matches", () => {
    const result = parseMrz(generateMrz({ ...base, birthDate: "741332" }, "TD3"), { now: NOW });
    expect(result.checks.every((c) => c.valid)).toBe(true);
    expect(result.errors).toEqual([expect.objectContaining({ code: "INVALID_DATE", field: "birthDate" })]);
    expect(result.fields.birthDateIso).toBeUndefined();
    const feb29 = parseMrz(generateMrz({ ...base, birthDate: "000229" }, "TD3"), { now: NOW });
    expect(feb29.fields.birthDateIso).toBe("2000-02-29");
    expect(parseMrz(generateMrz({ ...base, birthDate: "010229" }, "TD3"), { now: NOW }).valid).toBe(false);
  });

  it("accepts fillers for an unknown part of the birth date, without an ISO date", () => {
    const result = parseMrz(generateMrz({ ...base, birthDate: "74<<<<" }, "TD3"), { now: NOW });
    expect(result.valid).toBe(true);
    expect(result.fields.birthDate).toBe("74<<<<");
    expect(result.fields.birthDateIso).toBeUndefined();
  });

  it("resolves the century: births never in the future, expiries in 20YY unless implausibly far", () => {
    const parse = (birthDate: string, expiryDate: string) =>
      parseMrz(generateMrz({ ...base, birthDate, expiryDate }, "TD3"), { now: NOW }).fields;
    expect(parse("260531", "360531").birthDateIso).toBe("2026-05-31");
    expect(parse("260602", "360531").birthDateIso).toBe("1926-06-02");
    expect(parse("000101", "760101").expiryDateIso).toBe("2076-01-01");
    expect(parse("000101", "770101").expiryDateIso).toBe("1977-01-01");
  });

  it("maps the `<` sex to X and rejects other letters", () => {
    expect(parseMrz(generateMrz({ ...base, sex: "X" }, "TD2"), { now: NOW }).fields.sex).toBe("X");
    const lines = generateMrz(base, "TD2");
    const line2 = lines[1] ?? "";
    const result = parseMrz([lines[0] ?? "", `${line2.slice(0, 20)}Q${line2.slice(21)}`], { now: NOW });
    expect(result.errors).toEqual([expect.objectContaining({ code: "INVALID_CHARACTER", field: "sex" })]);
  });

  it("rejects a document code that does not start with a letter", () => {
    const lines = generateMrz(base, "TD3");
    const result = parseMrz([`<${(lines[0] ?? "").slice(1)}`, lines[1] ?? ""], { now: NOW });
    expect(result.errors.map((e) => e.code)).toContain("INVALID_DOCUMENT_CODE");
  });

  it("accepts both `<` and a computed digit as the check of an empty TD3 personal number", () => {
    const lines = generateMrz(base, "TD3");
    expect(lines[1]?.slice(28, 43)).toBe("<<<<<<<<<<<<<<<");
    expect(parseMrz(lines, { now: NOW }).valid).toBe(true);
    const line2 = lines[1] ?? "";
    const result = parseMrz([lines[0] ?? "", `${line2.slice(0, 42)}0${line2.slice(43)}`], { now: NOW });
    // The composite changes with the digit, so only the personal-number check is asserted.
    expect(result.checks.find((c) => c.name === "personalNumber")?.valid).toBe(true);
  });

  it("flags a long-number overflow whose check digit is wrong", () => {
    const lines = generateMrz({ ...base, documentNumber: "D23145890734" }, "TD1");
    expect(lines[0]).toBe("I<UTOD23145890<7349<<<<<<<<<<<");
    const broken = [
      `${(lines[0] ?? "").slice(0, 18)}8${(lines[0] ?? "").slice(19)}`,
      lines[1] ?? "",
      lines[2] ?? "",
    ];
    const result = parseMrz(broken, { now: NOW });
    expect(result.fields.documentNumber).toBe("D23145890734");
    expect(result.checks.find((c) => c.name === "documentNumber")).toMatchObject({
      valid: false,
      actual: "8",
      expected: "9",
    });
  });
});
