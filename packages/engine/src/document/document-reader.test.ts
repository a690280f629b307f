import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDocumentReader, type DocumentReader } from "./create-document-reader.ts";
import type { DocumentRead, DocumentReadOk } from "./document-read.ts";
import {
  degradeDocument,
  type RenderedDocument,
  renderTd1Card,
  renderTd3DataPage,
  SAMPLE_TD1_FIELDS,
  SAMPLE_TD3_FIELDS,
} from "./fixtures/render-document.ts";
import { readDocuments } from "./read-documents.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const evalRoot = path.resolve(here, "../../../..", "../shared/eval");
const utopiaDir = path.join(evalRoot, "documents/passporteye-tests");
const astronaut = path.join(evalRoot, "faces/skimage/astronaut.png");

let reader: DocumentReader;
let td3: RenderedDocument;
let td1: { front: RenderedDocument; back: RenderedDocument };

beforeAll(async () => {
  for (const p of [utopiaDir, astronaut]) {
    if (!existsSync(p)) throw new Error(`test data missing: ${p}`);
  }
  reader = await createDocumentReader();
  const portrait = readFileSync(astronaut);
  td3 = await renderTd3DataPage(SAMPLE_TD3_FIELDS, { portrait });
  td1 = await renderTd1Card(SAMPLE_TD1_FIELDS, { portrait });
});

afterAll(async () => {
  await reader?.dispose();
});

function expectOk(read: DocumentRead): DocumentReadOk {
  if (read.kind !== "ok") throw new Error(`expected ok, got ${read.kind}`);
  return read;
}

