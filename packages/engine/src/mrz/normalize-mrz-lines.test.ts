import { describe, expect, it } from "vitest";
import { generateMrz } from "./generate-mrz.ts";
import { normalizeMrzLines } from "./normalize-mrz-lines.ts";
import { parseMrz } from "./parse-mrz.ts";

const UTOPIA_TD3 = [
  "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
  "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

describe("normalizeMrzLines", () => {
  it("leaves a clean MRZ untouched", () => {
    const result = normalizeMrzLines(UTOPIA_TD3);
    expect(result).toEqual({ lines: UTOPIA_TD3, format: "TD3", changes: [] });
  });

  it("cleans typical OCR output: case, spaces, guillemets, stray marks, short lines", () => {
    const ocr =
      "Passport / Passeport\np<uto eriksson«anna<maria«««««««««\nL898902C36UTO7408122F1204159ZE184226B<<<<<10.\n";
    const result = normalizeMrzLines(ocr);
    expect(result.lines).toEqual(UTOPIA_TD3);
    expect(result.format).toBe("TD3");
    const kinds = new Set(result.changes.map((c) => c.kind));
    for (const k of ["dropped-line", "uppercase", "filler", "whitespace", "removed", "padded"]) {
      expect(kinds, k).toContain(k);
    }
    expect(parseMrz(result.lines).valid).toBe(true);
  });

  it("fixes letter/digit confusions only where the field type decides", () => {
    // Birth date 740812 read as 74O8I2, nationality UTO read as UT0, name S read as 5.
    const ocr = [
      "P<UTOERIK5SON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
      "L898902C36UT074O8I22F1204159ZE184226B<<<<<10",
    ];
    const result = normalizeMrzLines(ocr);
    expect(result.lines).toEqual(UTOPIA_TD3);
    expect(result.changes).toEqual(
      expect.arrayContaining([
        { kind: "corrected", line: 0, column: 9, from: "5", to: "S", field: "name" },
        { kind: "corrected", line: 1, column: 12, from: "0", to: "O", field: "nationality" },
        { kind: "corrected", line: 1, column: 15, from: "O", to: "0", field: "birthDate" },
        { kind: "corrected", line: 1, column: 17, from: "I", to: "1", field: "birthDate" },
      ]),
    );
  });

  it("never changes alphanumeric fields such as the document number", () => {
    const lines = generateMrz(
      {
        issuingState: "FRA",
        surname: "DUPONT",
        documentNumber: "O1ISB8Z",
        nationality: "FRA",
        birthDate: "900101",
        sex: "M",
        expiryDate: "300101",
      },
      "TD2",
    );
    const result = normalizeMrzLines(lines);
    expect(result.changes).toEqual([]);
    expect(result.lines[1]?.slice(0, 7)).toBe("O1ISB8Z");
  });

  it("trims overlong lines and picks the nearest format", () => {
    const td1 = generateMrz(
      {
        issuingState: "UTO",
        surname: "ERIKSSON",
        givenNames: "ANNA",
        documentNumber: "D23145890",
        nationality: "UTO",
        birthDate: "740812",
        sex: "F",
        expiryDate: "320415",
      },
      "TD1",
    );
    const result = normalizeMrzLines([`${td1[0]}<<`, td1[1] ?? "", (td1[2] ?? "").slice(0, 26)]);
    expect(result.format).toBe("TD1");
    expect(result.lines).toEqual(td1);
    expect(result.changes.map((c) => c.kind)).toEqual(["trimmed", "padded"]);
  });

  it("recognises visas by the V document code", () => {
    const mrvb = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"];
    expect(normalizeMrzLines(mrvb.map((l) => l.slice(0, 34))).format).toBe("MRVB");
  });

  it("returns a null format when the line count fits no MRZ", () => {
    const result = normalizeMrzLines("ONLY ONE LINE OF TEXT HERE AT ALL");
    expect(result.format).toBeNull();
    expect(result.lines).toEqual(["ONLYONELINEOFTEXTHEREATALL"]);
  });
});
