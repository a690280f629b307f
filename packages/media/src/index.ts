export { createFsMediaStore } from "./fs-media-store.ts";
export { assertSafeKey, type MediaStore, type StoredObject } from "./media-store.ts";
