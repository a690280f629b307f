import { describe, expect, it } from "vitest";
import { generateMrz } from "../mrz/generate-mrz.ts";
import { type MrzParseResult, parseMrz } from "../mrz/index.ts";
import { consensus } from "./mrz-consensus.ts";

const lines = generateMrz(
  {
    issuingState: "FRA",
    surname: "MARTIN",
    givenNames: "CLAIRE",
    documentNumber: "X4RTBPFW4",
    nationality: "FRA",
    birthDate: "900315",
    sex: "F",
    expiryDate: "330720",
  },
  "TD1",
);
const valid = parseMrz(lines);
const other = parseMrz(
  generateMrz(
    {
      issuingState: "FRA",
      surname: "DURAND",
      documentNumber: "AB1234567",
      nationality: "FRA",
      birthDate: "800101",
      sex: "M",
      expiryDate: "300101",
    },
    "TD1",
  ),
);
const broken: MrzParseResult = parseMrz([
  lines[0] ?? "",
  (lines[1] ?? "").replace(/^9/, "8"),
  lines[2] ?? "",
]);

describe("consensus", () => {
  it("fixtures are what they claim", () => {
    expect(valid.valid).toBe(true);
    expect(other.valid).toBe(true);
    expect(broken.valid).toBe(false);
  });

  it("accepts one unrepaired valid read", () => {
    const c = consensus([valid]);
    expect(c.accepted?.lines).toEqual(valid.lines);
    expect(c.reason).toBe("single_unrepaired");
  });

  it("refuses a single repaired read but accepts two identical repaired reads", () => {
    expect(consensus([{ mrz: valid, mrzRepaired: true }]).accepted).toBeNull();
    expect(consensus([{ mrz: valid, mrzRepaired: true }]).reason).toBe("repaired_only");
    const two = consensus([
      { mrz: valid, mrzRepaired: true },
      { mrz: valid, mrzRepaired: true },
    ]);
    expect(two.accepted?.lines).toEqual(valid.lines);
    expect(two.agreeing).toBe(2);
    expect(two.reason).toBe("agreement");
  });

  it("ignores invalid and empty reads", () => {
    expect(consensus([broken, { mrz: null, mrzRepaired: false }]).reason).toBe("no_valid_read");
    expect(consensus([broken, valid]).accepted?.lines).toEqual(valid.lines);
  });

  it("prefers the MRZ seen most often and refuses an even conflict", () => {
    expect(consensus([valid, other, valid]).accepted?.lines).toEqual(valid.lines);
    expect(consensus([valid, other]).reason).toBe("conflict");
    expect(consensus([valid, other]).accepted).toBeNull();
  });
});
