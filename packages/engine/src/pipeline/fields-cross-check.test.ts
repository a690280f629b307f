/**
 * FIELDS_MISMATCH end to end: documents rendered with a visual zone and an MRZ (OCR-B), and a licence
 * front with a PDF417 back, read by the real models; the printed fields are cross-checked in the
 * session decision. Plus a golden read of the ICAO UTOPIA specimen from shared/eval.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAamvaPayload, type LicenceFields, renderLicenceBack } from "../aamva/fixtures/make-licence.ts";
import {
  renderLicenceFront,
  renderTd1Card,
  renderTd3DataPage,
  SAMPLE_TD1_FIELDS,
  SAMPLE_TD3_FIELDS,
} from "../document/fixtures/render-document.ts";
import { createDocumentReader, crossCheckFields, type DocumentReader } from "../document/index.ts";
import { createFaceEngine, type FaceEngine } from "../face/index.ts";
import { analyzeCapture, type Capture, type CaptureAnalysis } from "./analyze-capture.ts";
import { decideSession } from "./decide-session.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const evalRoot = path.resolve(here, "../../../..", "../shared/eval");
const utopia = path.join(evalRoot, "documents/passporteye-tests/passport-td3.png");
const NOW = new Date("2026-11-25T12:00:00Z");

let reader: DocumentReader;
let face: FaceEngine;

beforeAll(async () => {
  if (!existsSync(utopia)) throw new Error(`test data missing: ${utopia}`);
  [reader, face] = await Promise.all([createDocumentReader(), createFaceEngine()]);
}, 120_000);

afterAll(async () => {
  await reader?.dispose();
  face?.dispose();
});

async function analyse(captures: readonly Capture[]): Promise<CaptureAnalysis[]> {
  const out: CaptureAnalysis[] = [];
  for (const c of captures) out.push(await analyzeCapture(c, { face, documents: reader }));
  return out;
}

function decideDocuments(analyses: CaptureAnalysis[]) {
  return decideSession({
    analyses,
    required: { document: true, face: false, liveness: false },
    documentTypes: [],
    documentCountries: [],
    now: NOW,
    policy: { acceptSimilarity: 0.85, rejectSimilarity: 0.15, minAge: 18 },
  });
}

describe("passport page: visual zone against the MRZ", () => {
  it("finds the printed fields consistent with the MRZ", async () => {
    const page = await renderTd3DataPage(SAMPLE_TD3_FIELDS);
    const out = decideDocuments(await analyse([{ kind: "passport", bytes: page.png }]));
    const fields = out.signals.fields as ReturnType<typeof crossCheckFields>;
    expect(fields.mismatch).toBe(false);
    expect(fields.fields.surname.status).toBe("matching");
    expect(fields.fields.documentNumber.status).toBe("matching");
    expect(fields.fields.birthDate.status).toBe("matching");
    expect(out.decision.reasons).not.toContain("fields_mismatch");
    expect(out.person.status).toBeUndefined();
    expect(out.decision.status).toBe("approved");
  }, 120_000);

  it("reports a different printed surname as fields_mismatch (manual check, FIELDS_MISMATCH)", async () => {
    const page = await renderTd3DataPage(SAMPLE_TD3_FIELDS, { printed: { surname: "SCHNEIDER" } });
    const out = decideDocuments(await analyse([{ kind: "passport", bytes: page.png }]));
    const fields = out.signals.fields as ReturnType<typeof crossCheckFields>;
    expect(fields.fields.surname).toEqual({ status: "mismatching", printed: "SCHNEIDER" });
    expect(fields.fields.givenNames.status).toBe("matching");
    expect(out.decision.status).toBe("manual_check");
    expect(out.decision.reasons).toEqual(["fields_mismatch"]);
    expect(out.person.status).toBe("FIELDS_MISMATCH");
    expect(out.person.last_name).toBe("MUSTERMANN");
    // What the dashboard shows beside the MRZ value: the printed text where it differs.
    expect(out.visual).toMatchObject({ last_name: "SCHNEIDER", first_name: "ERIKA" });
  }, 120_000);

  it("lets a company make the mismatch a reject", async () => {
    const page = await renderTd3DataPage(SAMPLE_TD3_FIELDS, { printed: { documentNumber: "K77Q41205" } });
    const analyses = await analyse([{ kind: "passport", bytes: page.png }]);
    const out = decideSession({
      analyses,
      required: { document: true, face: false, liveness: false },
      documentTypes: [],
      documentCountries: [],
      now: NOW,
      policy: {
        acceptSimilarity: 0.85,
        rejectSimilarity: 0.15,
        minAge: 18,
        overrides: { fields_mismatch: "reject" },
      },
    });
    expect(out.decision.status).toBe("rejected");
    expect(out.decision.rejectReason.value).toBe("fields_mismatch");
  }, 120_000);
});

describe("ID card: front's printed fields against the back's MRZ", () => {
  it("matches a consistent card and flags a front with another birth date", async () => {
    const card = await renderTd1Card(SAMPLE_TD1_FIELDS);
    const good = decideDocuments(
      await analyse([
        { kind: "card-front", bytes: card.front.png },
        { kind: "card-back", bytes: card.back.png },
      ]),
    );
    expect((good.signals.fields as ReturnType<typeof crossCheckFields>).mismatch).toBe(false);
    expect(good.decision.reasons).not.toContain("fields_mismatch");

    const forged = await renderTd1Card(SAMPLE_TD1_FIELDS, { printed: { birthDate: "02.11.71" } });
    const bad = decideDocuments(
      await analyse([
        { kind: "card-front", bytes: forged.front.png },
        { kind: "card-back", bytes: card.back.png },
      ]),
    );
    const fields = bad.signals.fields as ReturnType<typeof crossCheckFields>;
    expect(fields.fields.birthDate.status).toBe("mismatching");
    expect(bad.decision.reasons).toContain("fields_mismatch");
  }, 180_000);
});

describe("driver licence: front's printed fields against the back's AAMVA barcode", () => {
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

  it("matches a consistent licence and flags a front with another name", async () => {
    const back = await renderLicenceBack(buildAamvaPayload(JANE));
    const front = await renderLicenceFront(JANE);
    const good = decideDocuments(
      await analyse([
        { kind: "card-front", bytes: front },
        { kind: "card-back", bytes: back },
      ]),
    );
    const fields = good.signals.fields as ReturnType<typeof crossCheckFields>;
    expect(fields.against).toBe("aamva");
    expect(fields.mismatch).toBe(false);
    expect(fields.fields.surname.status).toBe("matching");
    expect(fields.fields.documentNumber.status).toBe("matching");
    expect(fields.fields.birthDate.status).toBe("matching");
    expect(good.decision.reasons).not.toContain("fields_mismatch");

    const other = await renderLicenceFront({ ...JANE, lastName: "SAMPLE" });
    const bad = decideDocuments(
      await analyse([
        { kind: "card-front", bytes: other },
        { kind: "card-back", bytes: back },
      ]),
    );
    expect(bad.decision.reasons).toContain("fields_mismatch");
    expect(bad.person.status).toBe("FIELDS_MISMATCH");
  }, 180_000);
});

describe("golden: ICAO UTOPIA specimen (shared/eval/documents/passporteye-tests/passport-td3.png)", () => {
  it("reads the printed name, number and birth date, all matching the MRZ", async () => {
    const read = await reader.read(readFileSync(utopia), { side: "passport" });
    if (read.kind !== "ok" || !read.mrz || !read.visualZone)
      throw new Error(`expected a read, got ${read.kind}`);
    const f = read.mrz.fields;
    const check = crossCheckFields(
      read.visualZone.lines,
      {
        surname: f.surname ?? "",
        givenNames: f.givenNames ?? "",
        documentNumber: f.documentNumber ?? "",
        birthDateIso: f.birthDateIso ?? "",
        expiryDateIso: f.expiryDateIso ?? "",
      },
      "mrz",
    );
    expect(check.mismatch).toBe(false);
    // Tolerance: 5/5 here today; at least the names and the number must match.
    expect(check.matching).toBeGreaterThanOrEqual(4);
    for (const k of ["surname", "givenNames", "documentNumber"] as const)
      expect(check.fields[k].status).toBe("matching");
    // No MRZ text among the visual-zone lines, and a bounded number of recogniser runs.
    expect(read.visualZone.lines.some((l) => l.text.includes("<<"))).toBe(false);
    expect(read.visualZone.lines.length).toBeLessThanOrEqual(36);
  }, 120_000);
});
