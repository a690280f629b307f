import { describe, expect, it } from "vitest";
import {
  canonicalNumber,
  crossCheckFields,
  type FieldReference,
  mergeCrossChecks,
  printedDates,
  transliterationsOf,
} from "./cross-check-fields.ts";
import type { VisualZoneLine } from "./read-visual-zone.ts";

/** Lines laid out like a data page: [text, x, y] with 30 px high boxes. */
function page(rows: readonly (readonly [string, number, number])[], confidence = 0.98): VisualZoneLine[] {
  return rows.map(([text, x, y]) => ({
    text,
    confidence,
    box: { x, y, width: Math.max(20, text.length * 16), height: 30 },
  }));
}

// The ICAO 9303 UTOPIA specimen (ERIKSSON ANNA MARIA) as PP-OCRv4 read it from passport-td3.png.
const UTOPIA = page([
  ["Surname/ Nom", 465, 210],
  ["ERIKSSON", 477, 235],
  ["Given names/ Prenoms", 466, 271],
  ["ANNA MARIA", 480, 299],
  ["Passport Number/ N? de passeport", 910, 142],
  ["L898902C3", 952, 173],
  ["Date of Birth/ Date de naissance", 467, 392],
  ["12 AUGUST/AOUT 74", 476, 416],
  ["Place of birth/ Lieu de naissance", 716, 453],
  ["ZENITH", 742, 479],
  ["Date of expiry/ Date d'expiration", 463, 574],
  ["15 APR/AVR 12", 478, 600],
  ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", 119, 670],
]);
const UTOPIA_REF: FieldReference = {
  surname: "ERIKSSON",
  givenNames: "ANNA MARIA",
  documentNumber: "L898902C3",
  birthDateIso: "1974-08-12",
  expiryDateIso: "2012-04-15",
};

describe("normalisation", () => {
  it("transliterates diacritics the ICAO 9303 way and by dropping the marks", () => {
    expect(transliterationsOf("Müller-Lüdenscheidt")).toEqual([
      "MUELLER LUEDENSCHEIDT",
      "MULLER LUDENSCHEIDT",
    ]);
    expect(transliterationsOf("Straße")).toEqual(["STRASSE"]);
    expect(transliterationsOf("Øster Ångström")).toContain("OESTER AANGSTROEM");
    expect(transliterationsOf("Łukasz Żółć")).toContain("LUKASZ ZOLC");
  });

  it("reads printed dates in day-first, month-name, ISO and US forms", () => {
    const has = (line: string, year: number, month: number, day: number) =>
      printedDates(line).some((d) => d.year === year && d.month === month && d.day === day);
    expect(has("12 JAN 1990", 1990, 1, 12)).toBe(true);
    expect(has("12.01.1990", 1990, 1, 12)).toBe(true);
    expect(has("1990-01-12", 1990, 1, 12)).toBe(true);
    expect(has("12 AUGUST/AOUT 74", 74, 8, 12)).toBe(true);
    expect(has("30MAR/MAR1972", 1972, 3, 30)).toBe(true);
    expect(has("DOB 07/04/1990", 1990, 7, 4)).toBe(true);
    expect(has("DOB 07/04/1990", 1990, 4, 7)).toBe(true);
    expect(printedDates("PASSPORT OFFICE")).toEqual([]);
  });

  it("maps look-alike characters of document numbers to one form", () => {
    expect(canonicalNumber("C01X00T47")).toBe(canonicalNumber("CO1XOOT47"));
    expect(canonicalNumber("ZE 184226 B")).toBe(canonicalNumber("ZE184226B"));
  });
});

