/**
 * Media encrypted at rest, over any MediaStore (filesystem, S3). Objects are written as a stream of
 * AES-256-GCM records, so an upload is never held whole in memory:
 *
 *   header  = "VMC1" | salt(16)
 *   record  = AES-256-GCM(objectKey, nonce = counter(8, big-endian) | 0 0 0 | final(1), aad = header)
 *             → ciphertext | tag(16); every record holds 64 KiB of plaintext except the last (0–64 KiB)
 *   objectKey = HKDF-SHA256(session key, salt, "verimat media v1 " + storage key)
 *
 * The counter in the nonce catches reordered or dropped records, the final flag catches an object cut
 * at a record boundary or extended past its end, the storage key in the derivation catches an object
 * copied under another name. The session key comes from a keyring: when the session was deleted its
 * key is gone, and so is every way to read the bytes.
 * @module
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { MediaStore, StoredObject } from "./media-store.ts";

export interface MediaKeyring {
  /** The 32-byte key objects under `storageKey` are written with (created on first use). */
  keyForWrite(storageKey: string): Promise<Buffer>;
  /** The key to read them back, or null when it was destroyed (the object is then treated as absent). */
  keyForRead(storageKey: string): Promise<Buffer | null>;
}

/** Thrown when stored bytes do not authenticate: altered, truncated, reordered or moved. */
export class MediaIntegrityError extends Error {
  constructor(storageKey: string) {
    super(`media object ${storageKey} failed authentication (altered, truncated or moved)`);
    this.name = "MediaIntegrityError";
  }
}

const MAGIC = Buffer.from("VMC1", "ascii");
const HEADER_BYTES = MAGIC.length + 16;
/** Plaintext bytes per record. */
export const MEDIA_RECORD_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const SEALED_RECORD_BYTES = MEDIA_RECORD_BYTES + TAG_BYTES;

function objectKey(sessionKey: Buffer, salt: Buffer, storageKey: string): Buffer {
  return Buffer.from(hkdfSync("sha256", sessionKey, salt, `verimat media v1 ${storageKey}`, 32));
}

function nonce(counter: number, final: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(counter), 0);
  n[11] = final ? 1 : 0;
  return n;
}

function sealRecord(key: Buffer, header: Buffer, counter: number, final: boolean, plain: Buffer): Buffer {
  const c = createCipheriv("aes-256-gcm", key, nonce(counter, final));
  c.setAAD(header);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function openRecord(key: Buffer, header: Buffer, counter: number, final: boolean, sealed: Buffer): Buffer {
  const d = createDecipheriv("aes-256-gcm", key, nonce(counter, final));
  d.setAAD(header);
  d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
}

/**
 * Encrypts a plaintext stream record by record; at most one record (plus one incoming chunk) is held
 * at a time. `stats` receives the plaintext's size and SHA-256 (what the media index records).
 */
export async function* encryptMediaStream(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
  sessionKey: Buffer,
  storageKey: string,
  stats: { size: number; sha256: string },
): AsyncGenerator<Buffer> {
  const salt = randomBytes(16);
  const header = Buffer.concat([MAGIC, salt]);
  const key = objectKey(sessionKey, salt, storageKey);
  const hash = createHash("sha256");
  yield header;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let counter = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    stats.size += chunk.length;
    pending.push(chunk);
    pendingBytes += chunk.length;
    // A full record is sealed only once more bytes follow it: the last record must carry the flag.
    if (pendingBytes > MEDIA_RECORD_BYTES) {
      const all = pending.length === 1 ? chunk : Buffer.concat(pending);
      let at = 0;
      while (all.length - at > MEDIA_RECORD_BYTES) {
        yield sealRecord(key, header, counter++, false, all.subarray(at, at + MEDIA_RECORD_BYTES));
        at += MEDIA_RECORD_BYTES;
      }
      pending = [all.subarray(at)];
      pendingBytes = all.length - at;
    }
  }
  yield sealRecord(key, header, counter, true, Buffer.concat(pending));
  stats.sha256 = hash.digest("hex");
}

/**
 * Decrypts a stored object's bytes as they arrive. @throws MediaIntegrityError on any mismatch, before
 * the plaintext of a failed record is released.
 */
export async function* decryptMediaStream(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
  sessionKey: Buffer,
  storageKey: string,
): AsyncGenerator<Buffer> {
  let buffered: Buffer = Buffer.alloc(0);
  let header: Buffer | null = null;
  let key: Buffer | null = null;
  let counter = 0;
  const fail = () => new MediaIntegrityError(storageKey);
  for await (const chunk of source) {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    if (!header) {
      if (buffered.length < HEADER_BYTES) continue;
      header = Buffer.from(buffered.subarray(0, HEADER_BYTES));
      if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw fail();
      key = objectKey(sessionKey, header.subarray(MAGIC.length), storageKey);
      buffered = buffered.subarray(HEADER_BYTES);
    }
    // Only records known not to be the last one are opened here (more bytes follow them).
    let at = 0;
    while (key && buffered.length - at > SEALED_RECORD_BYTES) {
      let plain: Buffer;
      try {
        plain = openRecord(key, header, counter++, false, buffered.subarray(at, at + SEALED_RECORD_BYTES));
      } catch {
        throw fail();
      }
      at += SEALED_RECORD_BYTES;
      yield plain;
    }
    if (at > 0) buffered = buffered.subarray(at);
  }
  if (!header || !key || buffered.length < TAG_BYTES) throw fail();
  try {
    yield openRecord(key, header, counter, true, buffered);
  } catch {
    throw fail();
  }
}

/** Whether stored bytes start like an encrypted object (tests and migration tools). */
export function isEncryptedMedia(bytes: Buffer): boolean {
  return bytes.length >= HEADER_BYTES && bytes.subarray(0, MAGIC.length).equals(MAGIC);
}

/**
 * Wraps `inner` so every object is encrypted under its session's key (see the module comment). The
 * size and SHA-256 returned by `put` are the plaintext's; `get` returns null when the object or its
 * key is gone and throws MediaIntegrityError when the bytes do not authenticate.
 */
export function createEncryptedMediaStore(inner: MediaStore, keyring: MediaKeyring): MediaStore {
  return {
    async put(key, body): Promise<StoredObject> {
      const sessionKey = await keyring.keyForWrite(key);
      const source: AsyncIterable<Buffer> | Iterable<Buffer> = Buffer.isBuffer(body) ? [body] : body;
      const stats = { size: 0, sha256: "" };
      await inner.put(key, Readable.from(encryptMediaStream(source, sessionKey, key, stats)));
      return { size: stats.size, sha256: stats.sha256 };
    },

    async get(key) {
      const sealed = await inner.get(key);
      if (!sealed) return null;
      const sessionKey = await keyring.keyForRead(key);
      if (!sessionKey) return null;
      const parts: Buffer[] = [];
      for await (const part of decryptMediaStream([sealed], sessionKey, key)) parts.push(part);
      return Buffer.concat(parts);
    },

    deletePrefix: (prefix) => inner.deletePrefix(prefix),
    check: () => inner.check(),
  };
}
