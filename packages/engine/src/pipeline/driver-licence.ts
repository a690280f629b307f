/**
 * Driver licences / US-Canadian ID cards: the PDF417 barcode on the card back, parsed as AAMVA, mapped
 * to Identomat's `person`, `id_card_back` and `document_type`.
 * @module
 */
import { type AamvaFields, type AamvaSex, isAamvaPayload, parseAamva } from "../aamva/index.ts";
import { type BarcodeReader, createBarcodeReader } from "../barcode/index.ts";
import { ageOn, type IdentomatPerson, usDate } from "../document/person-from-mrz.ts";

/** What a card back's barcode gave, as plain JSON (stored with the capture's analysis). */
export interface AamvaRead {
  /** Header read, mandatory elements present, no parse errors. */
  valid: boolean;
  version: number | null;
  issuerId: string | null;
  fields: AamvaFields;
  /** Error codes of the parse (empty when valid). */
  errors: string[];
  /** Degrees the image was counter-rotated before it decoded. */
  angle: number;
}

/** Quick reader (no counter-rotation retries: ~10–50 ms) and the full one, both per thread. */
let quick: Promise<BarcodeReader> | null = null;
let thorough: Promise<BarcodeReader> | null = null;

function readers(): { quick: Promise<BarcodeReader>; thorough: Promise<BarcodeReader> } {
  quick ??= createBarcodeReader({ retryAngles: [] });
  thorough ??= createBarcodeReader();
  // A failed load is retried by the next capture rather than kept for good.
  quick.catch(() => {
    quick = null;
  });
  thorough.catch(() => {
    thorough = null;
  });
  return { quick, thorough };
}

/**
 * Reads the AAMVA barcode of a card back. `quick` tries the image as given (upright, 90°, 180°
 * through zxing's own rotation); the thorough pass adds counter-rotations up to ±15°, which costs up
 * to ~1 s on an image without a barcode, so callers use it only once the MRZ read failed.
 */
export async function readAamvaBarcode(
  image: Uint8Array,
  mode: "quick" | "thorough",
  reader?: BarcodeReader,
): Promise<AamvaRead | null> {
  // A reader passed in (tests, benchmarks) serves the thorough pass; the quick pass keeps its own.
  const r = mode === "thorough" && reader ? reader : await readers()[mode];
  const hit = await r.readPdf417(Buffer.from(image), { accept: (h) => isAamvaPayload(h.text) });
  if (!hit) return null;
  const parsed = parseAamva(hit.text);
  return {
    valid: parsed.valid,
    version: parsed.version,
    issuerId: parsed.issuerId,
    fields: parsed.fields,
    errors: parsed.errors.map((e) => (e.element ? `${e.code}:${e.element}` : e.code)),
    angle: hit.angle,
  };
}

/** Identomat document type: an AAMVA "DL" subfile is a driver licence, "ID" an identification card. */
export function documentTypeOfAamva(read: AamvaRead): "driver_license" | "id" {
  return read.fields.documentType === "ID" ? "id" : "driver_license";
}

function isoMidnight(iso: string): string {
  return `${iso}T00:00:00.000Z`;
}

function personSex(sex: AamvaSex | undefined): "M" | "F" | undefined {
  return sex === "M" || sex === "F" ? sex : undefined;
}

/** `person` from AAMVA fields: names as printed, US dates, the country (USA/CAN) as issuing state. */
export function personFromAamva(f: AamvaFields, now: Date): IdentomatPerson {
  const p: IdentomatPerson = {};
  const given = [f.firstName, f.middleName].filter((v): v is string => Boolean(v)).join(" ");
  if (given) p.first_name = given;
  if (f.lastName) p.last_name = f.lastName;
  if (f.birthDate) {
    p.birthday = usDate(f.birthDate);
    p.birthday_time = isoMidnight(f.birthDate);
    p.age = ageOn(f.birthDate, now);
  }
  if (f.documentNumber) p.document_number = f.documentNumber;
  if (f.expiryDate) {
    p.document_expires = usDate(f.expiryDate);
    p.document_expires_time = isoMidnight(f.expiryDate);
  }
  if (f.country) p.issuing_state = f.country;
  const sex = personSex(f.sex);
  if (sex) p.sex = sex;
  return p;
}

/** Identomat's per-side OCR map (`<Field>_en_US`) for the card back, from AAMVA fields. */
export function sideMapFromAamva(f: AamvaFields): Record<string, string> {
  const us = (iso: string | undefined) => (iso ? usDate(iso) : undefined);
  const given = [f.firstName, f.middleName].filter((v): v is string => Boolean(v)).join(" ");
  const entries: [string, string | undefined][] = [
    ["Given_Names_en_US", given || undefined],
    ["Surname_en_US", f.lastName],
    ["Document_Number_en_US", f.documentNumber],
    ["Issuing_State_Code_en_US", f.country],
    ["Jurisdiction_en_US", f.state],
    ["Sex_en_US", f.sex],
    ["Date_of_Birth_en_US", us(f.birthDate)],
    ["Date_of_Expiry_en_US", us(f.expiryDate)],
    ["Date_of_Issue_en_US", us(f.issueDate)],
    ["Date_of_Birth_ISO", f.birthDate],
    ["Date_of_Expiry_ISO", f.expiryDate],
    [
      "Address_en_US",
      [f.street, f.street2, f.city, f.state, f.postalCode].filter(Boolean).join(", ") || undefined,
    ],
    ["Vehicle_Class_en_US", f.vehicleClass],
    ["Restrictions_en_US", f.restrictions],
    ["Endorsements_en_US", f.endorsements],
  ];
  return Object.fromEntries(
    entries.filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  );
}