describe("crossCheckFields", () => {
  it("finds every field of the UTOPIA page and reports no mismatch", () => {
    const r = crossCheckFields(UTOPIA, UTOPIA_REF, "mrz");
    expect(r.mismatch).toBe(false);
    expect(r.matching).toBe(5);
    expect(r.fields.birthDate).toEqual({ status: "matching", printed: "12 AUGUST/AOUT 74" });
    expect(r.fields.documentNumber.status).toBe("matching");
  });

  it("does not let the MRZ line confirm itself", () => {
    const onlyMrz = UTOPIA.filter((l) => l.text.includes("<"));
    const r = crossCheckFields(onlyMrz, UTOPIA_REF, "mrz");
    expect(r.found).toBe(0);
  });

  it("matches a printed name with diacritics, O/0 confusions and a truncated MRZ name", () => {
    const lines = page([
      ["Nachname", 10, 10],
      ["MÜLLER", 10, 40],
      ["Vornamen", 10, 80],
      ["Maximilian Alexander", 10, 110],
      ["Pass Nr", 300, 10],
      ["CO1XOOT47", 300, 40],
    ]);
    const r = crossCheckFields(
      lines,
      { surname: "MUELLER", givenNames: "MAXIMILIAN ALEXAND", documentNumber: "C01X00T47" },
      "mrz",
    );
    expect(r.fields.surname.status).toBe("matching");
    expect(r.fields.givenNames.status).toBe("matching");
    expect(r.fields.documentNumber.status).toBe("matching");
  });

  it("reports a different printed surname under its label as a mismatch", () => {
    const lines = UTOPIA.map((l) => (l.text === "ERIKSSON" ? { ...l, text: "JOHANSSON" } : l));
    const r = crossCheckFields(lines, UTOPIA_REF, "mrz");
    expect(r.fields.surname).toEqual({ status: "mismatching", printed: "JOHANSSON" });
    expect(r.mismatch).toBe(true);
  });

  it("reports a different birth date and document number, but not a one-digit slip", () => {
    const other = UTOPIA.map((l) =>
      l.text.startsWith("12 AUGUST")
        ? { ...l, text: "03 MAR/MARS 81" }
        : l.text === "L898902C3"
          ? { ...l, text: "X51234877" }
          : l,
    );
    const r = crossCheckFields(other, UTOPIA_REF, "mrz");
    expect(r.fields.birthDate.status).toBe("mismatching");
    expect(r.fields.documentNumber.status).toBe("mismatching");
    const slip = UTOPIA.map((l) =>
      l.text.startsWith("12 AUGUST") ? { ...l, text: "12 AUGUST/AOUT 14" } : l,
    );
    expect(crossCheckFields(slip, UTOPIA_REF, "mrz").fields.birthDate.status).toBe("unsure");
  });

  it("calls a doubtful read unsure, never a mismatch", () => {
    const lowConfidence = UTOPIA.map((l) =>
      l.text === "ERIKSSON" ? { ...l, text: "JOHANSSON", confidence: 0.6 } : l,
    );
    expect(crossCheckFields(lowConfidence, UTOPIA_REF, "mrz").fields.surname.status).toBe("unsure");
    const ocrSlip = UTOPIA.map((l) => (l.text === "ERIKSSON" ? { ...l, text: "ERIKSS0N" } : l));
    expect(crossCheckFields(ocrSlip, UTOPIA_REF, "mrz").fields.surname.status).toBe("matching");
  });

  it("reads US licence fronts (label and value on one line, a row split in two boxes)", () => {
    const lines = page([
      ["DL D1234567", 300, 140],
      ["LN PUBLIC", 300, 210],
      ["FN JANE", 300, 270],
      ["Q", 420, 270],
      ["DOB 07/04/1990", 300, 400],
    ]);
    const ref = {
      surname: "PUBLIC",
      givenNames: "JANE Q",
      documentNumber: "D1234567",
      birthDateIso: "1990-07-04",
    };
    const ok = crossCheckFields(lines, ref, "aamva");
    expect(ok.mismatch).toBe(false);
    expect(ok.fields.givenNames).toEqual({ status: "matching", printed: "FN JANE Q" });
    const other = crossCheckFields(lines, { ...ref, surname: "SAMPLE" }, "aamva");
    expect(other.fields.surname).toEqual({ status: "mismatching", printed: "PUBLIC" });
  });

  it("merges sides: a field confirmed on one side is not contradicted by another", () => {
    const good = crossCheckFields(UTOPIA, UTOPIA_REF, "mrz");
    const bad = crossCheckFields(
      UTOPIA.map((l) => (l.text === "ERIKSSON" ? { ...l, text: "JOHANSSON" } : l)),
      UTOPIA_REF,
      "mrz",
    );
    expect(mergeCrossChecks([bad, good])?.mismatch).toBe(false);
    expect(mergeCrossChecks([bad])?.mismatch).toBe(true);
    expect(mergeCrossChecks([])).toBeNull();
  });
});
