/**
 * Maps MRZ fields to Identomat's `person` result keys. Shared by the CLI and the result API.
 * @module
 */
import type { MrzFields } from "../mrz/index.ts";

/** Identomat's `person` object, as far as an MRZ can fill it (all strings except `age`). */
export interface IdentomatPerson {
  first_name?: string;
  last_name?: string;
  /** M/D/YYYY */
  birthday?: string;
  /** ISO 8601, midnight UTC */
  birthday_time?: string;
  age?: number;
  citizenship?: string;
  nationality?: string;
  document_number?: string;
  /** M/D/YYYY */
  document_expires?: string;
  document_expires_time?: string;
  personal_number?: string;
  issuing_state?: string;
  sex?: "M" | "F";
  /** MRZ lines joined with "\n". */
  mrz?: string;
  /** Identomat's observed `"FIELDS_MISMATCH"`: the printed fields disagree with the MRZ / barcode. */
  status?: "FIELDS_MISMATCH";
}

/** ISO YYYY-MM-DD → Identomat's M/D/YYYY. */
export function usDate(iso: string): string {
  const [y, m, d] = iso.split("-");
  return `${Number(m)}/${Number(d)}/${y}`;
}

function isoMidnight(iso: string): string {
  return `${iso}T00:00:00.000Z`;
}

/** Whole years between an ISO birth date and `now` (UTC calendar). */
export function ageOn(birthIso: string, now: Date): number {
  const [y = 0, m = 1, d = 1] = birthIso.split("-").map(Number);
  let age = now.getUTCFullYear() - y;
  const beforeBirthday = now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d);
  if (beforeBirthday) age--;
  return age;
}

/**
 * Builds the `person` keys from parsed MRZ fields. Names are title-free upper case as printed;
 * `citizenship` and `nationality` are both the MRZ nationality (alpha-3), as Identomat reports them.
 * Sex "X" (unspecified) is left out because Identomat only uses "M"/"F".
 */
export function personFromMrz(fields: MrzFields, now: Date, lines?: readonly string[]): IdentomatPerson {
  const p: IdentomatPerson = {};
  if (fields.givenNames) p.first_name = fields.givenNames;
  if (fields.surname) p.last_name = fields.surname;
  if (fields.birthDateIso) {
    p.birthday = usDate(fields.birthDateIso);
    p.birthday_time = isoMidnight(fields.birthDateIso);
    p.age = ageOn(fields.birthDateIso, now);
  }
  if (fields.nationality) {
    p.citizenship = fields.nationality;
    p.nationality = fields.nationality;
  }
  if (fields.documentNumber) p.document_number = fields.documentNumber;
  if (fields.expiryDateIso) {
    p.document_expires = usDate(fields.expiryDateIso);
    p.document_expires_time = isoMidnight(fields.expiryDateIso);
  }
  if (fields.personalNumber) p.personal_number = fields.personalNumber;
  if (fields.issuingState) p.issuing_state = fields.issuingState;
  if (fields.sex === "M" || fields.sex === "F") p.sex = fields.sex;
  if (lines && lines.length > 0) p.mrz = lines.join("\n");
  return p;
}
