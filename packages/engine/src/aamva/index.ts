/**
 * AAMVA DL/ID card barcode (PDF417 payload) parsing.
 * @module
 */
export { AAMVA_ELEMENT_IDS } from "./aamva-elements.ts";
export type {
  AamvaFields,
  AamvaIssue,
  AamvaIssueCode,
  AamvaParseResult,
  AamvaSex,
  AamvaSubfileEntry,
} from "./aamva-types.ts";
export { isAamvaPayload, parseAamva } from "./parse-aamva.ts";
