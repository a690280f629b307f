/**
 * The verification engine: faces, liveness, documents and MRZ, barcodes and AAMVA. No HTTP, no
 * database: callers pass bytes in and get typed outcomes back.
 * @module
 */
export * from "./aamva/index.ts";
export * from "./barcode/index.ts";
export * from "./decision/index.ts";
export * from "./document/index.ts";
export * from "./face/index.ts";
// Liveness has its own geometry types (FaceBox) that differ from the face engine's.
export * as liveness from "./liveness/index.ts";
export * from "./mrz/index.ts";
export * from "./pipeline/index.ts";
