import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// A "Redis" that accepts connections and never answers: every connection stays short of ready, as a
// real one does for a moment when the host is busy (how the CLI hang was found, on CI).
const sockets = new Set<net.Socket>();
const silent = net.createServer((socket) => {
  sockets.add(socket);
  socket.resume(); // read and drop what the client sends, so its hang-up is seen
  socket.on("close", () => sockets.delete(socket));
});
let url = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const address = silent.address();
  url = `redis://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe("runtime", () => {
  it("closes its Redis connections even before they are ready, so a CLI command exits", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-runtime-"));
    try {
      const script = path.join(dataDir, "probe.mts");
      const runtimeModule = fileURLToPath(new URL("./runtime.ts", import.meta.url));
      const configModule = fileURLToPath(new URL("./config.ts", import.meta.url));
      fs.writeFileSync(
        script,
        `import { openRuntime } from ${JSON.stringify(runtimeModule)};
         import { loadConfig } from ${JSON.stringify(configModule)};
         const runtime = await openRuntime(loadConfig());
         await runtime.database.close();
         await runtime.closeShared();
         console.log("closed");`,
      );
      const { DATABASE_URL: _db, ...parent } = process.env;
      const env = Object.fromEntries(Object.entries(parent).filter(([k]) => !k.startsWith("S3_")));
      // Hanging is the failure: the process would wait for Redis forever.
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script], {
        cwd: path.dirname(runtimeModule),
        env: { ...env, DATA_DIR: dataDir, REDIS_URL: url, DEMO: "0" },
        timeout: 30_000,
      });
      expect(stdout.trim()).toBe("closed");
      await vi.waitFor(() => expect(sockets.size).toBe(0));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
