import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertSafeKey, type MediaStore, type StoredObject } from "./media-store.ts";

/** Media on the local disk under `root` (DATA_DIR/media). Writes go to a temp file, then rename. */
export function createFsMediaStore(root: string): MediaStore {
  const resolve = (key: string) => {
    assertSafeKey(key);
    return path.join(root, ...key.split("/"));
  };
  return {
    async put(key, body): Promise<StoredObject> {
      const file = resolve(key);
      await fsp.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
      const hash = createHash("sha256");
      let size = 0;
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      const out = fs.createWriteStream(tmp, { mode: 0o600 });
      try {
        await pipeline(
          source,
          async function* (chunks: AsyncIterable<Buffer>) {
            for await (const chunk of chunks) {
              hash.update(chunk);
              size += chunk.length;
              yield chunk;
            }
          },
          out,
        );
        await fsp.rename(tmp, file);
      } catch (err) {
        // The file is opened asynchronously: wait until the stream is closed, or the temp file could
        // appear after it was removed.
        if (!out.closed) await new Promise<void>((resolve) => out.once("close", () => resolve()));
        await fsp.rm(tmp, { force: true });
        throw err;
      }
      return { size, sha256: hash.digest("hex") };
    },

    async get(key) {
      try {
        return await fsp.readFile(resolve(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
    },

    async deletePrefix(prefix) {
      assertSafeKey(prefix.replace(/\/$/, ""));
      await fsp.rm(path.join(root, ...prefix.replace(/\/$/, "").split("/")), {
        recursive: true,
        force: true,
      });
    },

    async check() {
      await fsp.mkdir(root, { recursive: true });
      await fsp.access(root, fs.constants.W_OK);
    },
  };
}
