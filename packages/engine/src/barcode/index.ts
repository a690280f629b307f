/**
 * PDF417 barcode reading (zxing-wasm, offline) with counter-rotation retries.
 * @module
 */
export {
  type BarcodeReader,
  type BarcodeReaderOptions,
  type BarcodeReadResult,
  createBarcodeReader,
  type ReadPdf417Options,
} from "./create-barcode-reader.ts";
