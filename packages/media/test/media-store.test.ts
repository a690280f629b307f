/**
 * One MediaStore suite over every back end: the local filesystem and S3-compatible storage (s3rver
 * started here). Round trips, streamed multipart uploads, atomic writes, prefix deletes, unsafe keys.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsMediaStore, createS3MediaStore, type MediaStore } from "../src/index.ts";
import { startTestS3, type TestS3 } from "./s3-server.ts";

interface Target {
  name: string;
  open(): Promise<{ store: MediaStore; broken: MediaStore; close(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: "filesystem",
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-media-"));
      const blocker = path.join(dir, "a-file");
      fs.writeFileSync(blocker, "");
      return {
        store: createFsMediaStore(path.join(dir, "media")),
        broken: createFsMediaStore(path.join(blocker, "media")), // below a file: cannot exist
        close: async () => fs.rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "S3 (s3rver)",
    async open() {
      const s3: TestS3 = await startTestS3();
      const opts = {
        endpoint: s3.endpoint,
        region: s3.region,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        forcePathStyle: true,
      };
      const store = createS3MediaStore({ ...opts, bucket: s3.bucket });
      const broken = createS3MediaStore({ ...opts, bucket: "no-such-bucket" });
      return {
        store,
        broken,
        async close() {
          store.close();
          broken.close();
          await s3.close();
        },
      };
    },
  },
];

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

function pattern(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe.each(targets)("media store on $name", (target) => {
  let store: MediaStore;
  let broken: MediaStore;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, broken, close } = await target.open());
  });
  afterAll(async () => {
    await close();
  });

  it("stores bytes and reads them back with their size and SHA-256; absent keys read as null", async () => {
    const body = pattern(70_001, 1);
    expect(await store.put("sessions/s1/card-front/a.jpg", body)).toEqual({
      size: body.length,
      sha256: sha(body),
    });
    expect(await store.get("sessions/s1/card-front/a.jpg")).toEqual(body);
    expect(await store.get("sessions/s1/card-front/none.jpg")).toBeNull();
    expect(await store.get("sessions/nobody/x.jpg")).toBeNull();
  });

  it("streams a large upload in parts (multipart on S3) and reads it back intact", async () => {
    const total = 11 * 1024 * 1024 + 123; // three 5 MiB parts on S3
    const whole = pattern(total, 7);
    let pulled = 0;
    const source = Readable.from(
      (function* () {
        for (let at = 0; at < total; at += 64 * 1024) {
          const chunk = whole.subarray(at, Math.min(total, at + 64 * 1024));
          pulled += chunk.length;
          yield chunk;
        }
      })(),
    );
    expect(await store.put("sessions/s2/face-video/v.webm", source)).toEqual({
      size: total,
      sha256: sha(whole),
    });
    expect(pulled).toBe(total);
    const back = await store.get("sessions/s2/face-video/v.webm");
    expect(back?.length).toBe(total);
    expect(back && sha(back)).toBe(sha(whole));
  });

  it("a failed upload leaves nothing behind and keeps the earlier object whole", async () => {
    const first = pattern(10_000, 3);
    await store.put("sessions/s3/passport/p.jpg", first);
    const failing = Readable.from(
      (function* () {
        yield pattern(50_000, 4);
        throw new Error("client went away");
      })(),
    );
    await expect(store.put("sessions/s3/passport/p.jpg", failing)).rejects.toThrow(/client went away/);
    await expect(
      store.put(
        "sessions/s3/passport/q.jpg",
        Readable.from(
          (function* () {
            yield pattern(6 * 1024 * 1024, 5); // past one S3 part: a multipart upload to abort
            throw new Error("too large");
          })(),
        ),
      ),
    ).rejects.toThrow(/too large/);
    expect(await store.get("sessions/s3/passport/p.jpg")).toEqual(first);
    expect(await store.get("sessions/s3/passport/q.jpg")).toBeNull();
  });

  it("deletes a session's folder and nothing else", async () => {
    await store.put("sessions/s4/face/a.jpg", Buffer.from("a"));
    await store.put("sessions/s4/card-front/b.jpg", Buffer.from("b"));
    await store.put("sessions/s40/face/c.jpg", Buffer.from("c"));
    await store.deletePrefix("sessions/s4/");
    expect(await store.get("sessions/s4/face/a.jpg")).toBeNull();
    expect(await store.get("sessions/s4/card-front/b.jpg")).toBeNull();
    expect(await store.get("sessions/s40/face/c.jpg")).toEqual(Buffer.from("c"));
    await store.deletePrefix("sessions/never-existed");
  });

  it("refuses keys that could escape a prefix", async () => {
    for (const key of ["../x", "sessions/../../etc/passwd", "/abs", "sessions//x", "Sessions/X"]) {
      await expect(store.put(key, Buffer.from("x"))).rejects.toThrow(/unsafe media key/);
      await expect(store.get(key)).rejects.toThrow(/unsafe media key/);
    }
    await expect(store.deletePrefix("../")).rejects.toThrow(/unsafe media key/);
  });

  it("reports reachability for the readiness probe", async () => {
    await expect(store.check()).resolves.toBeUndefined();
    await expect(broken.check()).rejects.toThrow();
  });
});
