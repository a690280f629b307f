/**
 * Public types of the AAMVA DL/ID card barcode parser.
 * @module
 */

export type AamvaSex = "M" | "F" | "X";

/** Normalised fields; values are trimmed, dates are ISO YYYY-MM-DD, absent data is left out. */
export interface AamvaFields {
  /** Type of the first DL/ID subfile: "DL" for a driver licence, "ID" for an identification card. */
  documentType?: "DL" | "ID";
  /** DAQ, the customer ID / licence number, as printed (test cards may carry "NONE"). */
  documentNumber?: string;
  lastName?: string;
  firstName?: string;
  /** Middle name(s); AAMVA's "NONE" is left out. */
  middleName?: string;
  nameSuffix?: string;
  /** DDE/DDF/DDG: true = truncated, false = not truncated; absent when unknown. */
  lastNameTruncated?: boolean;
  firstNameTruncated?: boolean;
  middleNameTruncated?: boolean;
  birthDate?: string;
  expiryDate?: string;
  issueDate?: string;
  sex?: AamvaSex;
  street?: string;
  street2?: string;
  city?: string;
  /** DAJ, the address jurisdiction code (state or province). */
  state?: string;
  postalCode?: string;
  /** DCG (USA/CAN), or inferred from the province code when the element is missing. */
  country?: string;
  eyeColor?: string;
  hairColor?: string;
  /** DAU as printed, e.g. "068 in". */
  height?: string;
  heightCm?: number;
  weight?: string;
  documentDiscriminator?: string;
  inventoryControlNumber?: string;
  vehicleClass?: string;
  restrictions?: string;
  endorsements?: string;
  /** DDA: F = fully compliant (REAL ID), N = non-compliant. */
  complianceType?: string;
  cardRevisionDate?: string;
  organDonor?: boolean;
  veteran?: boolean;
  under18Until?: string;
  under19Until?: string;
  under21Until?: string;
}

/** Stable codes. Errors make `valid` false; warnings are scanner artefacts that were worked around. */
export type AamvaIssueCode =
  | "NO_HEADER"
  | "MISSING_ELEMENT"
  | "INVALID_DATE"
  | "NO_ELEMENTS"
  | "NO_COMPLIANCE_INDICATOR"
  | "HRI_CONTROL_CODES"
  | "STRAY_CHARACTERS"
  | "ENTRY_COUNT"
  | "OFFSET_MISMATCH"
  | "MISSING_SUBFILE_TYPE"
  | "UNKNOWN_ELEMENT"
  | "DUPLICATE_ELEMENT"
  | "STRAY_DATA"
  | "NO_SEPARATORS"
  | "DATE_FORMAT";

export interface AamvaIssue {
  code: AamvaIssueCode;
  element?: string;
  message: string;
}

export interface AamvaSubfileEntry {
  type: string;
  offset: number;
  length: number;
}

export interface AamvaParseResult {
  /** Header read, mandatory identity elements present and readable, no errors. */
  valid: boolean;
  /** AAMVA standard version (1–10), null when the header could not be read. */
  version: number | null;
  jurisdictionVersion: number | null;
  /** Issuer identification number (636xxx / 604xxx). */
  issuerId: string | null;
  subfiles: AamvaSubfileEntry[];
  /** Every data element as found, by element ID (values untrimmed). */
  elements: Record<string, string>;
  fields: AamvaFields;
  errors: AamvaIssue[];
  warnings: AamvaIssue[];
}
