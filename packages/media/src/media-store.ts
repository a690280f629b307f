/**
 * Where media bytes live. The database keeps the index (kind, content type, hash); the bytes go to a
 * MediaStore: the local filesystem now, S3-compatible object storage in a multi-process deployment.
 * @module
 */
import type { Readable } from "node:stream";

export interface StoredObject {
  size: number;
  sha256: string;
}

export interface MediaStore {
  /** Writes atomically: a reader sees the whole object or nothing. */
  put(key: string, body: Buffer | Readable): Promise<StoredObject>;
  /** The bytes, or null when absent. */
  get(key: string): Promise<Buffer | null>;
  /** Deletes every object whose key starts with `prefix` (a session's folder). */
  deletePrefix(prefix: string): Promise<void>;
  /** Reachability check for readiness probes. */
  check(): Promise<void>;
}

/** Keys are built only from our own ids; this rejects anything that could escape a prefix. */
export function assertSafeKey(key: string): void {
  if (!/^[a-z0-9][a-z0-9/_.-]{0,300}$/.test(key) || key.includes("..") || key.includes("//")) {
    throw new Error("unsafe media key");
  }
}