describe("synthetic TD3 passport page", () => {
  it("reads the MRZ without repair and crops the portrait", async () => {
    const read = expectOk(await reader.read(td3.png, { side: "passport" }));
    expect(read.mrz?.valid).toBe(true);
    expect(read.mrzRepaired).toBe(false);
    expect(read.mrz?.lines).toEqual(td3.mrzLines);
    expect(read.mrz?.fields.surname).toBe("MUSTERMANN");
    expect(read.mrz?.fields.documentNumber).toBe("C01X00T47");
    expect(read.rotation).toBe(0);
    expect(read.portrait).not.toBeNull();
    const box = read.portrait?.box;
    const truth = td3.portraitBox;
    if (!box || !truth) throw new Error("portrait box missing");
    // The crop must contain the printed photo's centre and stay on the left of the page.
    expect(box.x).toBeLessThan(truth.x + truth.width / 2);
    expect(box.x + box.width).toBeGreaterThan(truth.x + truth.width / 2);
    expect(box.y).toBeLessThan(truth.y + truth.height / 2);
    expect(box.y + box.height).toBeGreaterThan(truth.y + truth.height / 2);
    expect(box.x + box.width).toBeLessThan(td3.width * 0.6);
    const meta = await sharp(read.portrait?.image).metadata();
    expect(meta.format).toBe("jpeg");
    expect(read.timings.total).toBeGreaterThan(0);
  });

  it("finds and flattens the page under a mild perspective warp", async () => {
    const { image } = await degradeDocument(td3.png, { perspective: 0.08, blur: 0.6, jpegQuality: 85 });
    const read = expectOk(await reader.read(image));
    expect(read.quadDetected).toBe(true);
    expect(read.mrz?.lines).toEqual(td3.mrzLines);
  });

  it("applies EXIF orientation before reading", async () => {
    // Pixels turned 270° clockwise; EXIF orientation 6 tells viewers to turn them 90° clockwise back.
    const rotated = await sharp(td3.png)
      .rotate(270)
      .jpeg({ quality: 90 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const read = expectOk(await reader.read(rotated));
    expect(read.rotation).toBe(0);
    expect(read.mrz?.lines).toEqual(td3.mrzLines);
  });

  it("detects a page turned upside down", async () => {
    const { image } = await degradeDocument(td3.png, { rotate: 180 });
    const read = expectOk(await reader.read(image));
    expect(read.rotation).toBe(180);
    expect(read.mrz?.lines).toEqual(td3.mrzLines);
  });
});

describe("synthetic TD1 card", () => {
  it("reads the back, also warped and upside down", async () => {
    const plain = expectOk(await reader.read(td1.back.png, { side: "back" }));
    expect(plain.mrz?.format).toBe("TD1");
    expect(plain.mrz?.lines).toEqual(td1.back.mrzLines);
    expect(plain.portrait).toBeNull();

    const warped = await degradeDocument(td1.back.png, { perspective: 0.08 });
    expect(expectOk(await reader.read(warped.image)).mrz?.lines).toEqual(td1.back.mrzLines);

    const flipped = await degradeDocument(td1.back.png, { rotate: 180, blur: 0.8 });
    const read = expectOk(await reader.read(flipped.image));
    expect(read.rotation).toBe(180);
    expect(read.mrz?.fields.givenNames).toBe("CLAIRE ANNE");
  });

  it("returns the front's portrait without an MRZ, and unreadable when a back was expected", async () => {
    const front = expectOk(await reader.read(td1.front.png, { side: "front" }));
    expect(front.mrz).toBeNull();
    expect(front.portrait?.box.x).toBeLessThan(td1.front.width * 0.2);
    const asBack = await reader.read(td1.front.png, { side: "back" });
    expect(asBack.kind).toBe("unreadable");
  });

  it("turns a front upright from its printed text", async () => {
    const { image } = await degradeDocument(td1.front.png, { rotate: 90, jpegQuality: 85 });
    const read = expectOk(await reader.read(image, { side: "front" }));
    expect(read.rotation).toBe(270);
    expect(read.portrait?.box.x).toBeLessThan(td1.front.width * 0.2);
    expect(read.portrait?.box.width).toBeLessThan(td1.front.width * 0.5);
  });
});

describe("UTOPIA specimens", () => {
  const expected = JSON.parse(readFileSync(path.join(utopiaDir, "expected.json"), "utf8")) as Record<
    string,
    {
      number: string;
      date_of_birth: string;
      expiration_date: string;
      surname: string;
      names: string;
      sex: string;
    }
  >;
  for (const file of ["passport-td3.png", "passport-td2.jpg"]) {
    it(`reads ${file} to its expected fields`, async () => {
      const want = expected[file];
      if (!want) throw new Error(`no expectation for ${file}`);
      const read = expectOk(await reader.read(readFileSync(path.join(utopiaDir, file))));
      const f = read.mrz?.fields;
      expect(read.mrz?.valid).toBe(true);
      expect(f?.documentNumber).toBe(want.number);
      expect(f?.birthDate).toBe(want.date_of_birth);
      expect(f?.expiryDate).toBe(want.expiration_date);
      expect(f?.surname).toBe(want.surname);
      expect(f?.givenNames).toBe(want.names);
      expect(f?.sex).toBe(want.sex);
    });
  }
});

describe("readDocuments (CLI)", () => {
  it("gives one Identomat-shaped record per file, including unreadable files", async () => {
    const file = path.join(utopiaDir, "passport-td3.png");
    const missing = path.join(utopiaDir, "does-not-exist.jpg");
    const now = () => new Date("2026-11-25T12:00:00Z");
    const [rec, gone] = await readDocuments([file, missing], { reader, now });
    expect(rec?.document_type).toBe("passport");
    expect(rec?.person).toMatchObject({
      last_name: "ERIKSSON",
      first_name: "ANNA MARIA",
      document_number: "L898902C3",
      birthday: "8/12/1974",
      document_expires: "4/15/2012",
      sex: "F",
      issuing_state: "UTO",
    });
    expect(gone).toMatchObject({ file: missing, outcome: "image_unreadable", document_type: "", person: {} });
  });
});

describe("non-documents", () => {
  it("answers no_document for a plain photo and image_unreadable for garbage", async () => {
    const photo = await reader.read(readFileSync(astronaut));
    expect(photo.kind).toBe("no_document");
    const flat = await sharp({ create: { width: 640, height: 400, channels: 3, background: "#8a8f95" } })
      .png()
      .toBuffer();
    expect((await reader.read(flat, { side: "back" })).kind).toBe("no_document");
    expect((await reader.read(Buffer.from("not an image"))).kind).toBe("image_unreadable");
  });
});
