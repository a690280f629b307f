/**
 * Driver licences: generated AAMVA payloads rendered as PDF417 on a card back, decoded, parsed and
 * turned into the session result (person, id_card_back, document_type, expiry and age checks).
 */
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { buildAamvaPayload, type LicenceFields, renderLicenceBack } from "../aamva/fixtures/make-licence.ts";
import { parseAamva } from "../aamva/index.ts";
import type { CaptureAnalysis } from "./analyze-capture.ts";
import { decideSession, type SessionDecisionInput } from "./decide-session.ts";
import { type AamvaRead, readAamvaBarcode } from "./driver-licence.ts";

const NOW = new Date("2026-11-25T12:00:00Z");
const JANE: LicenceFields = {
  number: "D1234567",
  lastName: "PUBLIC",
  firstName: "JANE",
  middleName: "Q",
  birthDate: "1990-07-04",
  issueDate: "2022-03-01",
  expiryDate: "2030-07-04",
  sex: "F",
  state: "CA",
};

const session = (
  back: AamvaRead | null,
  extra: Partial<SessionDecisionInput> = {},
): SessionDecisionInput => ({
  analyses: [
    {
      type: "document",
      kind: "card-back",
      outcome: "ok",
      mrz: null,
      mrzRepaired: false,
      portrait: null,
      aamva: back,
      ms: 1,
    } satisfies CaptureAnalysis,
  ],
  required: { document: true, face: false, liveness: false },
  documentTypes: [],
  documentCountries: [],
  now: NOW,
  policy: { acceptSimilarity: 0.8, rejectSimilarity: 0.6, minAge: 18 },
  ...extra,
});

let jane: AamvaRead | null;
beforeAll(async () => {
  jane = await readAamvaBarcode(await renderLicenceBack(buildAamvaPayload(JANE)), "quick");
}, 60_000);

describe("generated AAMVA payloads", () => {
  it("have a header the parser accepts without warnings", () => {
    const parsed = parseAamva(buildAamvaPayload(JANE));
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.fields).toMatchObject({ documentType: "DL", lastName: "PUBLIC", expiryDate: "2030-07-04" });
  });
});

describe("readAamvaBarcode", () => {
  it("decodes the card back's PDF417 on the quick pass", () => {
    expect(jane).toMatchObject({ valid: true, angle: 0, errors: [] });
    expect(jane?.fields).toMatchObject({ documentNumber: "D1234567", firstName: "JANE", country: "USA" });
  });

  it("needs the thorough pass for a photo skewed by 6°, and finds nothing on a card without a barcode", async () => {
    const skewed = await renderLicenceBack(buildAamvaPayload(JANE), { rotateDeg: 6, jpegQuality: 85 });
    expect(await readAamvaBarcode(skewed, "quick")).toBeNull();
    const thorough = await readAamvaBarcode(skewed, "thorough");
    expect(thorough?.fields.lastName).toBe("PUBLIC");
    expect(thorough?.angle).not.toBe(0);
    const blank = await sharp({ create: { width: 600, height: 380, channels: 3, background: "#dde4ea" } })
      .png()
      .toBuffer();
    expect(await readAamvaBarcode(blank, "thorough")).toBeNull();
  }, 60_000);
});

describe("decideSession with a licence back", () => {
  it("fills person, id_card_back and document_type and approves a valid adult licence", () => {
    const out = decideSession(session(jane));
    expect(out.documentType).toBe("driver_license");
    expect(out.person).toEqual({
      first_name: "JANE Q",
      last_name: "PUBLIC",
      birthday: "7/4/1990",
      birthday_time: "1990-07-04T00:00:00.000Z",
      age: 36,
      document_number: "D1234567",
      document_expires: "7/4/2030",
      document_expires_time: "2030-07-04T00:00:00.000Z",
      issuing_state: "USA",
      sex: "F",
    });
    expect(out.idCardBack).toMatchObject({
      Surname_en_US: "PUBLIC",
      Document_Number_en_US: "D1234567",
      Date_of_Expiry_en_US: "7/4/2030",
      Jurisdiction_en_US: "CA",
    });
    expect(out.decision).toMatchObject({ status: "approved", reasons: [] });
  });

  it("rejects an expired licence and an under-age holder by the AAMVA dates", async () => {
    const expired = await readAamvaBarcode(
      await renderLicenceBack(buildAamvaPayload({ ...JANE, expiryDate: "2025-01-31" })),
      "quick",
    );
    expect(decideSession(session(expired)).decision.reasons).toContain("document_expired");
    const minor = await readAamvaBarcode(
      await renderLicenceBack(buildAamvaPayload({ ...JANE, birthDate: "2010-01-01" })),
      "quick",
    );
    const out = decideSession(session(minor));
    expect(out.person.age).toBe(16);
    expect(out.decision.reasons).toContain("underage");
  }, 60_000);

  it("applies the session's document types and countries, and sends an unparsable barcode to review", () => {
    expect(decideSession(session(jane, { documentTypes: ["passport"] })).decision.reasons).toContain(
      "document_type_not_allowed",
    );
    expect(decideSession(session(jane, { documentCountries: ["CAN"] })).decision.reasons).toContain(
      "country_not_allowed",
    );
    const broken: AamvaRead = {
      valid: false,
      version: 10,
      issuerId: "636000",
      fields: {},
      errors: ["NO_ELEMENTS"],
      angle: 0,
    };
    const out = decideSession(session(broken));
    expect(out.decision.reasons).toContain("document_unreadable");
    expect(out.person).toEqual({});
    expect(out.documentType).toBe("");
  });
});
