import { describe, expect, it } from "vitest";
import { generateMrz } from "../mrz/generate-mrz.ts";
import { parseMrz } from "../mrz/index.ts";
import { assembleMrz, coerceMrzCharacters, fitRowLength, repairMrz } from "./mrz-text.ts";

const td3 = generateMrz(
  {
    issuingState: "UTO",
    surname: "ERIKSSON",
    givenNames: "ANNA MARIA",
    documentNumber: "L898902C3",
    nationality: "UTO",
    birthDate: "740812",
    sex: "F",
    expiryDate: "120415",
    personalNumber: "ZE184226B",
  },
  "TD3",
);

describe("fitRowLength", () => {
  it("adds or removes fillers inside the longest filler run", () => {
    expect(fitRowLength("AB<<<CD", 8)).toBe("AB<<<<CD");
    expect(fitRowLength("AB<<<<CD", 7)).toBe("AB<<<CD");
    expect(fitRowLength("ABCD", 6)).toBe("ABCD<<");
  });
});

describe("coerceMrzCharacters", () => {
  it("fixes letters in date positions and digits in the state code, but not in the document number", () => {
    const line2 = td3[1] ?? "";
    const noisy = `${line2.slice(0, 10)}UT0${line2.slice(13, 15)}O${line2.slice(16)}`;
    const [, fixed] = coerceMrzCharacters([td3[0] ?? "", noisy], "TD3");
    expect(fixed).toBe(line2);
    const numberNoise = `L8989O2C3${line2.slice(9)}`;
    expect(coerceMrzCharacters([td3[0] ?? "", numberNoise], "TD3")[1]).toBe(numberNoise);
  });
});

describe("assembleMrz", () => {
  it("picks the MRZ rows among other text and fits them", () => {
    const rows = [
      "PASSPORT",
      (td3[0] ?? "").slice(0, 43),
      (td3[1] ?? "").replace("<<<<<", "<<<<<<"),
      "SIGNATURE",
    ];
    const a = assembleMrz(rows);
    expect(a?.layout).toBe("TD3");
    expect(a?.lines).toEqual(td3);
    expect(a?.firstRow).toBe(1);
  });

  it("returns null for rows that are no MRZ", () => {
    expect(assembleMrz(["HELLO WORLD", "SOME TEXT"])).toBeNull();
  });
});

describe("repairMrz", () => {
  const parse = (lines: readonly string[]) => parseMrz(lines);

  it("undoes one look-alike in the document number", () => {
    const line2 = td3[1] ?? "";
    const damaged = [td3[0] ?? "", `L8989O2C3${line2.slice(9)}`];
    expect(parse(damaged).valid).toBe(false);
    const fixed = repairMrz(damaged, parse);
    expect(fixed?.lines).toEqual(td3);
    expect(fixed?.position).toEqual({ line: 1, index: 5, from: "O", to: "0" });
  });

  it("fixes two doubtful characters when the recogniser proposed both", () => {
    const line2 = td3[1] ?? "";
    const damaged = [td3[0] ?? "", `L89B9O2C3${line2.slice(9)}`];
    expect(repairMrz(damaged, parse)).toBeNull();
    const alternatives = [
      Array.from(td3[0] ?? "", () => null),
      Array.from(line2, () => null as string | null),
    ];
    const second = alternatives[1] ?? [];
    second[3] = "8";
    second[5] = "0";
    expect(repairMrz(damaged, parse, alternatives)?.lines).toEqual(td3);
  });

  it("refuses when no single substitution helps", () => {
    const line2 = td3[1] ?? "";
    const damaged = [td3[0] ?? "", `X8989O2C3${line2.slice(9)}`];
    expect(repairMrz(damaged, parse)).toBeNull();
  });
});
