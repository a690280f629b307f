import { checkDigit } from "./check-digit.ts";
import { MRZ_LAYOUTS } from "./mrz-layout.ts";
import type { MrzFormat, MrzSex } from "./mrz-types.ts";

/** Values to print; text may use spaces or hyphens, which become fillers. */
export interface MrzGenerateFields {
  /** @default "P" for TD3, "V" for visas, "I" for TD1/TD2 */
  documentCode?: string;
  issuingState: string;
  surname: string;
  givenNames?: string;
  /** Up to 9 characters; TD1 and TD2 take longer numbers through the optional-data overflow. */
  documentNumber: string;
  nationality: string;
  /** YYMMDD */
  birthDate: string;
  sex: MrzSex;
  /** YYMMDD */
  expiryDate: string;
  /** TD3 only. */
  personalNumber?: string;
  /** TD1 line 1, TD2 and visa optional data (after any document-number overflow). */
  optionalData1?: string;
  /** TD1 line 2 only. */
  optionalData2?: string;
}

function toMrzText(s: string): string {
  return s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toUpperCase()
    .replace(/[\s\-']+/g, "<")
    .replace(/[^A-Z0-9<]/g, "");
}

/** Pads with fillers; truncates from the end when too long (ICAO truncates names the same way). */
function field(s: string, length: number): string {
  return toMrzText(s).padEnd(length, "<").slice(0, length);
}

function nameField(surname: string, givenNames: string | undefined, length: number): string {
  const given = givenNames ? toMrzText(givenNames) : "";
  return field(given ? `${toMrzText(surname)}<<${given}` : toMrzText(surname), length);
}

/**
 * Builds MRZ lines with correct check digits, for fixtures and tests. Text that does not fit is
 * truncated; a document number too long even for the overflow is truncated too.
 * @example generateMrz({ issuingState: "UTO", surname: "Eriksson", givenNames: "Anna Maria", documentNumber: "L898902C3",
 *   nationality: "UTO", birthDate: "740812", sex: "F", expiryDate: "120415", personalNumber: "ZE184226B" }, "TD3")
 */
export function generateMrz(fields: MrzGenerateFields, format: MrzFormat): string[] {
  const layout = MRZ_LAYOUTS[format];
  const visa = format === "MRVA" || format === "MRVB";
  const code = field(fields.documentCode ?? (format === "TD3" ? "P" : visa ? "V" : "I"), 2);
  const state = field(fields.issuingState, 3);
  const nationality = field(fields.nationality, 3);
  const birth = field(fields.birthDate, 6);
  const expiry = field(fields.expiryDate, 6);
  const sex = fields.sex === "X" ? "<" : fields.sex;
  const birthPart = `${birth}${checkDigit(birth)}`;
  const expiryPart = `${expiry}${checkDigit(expiry)}`;

  const number = toMrzText(fields.documentNumber).replace(/</g, "");
  const optionalLength = format === "TD1" ? 15 : format === "TD2" ? 7 : 0;
  let numberPart: string;
  let optional1 = toMrzText(fields.optionalData1 ?? "");
  if (number.length > 9 && optionalLength > 0) {
    // Overflow: `<` in the check slot, the rest of the number plus its check digit open the optional data.
    const tail = number.slice(9, 9 + optionalLength - 2);
    numberPart = `${number.slice(0, 9)}<`;
    optional1 = `${tail}${checkDigit(number.slice(0, 9) + tail)}<${optional1}`;
  } else {
    const principal = field(number, 9);
    numberPart = `${principal}${checkDigit(principal)}`;
  }

  if (format === "TD1") {
    const line1 = `${code}${state}${numberPart}${field(optional1, 15)}`;
    const opt2 = field(fields.optionalData2 ?? "", 11);
    const line2Data = `${birthPart}${sex}${expiryPart}${nationality}${opt2}`;
    const composite = checkDigit(`${line1.slice(5)}${birthPart}${expiryPart}${opt2}`);
    return [line1, `${line2Data}${composite}`, nameField(fields.surname, fields.givenNames, 30)];
  }

  const line1 = `${code}${state}${nameField(fields.surname, fields.givenNames, layout.lineLength - 5)}`;
  const head = `${numberPart}${nationality}${birthPart}${sex}${expiryPart}`;
  if (visa) return [line1, `${head}${field(optional1, layout.lineLength - 28)}`];
  if (format === "TD2") {
    const opt = field(optional1, 7);
    const composite = checkDigit(`${numberPart}${birthPart}${expiryPart}${opt}`);
    return [line1, `${head}${opt}${composite}`];
  }
  const personal = field(fields.personalNumber ?? "", 14);
  const personalPart = `${personal}${/^<*$/.test(personal) ? "<" : checkDigit(personal)}`;
  const composite = checkDigit(`${numberPart}${birthPart}${expiryPart}${personalPart}`);
  return [line1, `${head}${personalPart}${composite}`];
}
