/**
 * Identity-document reading: document quad, orientation, MRZ OCR and parsing, consensus, portrait.
 * @module
 */
export {
  checkDigitsVerify,
  createDocumentReader,
  type DocumentReader,
  type DocumentReaderOptions,
} from "./create-document-reader.ts";
export {
  type CrossCheckedField,
  crossCheckFields,
  DECIDING_FIELDS,
  type FieldCheck,
  type FieldReference,
  type FieldStatus,
  type FieldsCrossCheck,
  mergeCrossChecks,
} from "./cross-check-fields.ts";
export type {
  DocumentQuality,
  DocumentRead,
  DocumentReadHints,
  DocumentReadImageUnreadable,
  DocumentReadNoDocument,
  DocumentReadOk,
  DocumentReadUnreadable,
  DocumentTimings,
  PixelBox,
} from "./document-read.ts";
export { consensus, type MrzConsensus, type MrzObservation } from "./mrz-consensus.ts";
export { ageOn, type IdentomatPerson, personFromMrz } from "./person-from-mrz.ts";
export {
  type DocumentRecord,
  documentTypeOf,
  type IdentomatDocumentType,
  readDocuments,
  recordFromRead,
} from "./read-documents.ts";
export { readVisualZone, type VisualZoneLine, type VisualZoneRead } from "./read-visual-zone.ts";
