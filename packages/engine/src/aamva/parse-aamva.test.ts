/**
 * parseAamva over every payload in shared/eval/barcodes/aamva-text, against the expectations given in
 * barcodes/SOURCES.md, the upstream README/fixtures, and the JSON files there. Where a fixture
 * contradicts its README, the test follows the bytes and says so.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AamvaFields } from "./aamva-types.ts";
import { parseAamva } from "./parse-aamva.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const textDir = path.resolve(repoRoot, "../shared/eval/barcodes/aamva-text");
if (!existsSync(textDir)) throw new Error(`AAMVA test payloads missing: ${textDir}`);

// latin1 keeps every byte as one character, as a raw scanner string would.
const read = (rel: string): string => readFileSync(path.join(textDir, rel), "latin1");
const codes = (issues: { code: string; element?: string }[]) =>
  issues.map((i) => `${i.code}:${i.element ?? ""}`);

const RS = "\u001e";
const ANNEX_D = read("aamva-2020-example/annexD-sample.txt");

describe("AAMVA 2020 Annex D example", () => {
  const expected = JSON.parse(read("aamva-2020-example/annexD-sample.expected.json")) as {
    header: {
      issuerIdentificationNumber: string;
      aamvaVersion: string;
      jurisdictionVersion: string;
      subfiles: { type: string; offset: number; length: number }[];
    };
    DL: Record<string, string>;
    ZV: Record<string, string>;
  };

  it("reads the header, every element byte for byte, and no artefacts", () => {
    const r = parseAamva(ANNEX_D);
    expect(r.valid).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.issuerId).toBe(expected.header.issuerIdentificationNumber);
    expect(r.version).toBe(Number(expected.header.aamvaVersion));
    expect(r.jurisdictionVersion).toBe(Number(expected.header.jurisdictionVersion));
    expect(r.subfiles).toEqual(expected.header.subfiles);
    expect(r.elements).toEqual({ ...expected.DL, ...expected.ZV });
  });

  it("normalises the fields", () => {
    expect(parseAamva(ANNEX_D).fields).toEqual({
      documentType: "DL",
      documentNumber: "T64235789",
      lastName: "SAMPLE",
      firstName: "MICHAEL",
      middleName: "JOHN",
      nameSuffix: "JR",
      lastNameTruncated: false,
      firstNameTruncated: false,
      middleNameTruncated: false,
      birthDate: "1986-06-06",
      expiryDate: "2024-12-10",
      issueDate: "2019-06-06",
      sex: "M",
      street: "2300 WEST BROAD STREET",
      city: "RICHMOND",
      state: "VA",
      postalCode: "232690000",
      country: "USA",
      eyeColor: "BRO",
      height: "068 in",
      heightCm: 173,
      documentDiscriminator: "2424244747474786102204",
      inventoryControlNumber: "123456789",
      vehicleClass: "D",
      restrictions: "K",
      endorsements: "PH",
      complianceType: "F",
      cardRevisionDate: "2018-06-06",
    } satisfies AamvaFields);
  });
});

describe("envoy/ENVLicenseParser payloads", () => {
  const dir = "envoy-ENVLicenseParser";
  // The upstream data/README.md person. Sex: the README says male, but several fixtures encode DBC=2
  // (female); the bytes win. SC (version 1) encodes DBB/DBD as 19502110/19602509, which are no dates
  // in the version-1 CCYYMMDD order (upstream only asserted name, ID, address and "not expired").
  const sexInFile: Record<string, "M" | "F"> = {
    CA: "M",
    GA: "F",
    HI: "F",
    SC: "F",
    VA: "F",
    VA2: "M",
    VT: "M",
    WA: "F",
  };
  const person = {
    documentNumber: "024437335",
    lastName: "LAST",
    firstName: "FIRST",
    middleName: "MIDDLE",
    street: "1234 FAKE ST",
    city: "FAKE TOWN",
    postalCode: "363659076",
  };
  const files = readdirSync(path.join(textDir, dir)).filter((f) => f.endsWith(".txt"));

  it("has every file classified", () => {
    expect(files).toHaveLength(23);
  });

  const personFiles = files.filter((f) => !f.includes("Sample"));
  it.each(personFiles)("%s", (file) => {
    const key = file.replace(".txt", "").replace("Expired", "");
    const state = key.slice(0, 2);
    const expired = file.includes("Expired");
    const r = parseAamva(read(`${dir}/${file}`));
    expect(r.fields).toMatchObject({ ...person, state, sex: sexInFile[key] });
    if (state === "SC") {
      expect(r.version).toBe(1);
      expect(codes(r.errors)).toEqual(["INVALID_DATE:DBB", "INVALID_DATE:DBD"]);
      expect(r.fields.expiryDate).toBe(expired ? "2010-11-19" : "2025-11-20");
      return;
    }
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.fields).toMatchObject({
      birthDate: "1950-10-21",
      issueDate: "1960-09-25",
      expiryDate: expired ? "2010-10-21" : "2025-10-21",
      country: "USA",
    });
  });

  // Values read from each sample payload (upstream asserted only that name, address and ID exist).
  const samples: Record<string, Partial<AamvaFields>> = {
    "GASample.txt": {
      lastName: "SAMPLE",
      firstName: "JANICE",
      documentNumber: "123456789",
      city: "ANYTOWN",
      birthDate: "1957-07-01",
    },
    "HISample.txt": {
      lastName: "SAMPLE",
      firstName: "TINA",
      middleName: "A",
      documentNumber: "H00000000",
      birthDate: "1984-02-21",
    },
    "SCSample.txt": {
      lastName: "SAMPLE",
      firstName: "DRIVER",
      middleName: "CREDENTIAL",
      documentNumber: "102245737",
      city: "COLUMBIA",
      birthDate: "1978-09-28",
      expiryDate: "2019-09-28",
    },
    "VASample.txt": {
      lastName: "SAMPLE",
      firstName: "TINA",
      documentNumber: "Y999999",
      city: "ANYCITY",
      birthDate: "1984-02-21",
    },
    "VASample2.txt": {
      lastName: "MAURY",
      firstName: "JUSTIN",
      middleName: "WILLIAM",
      documentNumber: "T16700185",
      city: "STAUNTON",
      birthDate: "1958-07-15",
    },
    "VTSample.txt": {
      lastName: "SAMPLE",
      firstName: "JANICE",
      middleName: "M",
      documentNumber: "12345678",
      birthDate: "1967-01-12",
    },
    "WASample.txt": {
      lastName: "ANASTASIA",
      firstName: "PRINCESS",
      middleName: "MONACO",
      documentNumber: "ANASTPM320QD",
      city: "OLYMPIA",
      birthDate: "1968-11-04",
    },
  };
  it.each(files.filter((f) => f.includes("Sample")))("%s", (file) => {
    const r = parseAamva(read(`${dir}/${file}`));
    expect(r.errors).toEqual([]);
    expect(r.fields).toMatchObject(samples[file] ?? { missing: "expectation" });
    expect(r.fields.street).toBeTruthy();
  });

  it("notes the artefacts of HI payloads: wrong entry count, offsets and a DL subfile without its type", () => {
    const r = parseAamva(read(`${dir}/HI.txt`));
    expect(codes(r.warnings)).toEqual([
      "ENTRY_COUNT:",
      "OFFSET_MISMATCH:DL",
      "OFFSET_MISMATCH:ZH",
      "MISSING_SUBFILE_TYPE:DL",
    ]);
    expect(r.elements).toMatchObject({ DCA: "3", ZHA: "", ZHC: "L" });
  });
});

describe("mvayngrib/parse-usdl payloads", () => {
  const dir = "parse-usdl";
  const fixture = JSON.parse(read(`${dir}/expected_default_fixture.json`)) as Record<string, string>;
  const MAP: Record<string, keyof AamvaFields> = {
    addressCity: "city",
    addressPostalCode: "postalCode",
    addressState: "state",
    addressStreet: "street",
    dateOfBirth: "birthDate",
    dateOfExpiry: "expiryDate",
    dateOfIssue: "issueDate",
    documentDiscriminator: "documentDiscriminator",
    documentNumber: "documentNumber",
    eyeColor: "eyeColor",
    firstName: "firstName",
    firstNameTruncated: "firstNameTruncated",
    height: "height",
    issuer: "country",
    jurisdictionEndorsementCodes: "endorsements",
    jurisdictionRestrictionCodes: "restrictions",
    lastName: "lastName",
    lastNameTruncated: "lastNameTruncated",
    middleName: "middleName",
    middleNameTruncated: "middleNameTruncated",
    sex: "sex",
  };
  const expected: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fixture)) {
    const ours = MAP[k];
    if (!ours) throw new Error(`unmapped fixture key ${k}`);
    expected[ours] = k.endsWith("Truncated") ? v === "T" : v;
  }

  it.each([
    ["data_1.txt", []],
    ["data_error.txt", ["UNKNOWN_ELEMENT:ZZZ"]],
    ["data_invalid_characters.txt", ["STRAY_CHARACTERS:"]],
    ["data_invalid_characters_2.txt", ["STRAY_CHARACTERS:"]],
  ] as const)("%s gives the default fixture", (file, warnings) => {
    const r = parseAamva(read(`${dir}/${file}`));
    expect(r.valid).toBe(true);
    expect(r.fields).toMatchObject(expected);
    expect(codes(r.warnings)).toEqual(expect.arrayContaining([...warnings]));
  });

  it("data_2.txt is the same card with sex F", () => {
    expect(parseAamva(read(`${dir}/data_2.txt`)).fields).toMatchObject({ ...expected, sex: "F" });
  });

  it("data_3.txt (CRLF line ends) gives SMITH JOHN FORD", () => {
    const r = parseAamva(read(`${dir}/data_3.txt`));
    expect(r.valid).toBe(true);
    expect(r.fields).toMatchObject({
      documentNumber: "099964088",
      lastName: "SMITH",
      firstName: "JOHN",
      middleName: "FORD",
      city: "MEMPHIS",
      state: "AR",
      birthDate: "1966-04-26",
    });
    expect(r.elements.ZTG).toBe("00");
  });
});

describe("scanner artefacts (derived from the Annex D example)", () => {
  const reference = parseAamva(ANNEX_D).fields;
  const key = (f: AamvaFields) => ({
    documentNumber: f.documentNumber,
    lastName: f.lastName,
    firstName: f.firstName,
    birthDate: f.birthDate,
    expiryDate: f.expiryDate,
    state: f.state,
  });

  it("CRLF instead of LF, and a missing RS", () => {
    const r = parseAamva(ANNEX_D.replace(/\n/g, "\r\n").replace(RS, ""));
    expect(r.valid).toBe(true);
    expect(r.fields).toEqual(reference);
  });

  it("control characters spelled out by zxing's HRI mode", () => {
    const hri = ANNEX_D.split("\n").join("<LF>").split("\r").join("<CR>").split(RS).join("<RS>");
    const r = parseAamva(hri);
    expect(r.fields).toEqual(reference);
    expect(codes(r.warnings)).toContain("HRI_CONTROL_CODES:");
  });

  it("wrong offsets and entry count", () => {
    const r = parseAamva(ANNEX_D.replace("0102DL00410278", "0101DL00450278"));
    expect(r.fields).toEqual(reference);
    expect(codes(r.warnings)).toEqual(["ENTRY_COUNT:", "OFFSET_MISMATCH:DL"]);
  });

  it("every separator stripped: falls back to scanning for element IDs", () => {
    const r = parseAamva(
      ANNEX_D.split(RS)
        .join("")
        .replace(/[\n\r]/g, ""),
    );
    expect(codes(r.warnings)).toContain("NO_SEPARATORS:");
    expect(key(r.fields)).toEqual(key(reference));
  });

  it("no header at all: elements are still read, but the result is not valid", () => {
    const body = ANNEX_D.slice(ANNEX_D.indexOf("DLDAQ"));
    const r = parseAamva(body);
    expect(r.valid).toBe(false);
    expect(codes(r.errors)).toEqual(["NO_HEADER:"]);
    expect(key(r.fields)).toEqual(key(reference));
  });

  it('an "AAMVA" file type instead of "ANSI "', () => {
    const r = parseAamva(ANNEX_D.replace("ANSI ", "AAMVA"));
    expect(r.valid).toBe(true);
    expect(r.version).toBe(10);
  });
});

describe("field rules", () => {
  const card = (elements: string, header = "ANSI 636012100102ID00410100ZO01410010") =>
    `@\n\u001e\r${header}ID${elements.split("|").join("\n")}\r`;

  it("reads Canadian dates as CCYYMMDD and marks ID cards", () => {
    const r = parseAamva(card("DAQX1|DCSDOE|DACJANE|DBB19800102|DBA20300405|DBD20200405|DBC9|DAJON|DCGCAN"));
    expect(r.fields).toMatchObject({
      documentType: "ID",
      birthDate: "1980-01-02",
      expiryDate: "2030-04-05",
      sex: "X",
      country: "CAN",
    });
  });

  it("infers the country from the jurisdiction when DCG is missing", () => {
    const r = parseAamva(card("DAQX1|DCSDOE|DACJANE|DBB19800102|DBA20300405|DAJQC"));
    expect(r.fields).toMatchObject({ country: "CAN", birthDate: "1980-01-02" });
    const sc = parseAamva(read("envoy-ENVLicenseParser/SCSample.txt"));
    expect(sc.elements.DCG).toBeUndefined();
    expect(sc.fields.country).toBe("USA");
  });

  it("reads a date in the other order with a warning rather than dropping it", () => {
    const r = parseAamva(card("DAQX1|DCSDOE|DACJANE|DBB19800102|DBA04052030|DAJNY|DCGUSA"));
    expect(r.fields.birthDate).toBe("1980-01-02");
    expect(codes(r.warnings)).toContain("DATE_FORMAT:DBB");
  });

  it("reports impossible dates and missing mandatory elements as errors", () => {
    const r = parseAamva(card("DCSDOE|DBB13452000|DAJNY"));
    expect(r.valid).toBe(false);
    expect(codes(r.errors)).toEqual(["INVALID_DATE:DBB", "MISSING_ELEMENT:DAQ", "MISSING_ELEMENT:DBA"]);
  });

  it("splits version 2–3 given names (DCT) and version 1 full names (DAA)", () => {
    expect(parseAamva(card("DCSDOE|DCTJANE,ANN")).fields).toMatchObject({
      firstName: "JANE",
      middleName: "ANN",
    });
    expect(parseAamva(card("DAADOE,JOHN,PAUL,")).fields).toMatchObject({
      lastName: "DOE",
      firstName: "JOHN",
      middleName: "PAUL",
    });
    expect(parseAamva(card("DCSDOE|DACJANE|DADNONE")).fields.middleName).toBeUndefined();
  });

  it("never throws", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        expect(parseAamva(s).valid).toBe(false);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat(ANNEX_D.length), fc.nat(ANNEX_D.length), (a, b) => {
        const r = parseAamva(ANNEX_D.slice(Math.min(a, b), Math.max(a, b)));
        expect(typeof r.valid).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });
});
