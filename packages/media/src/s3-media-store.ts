/**
 * Media in S3-compatible object storage (AWS S3, MinIO, Ceph, R2…) through the standard AWS SDK.
 * Uploads are streamed: lib-storage sends a single PUT for small objects and a multipart upload for
 * larger ones, holding at most `partSizeBytes × queueSize` in memory, never the whole object.
 * @module
 */
import { createHash } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  NoSuchKey,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { assertSafeKey, type MediaStore, type StoredObject } from "./media-store.ts";

export interface S3MediaStoreOptions {
  bucket: string;
  region: string;
  /** Absent: AWS's own endpoint for the region. */
  endpoint?: string | undefined;
  /** Absent: the SDK's default credential chain (environment, instance role…). */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  /** Path-style URLs (endpoint/bucket/key), which MinIO and most self-hosted servers need. */
  forcePathStyle?: boolean;
  /** Bytes per multipart part (S3's minimum is 5 MiB). @default 5 MiB */
  partSizeBytes?: number;
  /** Parts in flight per upload. @default 2 */
  queueSize?: number;
}

export interface S3MediaStore extends MediaStore {
  readonly client: S3Client;
  close(): void;
}

export function createS3MediaStore(o: S3MediaStoreOptions): S3MediaStore {
  const client = new S3Client({
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle ?? false,
    ...(o.accessKeyId && o.secretAccessKey
      ? { credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey } }
      : {}),
  });
  const Bucket = o.bucket;

  async function deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1_000) {
      const batch = keys.slice(i, i + 1_000);
      const r = await client.send(
        new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = r.Errors ?? [];
      if (failed.length > 0)
        throw new Error(`S3 delete failed for ${failed.length} object(s): ${failed[0]?.Code}`);
    }
  }

  return {
    client,

    async put(key, body): Promise<StoredObject> {
      assertSafeKey(key);
      const hash = createHash("sha256");
      let size = 0;
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      const pass = new PassThrough({ highWaterMark: 256 * 1024 });
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: pass, ContentType: "application/octet-stream" },
        partSize: o.partSizeBytes ?? 5 * 1024 * 1024,
        queueSize: o.queueSize ?? 2,
        leavePartsOnError: false,
      });
      const feeding = pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        pass,
      );
      try {
        // S3 makes an object visible only once its upload completed: a failed source leaves nothing.
        await Promise.all([feeding, upload.done()]);
      } catch (err) {
        await upload.abort().catch(() => undefined);
        pass.destroy();
        throw err;
      }
      return { size, sha256: hash.digest("hex") };
    },

    async get(key) {
      assertSafeKey(key);
      try {
        const r = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (!r.Body) return null;
        return Buffer.from(await r.Body.transformToByteArray());
      } catch (err) {
        if (err instanceof NoSuchKey) return null;
        if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return null;
        throw err;
      }
    },

    async deletePrefix(prefix) {
      const base = prefix.replace(/\/$/, "");
      assertSafeKey(base);
      // A folder on disk: the object named exactly so, and everything below it (not "base-other").
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: base, ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const obj of page.Contents ?? []) {
          if (obj.Key && (obj.Key === base || obj.Key.startsWith(`${base}/`))) keys.push(obj.Key);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      await deleteKeys(keys);
    },

    async check() {
      await client.send(new HeadBucketCommand({ Bucket }));
    },

    close() {
      client.destroy();
    },
  };
}
