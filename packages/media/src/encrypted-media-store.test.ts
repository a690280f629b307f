import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createEncryptedMediaStore,
  isEncryptedMedia,
  MEDIA_RECORD_BYTES,
  MediaIntegrityError,
  type MediaKeyring,
} from "./encrypted-media-store.ts";
import { createFsMediaStore } from "./fs-media-store.ts";
import type { MediaStore } from "./media-store.ts";

let root: string;
let keys: Map<string, Buffer>;
let inner: MediaStore;
let store: MediaStore;

/** One key per session folder, like the server's vault; deleting the entry destroys the key. */
const keyring: MediaKeyring = {
  async keyForWrite(k) {
    const session = k.split("/").slice(0, 4).join("/");
    let key = keys.get(session);
    if (!key) {
      key = randomBytes(32);
      keys.set(session, key);
    }
    return key;
  },
  async keyForRead(k) {
    return keys.get(k.split("/").slice(0, 4).join("/")) ?? null;
  },
};

const JPEG_HEADER = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
function jpegLike(size: number): Buffer {
  const b = randomBytes(size);
  JPEG_HEADER.copy(b, 0);
  if (size > 200) Buffer.from("MUSTERMANN C01X00T47").copy(b, 100);
  return b;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-enc-media-"));
  keys = new Map();
  inner = createFsMediaStore(root);
  store = createEncryptedMediaStore(inner, keyring);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const KEY = "companies/c1/sessions/s1/passport-1";

describe("encrypted media store", () => {
  it("round-trips every size around the record boundary; stores no plaintext", async () => {
    for (const size of [
      0,
      1,
      11,
      MEDIA_RECORD_BYTES - 1,
      MEDIA_RECORD_BYTES,
      MEDIA_RECORD_BYTES + 1,
      3 * MEDIA_RECORD_BYTES,
    ]) {
      const plain = jpegLike(size);
      const k = `companies/c1/sessions/s1/face-${size}`;
      const stored = await store.put(k, plain);
      // The index records the plaintext's size and hash, as before encryption.
      expect(stored).toEqual({ size, sha256: createHash("sha256").update(plain).digest("hex") });
      const raw = fs.readFileSync(path.join(root, ...k.split("/")));
      expect(isEncryptedMedia(raw)).toBe(true);
      expect(raw.subarray(0, 3).equals(JPEG_HEADER.subarray(0, 3))).toBe(false);
      if (size > 200) {
        expect(raw.includes(JPEG_HEADER)).toBe(false);
        expect(raw.includes(Buffer.from("MUSTERMANN"))).toBe(false);
      }
      expect((await store.get(k))?.equals(plain)).toBe(true);
    }
  });

  it("streams: encrypts a stream of odd-sized chunks without holding it whole", async () => {
    const chunks = Array.from({ length: 300 }, (_, i) => randomBytes(1000 + ((i * 7919) % 9000)));
    const plain = Buffer.concat(chunks);
    let inFlight = 0;
    let maxInFlight = 0;
    const source = Readable.from(
      (async function* () {
        for (const c of chunks) {
          inFlight += c.length;
          maxInFlight = Math.max(maxInFlight, inFlight);
          yield c;
        }
      })(),
    );
    // Count what the inner store has received: the encryptor must pass records on as it goes.
    const counting: MediaStore = {
      ...inner,
      async put(k, body) {
        const b = body as Readable;
        const passthrough = Readable.from(
          (async function* () {
            for await (const part of b) {
              inFlight -= Math.min(inFlight, (part as Buffer).length);
              yield part as Buffer;
            }
          })(),
        );
        return inner.put(k, passthrough);
      },
    };
    const s = createEncryptedMediaStore(counting, keyring);
    await s.put(KEY, source);
    expect((await s.get(KEY))?.equals(plain)).toBe(true);
    expect(plain.length).toBeGreaterThan(1_500_000);
    // At most about one record (plus one chunk and stream buffers) was ever pending.
    expect(maxInFlight).toBeLessThan(plain.length / 4);
  });

  it("detects altered, truncated, extended, reordered and moved objects", async () => {
    const plain = jpegLike(3 * MEDIA_RECORD_BYTES + 500);
    await store.put(KEY, plain);
    const file = path.join(root, ...KEY.split("/"));
    const good = fs.readFileSync(file);
    const rec = MEDIA_RECORD_BYTES + 16;
    const header = 20;
    const variants: [string, Buffer][] = [
      ["bit flip", Buffer.from(good).fill(good[5000] === 0 ? 1 : 0, 5000, 5001)],
      ["header flip", Buffer.from(good).fill(good[6] === 0 ? 1 : 0, 6, 7)],
      ["cut at a record boundary", good.subarray(0, header + 2 * rec)],
      ["cut inside a record", good.subarray(0, good.length - 100)],
      ["extended", Buffer.concat([good, good.subarray(header, header + rec)])],
      [
        "records swapped",
        Buffer.concat([
          good.subarray(0, header),
          good.subarray(header + rec, header + 2 * rec),
          good.subarray(header, header + rec),
          good.subarray(header + 2 * rec),
        ]),
      ],
      ["header only", good.subarray(0, header)],
    ];
    for (const [name, bytes] of variants) {
      fs.writeFileSync(file, bytes);
      await expect(store.get(KEY), name).rejects.toBeInstanceOf(MediaIntegrityError);
    }
    // The same bytes copied under another name of the same session do not open either.
    const other = "companies/c1/sessions/s1/face-9";
    await inner.put(other, good);
    await expect(store.get(other)).rejects.toBeInstanceOf(MediaIntegrityError);
    fs.writeFileSync(file, good);
    expect((await store.get(KEY))?.equals(plain)).toBe(true);
  });

  it("reads nothing once the session key is destroyed, even if the bytes are still there", async () => {
    await store.put(KEY, jpegLike(1000));
    keys.delete("companies/c1/sessions/s1");
    expect(await store.get(KEY)).toBeNull();
    await store.deletePrefix("companies/c1/sessions/s1");
    expect(await inner.get(KEY)).toBeNull();
    expect(await store.get("companies/c1/sessions/s1/none")).toBeNull();
  });

  it("a failed source stream leaves no object", async () => {
    const failing = Readable.from(
      (async function* () {
        yield randomBytes(MEDIA_RECORD_BYTES * 2);
        throw new Error("client went away");
      })(),
    );
    await expect(store.put(KEY, failing)).rejects.toThrow(/client went away/);
    expect(await inner.get(KEY)).toBeNull();
  });
});

describe("encrypted media store over S3 (s3rver)", () => {
  it("stores only ciphertext in the bucket, reads back, detects tampering, deletes", async () => {
    const { startTestS3 } = await import("../test/s3-server.ts");
    const { createS3MediaStore } = await import("./s3-media-store.ts");
    const s3 = await startTestS3();
    const bucket = createS3MediaStore({
      endpoint: s3.endpoint,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
      bucket: s3.bucket,
    });
    try {
      const enc = createEncryptedMediaStore(bucket, keyring);
      const plain = jpegLike(5 * MEDIA_RECORD_BYTES + 123);
      // Streamed in small chunks, as an upload arrives.
      const chunks: Buffer[] = [];
      for (let at = 0; at < plain.length; at += 10_000) chunks.push(plain.subarray(at, at + 10_000));
      await enc.put(KEY, Readable.from(chunks));
      const raw = await bucket.get(KEY);
      expect(raw && isEncryptedMedia(raw)).toBe(true);
      expect(raw?.includes(JPEG_HEADER)).toBe(false);
      expect(raw?.includes(Buffer.from("MUSTERMANN"))).toBe(false);
      expect((await enc.get(KEY))?.equals(plain)).toBe(true);
      const altered = Buffer.from(raw ?? Buffer.alloc(0));
      altered[altered.length - 40] = (altered[altered.length - 40] ?? 0) ^ 0x20;
      await bucket.put(KEY, altered);
      await expect(enc.get(KEY)).rejects.toBeInstanceOf(MediaIntegrityError);
      await enc.deletePrefix("companies/c1/sessions/s1/");
      expect(await bucket.get(KEY)).toBeNull();
    } finally {
      bucket.close();
      await s3.close();
    }
  }, 60_000);
});
