/**
 * ICAO 9303 MRZ parsing, OCR clean-up and fixture generation.
 * @module
 */
export { checkDigit } from "./check-digit.ts";
export { generateMrz, type MrzGenerateFields } from "./generate-mrz.ts";
export { isMrzStateCode } from "./mrz-states.ts";
export type {
  MrzCheck,
  MrzCheckName,
  MrzError,
  MrzErrorCode,
  MrzFields,
  MrzFormat,
  MrzParseOptions,
  MrzParseResult,
  MrzSex,
} from "./mrz-types.ts";
export {
  type MrzNormalizeChange,
  type MrzNormalizeChangeKind,
  type MrzNormalizeResult,
  normalizeMrzLines,
} from "./normalize-mrz-lines.ts";
export { parseMrz } from "./parse-mrz.ts";
