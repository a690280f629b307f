export {
  createEncryptedMediaStore,
  decryptMediaStream,
  encryptMediaStream,
  isEncryptedMedia,
  MEDIA_RECORD_BYTES,
  MediaIntegrityError,
  type MediaKeyring,
} from "./encrypted-media-store.ts";
export { createFsMediaStore } from "./fs-media-store.ts";
export { assertSafeKey, type MediaStore, type StoredObject } from "./media-store.ts";
export { createS3MediaStore, type S3MediaStore, type S3MediaStoreOptions } from "./s3-media-store.ts";
