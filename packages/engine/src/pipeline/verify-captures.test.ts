/**
 * The whole verification on generated documents: a TD3 data page rendered with one photo of a person
 * as its portrait, and a different photo of the same person (or of someone else) as the selfie.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAamvaPayload, renderLicenceBack } from "../aamva/fixtures/make-licence.ts";
import {
  renderLicenceFront,
  renderTd3DataPage,
  SAMPLE_TD3_FIELDS,
} from "../document/fixtures/render-document.ts";
import { createDocumentReader, type DocumentReader } from "../document/index.ts";
import { createFaceEngine, DEFAULT_MATCH_THRESHOLDS, type FaceEngine } from "../face/index.ts";
import { type VerifyInput, verifyCaptures } from "./verify-captures.ts";

const faces = path.resolve(import.meta.dirname, "../../../../../shared/eval/faces");
if (!existsSync(faces)) throw new Error(`test data missing: ${faces}`);
const img = (f: string) => readFileSync(path.join(faces, f));

let face: FaceEngine;
let documents: DocumentReader;
let passport: Buffer;
let expiredPassport: Buffer;

const base = (captures: VerifyInput["captures"]): VerifyInput => ({
  captures,
  required: { document: true, face: true, liveness: false },
  documentTypes: [],
  documentCountries: [],
  now: new Date("2026-11-25T12:00:00Z"),
  policy: {
    acceptSimilarity: DEFAULT_MATCH_THRESHOLDS.accept,
    rejectSimilarity: DEFAULT_MATCH_THRESHOLDS.reject,
    minAge: 18,
  },
});

beforeAll(async () => {
  [face, documents] = await Promise.all([createFaceEngine(), createDocumentReader()]);
  passport = (await renderTd3DataPage(SAMPLE_TD3_FIELDS, { portrait: img("deepface/img1.jpg") })).png;
  expiredPassport = (
    await renderTd3DataPage(
      { ...SAMPLE_TD3_FIELDS, expiryDate: "240101" },
      { portrait: img("deepface/img1.jpg") },
    )
  ).png;
}, 120_000);

afterAll(async () => {
  face?.dispose();
  await documents?.dispose();
});

describe("verifyCaptures", () => {
  it("approves the document holder and fills the result fields", async () => {
    const out = await verifyCaptures(
      base([
        { kind: "passport", bytes: passport },
        { kind: "face", bytes: img("deepface/img2.jpg") },
      ]),
      { face, documents },
    );
    expect(out.decision).toMatchObject({ status: "approved", reasons: [] });
    expect(out.similarity).toBeGreaterThanOrEqual(DEFAULT_MATCH_THRESHOLDS.accept);
    expect(out.documentType).toBe("passport");
    expect(out.person).toMatchObject({
      last_name: "MUSTERMANN",
      first_name: "ERIKA",
      document_number: "C01X00T47",
      sex: "F",
      age: 43,
    });
    expect(out.idCardFront).toMatchObject({
      Surname_en_US: "MUSTERMANN",
      Document_Number_en_US: "C01X00T47",
      Date_of_Birth_en_US: "8/12/1983",
    });
    expect(out.faceImages).toBe(1);
    expect(Object.keys(out.timings)).toEqual(["decide", "passport#0", "face#1"]);
  });

  it("rejects someone else holding the document", async () => {
    const out = await verifyCaptures(
      base([
        { kind: "passport", bytes: passport },
        { kind: "face", bytes: img("deepface/img3.jpg") },
      ]),
      { face, documents },
    );
    expect(out.decision.status).toBe("rejected");
    expect(out.decision.rejectReason.value).toBe("face_mismatch");
    expect(out.similarity).toBeLessThan(DEFAULT_MATCH_THRESHOLDS.reject);
  });

  it("rejects an expired document and a liveness session without its challenge frames", async () => {
    const expired = await verifyCaptures(
      base([
        { kind: "passport", bytes: expiredPassport },
        { kind: "face", bytes: img("deepface/img2.jpg") },
      ]),
      { face, documents },
    );
    expect(expired.decision.reasons).toContain("document_expired");
    const noLiveness = await verifyCaptures(
      {
        ...base([
          { kind: "passport", bytes: passport },
          { kind: "face", bytes: img("deepface/img2.jpg") },
        ]),
        required: { document: true, face: true, liveness: true },
      },
      { face, documents },
    );
    expect(noLiveness.decision.status).toBe("rejected");
    expect(noLiveness.decision.reasons).toContain("capture_missing");
  });

  it("reads a driver licence from its card back's PDF417 and matches the front's portrait", async () => {
    const licence = {
      number: "D7654321",
      lastName: "MUSTERMANN",
      firstName: "ERIKA",
      birthDate: "1983-08-12",
      issueDate: "2023-01-10",
      expiryDate: "2031-08-12",
      sex: "F",
      state: "NY",
    } as const;
    // The front prints the same person as the barcode (the printed fields are cross-checked).
    const front = await renderLicenceFront(licence, { portrait: img("deepface/img1.jpg") });
    const back = await renderLicenceBack(buildAamvaPayload(licence), { jpegQuality: 90 });
    const out = await verifyCaptures(
      {
        ...base([
          { kind: "card-front", bytes: front },
          { kind: "card-back", bytes: back },
          { kind: "face", bytes: img("deepface/img2.jpg") },
        ]),
        documentTypes: ["driver_license"],
      },
      { face, documents },
    );
    expect(out.documentType).toBe("driver_license");
    expect(out.person).toMatchObject({ last_name: "MUSTERMANN", document_number: "D7654321", age: 43 });
    expect(out.idCardBack).toMatchObject({ Document_Number_en_US: "D7654321" });
    expect(out.decision).toMatchObject({ status: "approved", reasons: [] });
  });

  it("rejects a session whose document images hold no document", async () => {
    const out = await verifyCaptures(
      base([
        { kind: "passport", bytes: img("deepface/img2.jpg") },
        { kind: "face", bytes: img("deepface/img2.jpg") },
      ]),
      { face, documents },
    );
    expect(out.decision.status).not.toBe("approved");
    expect(out.person).toEqual({});
  });
});
