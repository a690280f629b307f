import { describe, expect, it } from "vitest";
import { generateMrz } from "../mrz/generate-mrz.ts";
import { parseMrz } from "../mrz/index.ts";
import { checkDigitsVerify } from "./create-document-reader.ts";
import type { DocumentReadOk } from "./document-read.ts";
import { recordFromRead } from "./read-documents.ts";

const now = new Date("2026-11-25T12:00:00Z");
const fields = {
  issuingState: "UTO",
  surname: "ERIKSSON",
  givenNames: "ANNA MARIA",
  documentNumber: "L898902C3",
  nationality: "UTO",
  birthDate: "740812",
  sex: "F" as const,
  expiryDate: "320415",
  personalNumber: "ZE184226B",
};

function okRead(lines: string[]): DocumentReadOk {
  return {
    kind: "ok",
    mrz: parseMrz(lines, { now }),
    mrzRepaired: false,
    quad: [],
    quadDetected: false,
    rotation: 0,
    portrait: null,
    visualZone: null,
    quality: { sharpness: 100, glare: 0, brightness: 0.5 },
    timings: { decode: 0, quad: 0, locate: 0, ocr: 0, parse: 0, portrait: 0, visualZone: 0, total: 0 },
  };
}

describe("checkDigitsVerify", () => {
  it("accepts verified check digits even with an unknown state code, and nothing else", () => {
    const good = generateMrz(fields, "TD3");
    expect(checkDigitsVerify(parseMrz(good))).toBe(true);
    const badState = generateMrz({ ...fields, nationality: "QQQ" }, "TD3");
    const parsed = parseMrz(badState);
    expect(parsed.valid).toBe(false);
    expect(checkDigitsVerify(parsed)).toBe(true);
    const badDigit = [good[0] ?? "", (good[1] ?? "").replace("L898902C36", "L898902C35")];
    expect(checkDigitsVerify(parseMrz(badDigit))).toBe(false);
  });
});

describe("recordFromRead", () => {
  it("builds the CLI record with Identomat keys", () => {
    const lines = generateMrz(fields, "TD3");
    const rec = recordFromRead("a.jpg", okRead(lines), now);
    expect(rec.document_type).toBe("passport");
    expect(rec.mrz?.format).toBe("TD3");
    expect(rec.person.last_name).toBe("ERIKSSON");
    expect(rec.person.document_expires).toBe("4/15/2032");
    expect(rec.person.age).toBe(52);
    expect(rec.person.mrz).toBe(lines.join("\n"));
  });

  it("leaves person empty when nothing valid was read", () => {
    const rec = recordFromRead("b.jpg", { kind: "image_unreadable", detail: "x" }, now);
    expect(rec).toEqual({
      file: "b.jpg",
      outcome: "image_unreadable",
      document_type: "",
      mrz: null,
      person: {},
    });
  });
});
