import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const homes: string[] = [];

afterEach(() => {
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
});

/**
 * Runs `body` (an ES module importing `createTextDetector` and `createMrzRecognizer`) in a fresh
 * process whose home and cache are an empty folder, and lists what onnxruntime's telemetry left there.
 */
async function telemetryFilesAfter(body: string, env: Record<string, string> = {}): Promise<string[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-ort-home-"));
  homes.push(home);
  const script = path.join(home, "probe.mts");
  fs.writeFileSync(
    script,
    `import { createTextDetector } from ${JSON.stringify(path.join(here, "document/text-detector.ts"))};
     import { createMrzRecognizer } from ${JSON.stringify(path.join(here, "document/mrz-recognizer.ts"))};
     ${body}`,
  );
  const { ORT_DISABLE_TELEMETRY: _, ...parent } = process.env;
  await run(process.execPath, ["--import", "tsx", script], {
    cwd: path.join(here, ".."),
    env: { ...parent, HOME: home, XDG_CACHE_HOME: path.join(home, "cache"), ...env },
    timeout: 60_000,
  });
  return fs
    .readdirSync(home, { recursive: true, encoding: "utf8" })
    .filter((f) => f.includes(".onnxruntime"));
}

// Inference sessions are created (what starts onnxruntime's telemetry), then the process lingers a
// moment as a real one would.
const SESSIONS = `await createTextDetector(); await createMrzRecognizer(); await new Promise((r) => setTimeout(r, 500));`;

describe("onnxruntime telemetry", () => {
  it("is off: creating the engine's inference sessions leaves no device id or event queue", async () => {
    expect(await telemetryFilesAfter(SESSIONS)).toEqual([]);
  }, 90_000);

  it("stays the operator's choice: with ORT_DISABLE_TELEMETRY=0 onnxruntime's own files appear (so the check above can see them)", async () => {
    const files = await telemetryFilesAfter(SESSIONS, { ORT_DISABLE_TELEMETRY: "0" });
    expect(files.some((f) => f.endsWith("deviceid"))).toBe(true);
  }, 90_000);
});
