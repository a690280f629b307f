import { describe, expect, it } from "vitest";
import { generateMrz } from "../mrz/generate-mrz.ts";
import { parseMrz } from "../mrz/index.ts";
import { ageOn, personFromMrz } from "./person-from-mrz.ts";
import { documentTypeOf } from "./read-documents.ts";

const now = new Date("2026-11-25T12:00:00Z");

describe("personFromMrz", () => {
  it("maps MRZ fields to Identomat's person keys", () => {
    const lines = generateMrz(
      {
        issuingState: "D",
        surname: "MUSTERMANN",
        givenNames: "ERIKA",
        documentNumber: "C01X00T47",
        nationality: "D",
        birthDate: "830812",
        sex: "F",
        expiryDate: "310101",
      },
      "TD3",
    );
    const mrz = parseMrz(lines, { now });
    expect(mrz.valid).toBe(true);
    expect(personFromMrz(mrz.fields, now, mrz.lines)).toEqual({
      first_name: "ERIKA",
      last_name: "MUSTERMANN",
      birthday: "8/12/1983",
      birthday_time: "1983-08-12T00:00:00.000Z",
      age: 43,
      citizenship: "D",
      nationality: "D",
      document_number: "C01X00T47",
      document_expires: "1/1/2031",
      document_expires_time: "2031-01-01T00:00:00.000Z",
      issuing_state: "D",
      sex: "F",
      mrz: lines.join("\n"),
    });
  });

  it("counts age in whole years", () => {
    expect(ageOn("2000-11-25", now)).toBe(26);
    expect(ageOn("2000-11-26", now)).toBe(25);
  });
});

describe("documentTypeOf", () => {
  const base = {
    issuingState: "FRA",
    surname: "X",
    documentNumber: "AB1234567",
    nationality: "FRA",
    birthDate: "800101",
    sex: "M" as const,
    expiryDate: "300101",
  };
  it("follows Identomat's values", () => {
    expect(documentTypeOf(parseMrz(generateMrz(base, "TD3")))).toBe("passport");
    expect(documentTypeOf(parseMrz(generateMrz(base, "TD1")))).toBe("id");
    expect(documentTypeOf(parseMrz(generateMrz({ ...base, documentCode: "IR" }, "TD1")))).toBe(
      "residence_license",
    );
    expect(documentTypeOf(parseMrz(generateMrz(base, "MRVA")))).toBe("visa");
    expect(documentTypeOf(null)).toBe("");
  });
});
