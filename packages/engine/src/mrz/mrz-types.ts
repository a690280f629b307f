/**
 * Public types of the MRZ parser (ICAO Doc 9303 machine-readable zones).
 * @module
 */

/** TD1 = 3×30 card, TD2 = 2×36, TD3 = 2×44 passport, MRVA = 2×44 visa, MRVB = 2×36 visa. */
export type MrzFormat = "TD1" | "TD2" | "TD3" | "MRVA" | "MRVB";

export type MrzSex = "M" | "F" | "X";

/**
 * Parsed MRZ fields. Text fields have their trailing fillers removed and inner fillers turned into
 * spaces (names, optional data); dates keep the printed YYMMDD plus an ISO date when it is a real date.
 */
export interface MrzFields {
  documentCode?: string;
  issuingState?: string;
  surname?: string;
  givenNames?: string;
  /** Full document number, including the TD1/TD2 overflow held in the optional data. */
  documentNumber?: string;
  nationality?: string;
  /** YYMMDD as printed (may contain `<` where the issuer did not know a part). */
  birthDate?: string;
  /** YYYY-MM-DD; the century is chosen so that the birth date is not in the future. */
  birthDateIso?: string;
  sex?: MrzSex;
  expiryDate?: string;
  /** YYYY-MM-DD; 20YY unless that is more than 50 years ahead of the reference date. */
  expiryDateIso?: string;
  /** TD3 personal number (optional data of line 2). */
  personalNumber?: string;
  /** TD1 line 1 optional data (as printed, so it includes a long document number's overflow), TD2 and visa optional data. */
  optionalData1?: string;
  /** TD1 line 2 optional data. */
  optionalData2?: string;
}

export type MrzCheckName =
  | "documentNumber"
  | "birthDate"
  | "expiryDate"
  | "personalNumber"
  | "optionalData"
  | "composite";

export interface MrzCheck {
  name: MrzCheckName;
  valid: boolean;
  /** The check digit computed from the data. */
  expected: string;
  /** The check digit printed in the MRZ. */
  actual: string;
}

/** Stable error codes; clients may branch on them. */
export type MrzErrorCode =
  | "LINE_LENGTH"
  | "CHECK_DIGIT"
  | "INVALID_STATE"
  | "INVALID_DATE"
  | "INVALID_CHARACTER"
  | "INVALID_DOCUMENT_CODE"
  | "UNKNOWN_FORMAT";

export interface MrzError {
  code: MrzErrorCode;
  field?: string;
  message: string;
}

export interface MrzParseResult {
  /** True only when the format is known and there is no error at all. */
  valid: boolean;
  format: MrzFormat | null;
  lines: string[];
  fields: MrzFields;
  checks: MrzCheck[];
  errors: MrzError[];
}

export interface MrzParseOptions {
  /** Reference "today" for resolving two-digit years. @default new Date() */
  now?: Date;
}
