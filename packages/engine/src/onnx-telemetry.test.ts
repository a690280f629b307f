import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { onnxTelemetryFilesAfter } from "./onnx-telemetry-probe.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

// The engine's inference sessions are created (what starts onnxruntime's telemetry), then the process
// lingers a moment as a real one would.
function probe(env: Record<string, string> = {}) {
  return onnxTelemetryFilesAfter({
    source: `import { createTextDetector } from ${JSON.stringify(path.join(here, "document/text-detector.ts"))};
      import { createMrzRecognizer } from ${JSON.stringify(path.join(here, "document/mrz-recognizer.ts"))};
      await createTextDetector(); await createMrzRecognizer(); await new Promise((r) => setTimeout(r, 500));`,
    cwd: path.join(here, ".."),
    env,
  });
}

describe("onnxruntime telemetry", () => {
  it("is off: creating the engine's inference sessions leaves no device id or event queue", async () => {
    expect(await probe()).toEqual([]);
  }, 90_000);

  it("stays the operator's choice: with ORT_DISABLE_TELEMETRY=0 onnxruntime's own files appear (so the check above can see them)", async () => {
    const files = await probe({ ORT_DISABLE_TELEMETRY: "0" });
    expect(files.some((f) => f.endsWith("deviceid"))).toBe(true);
  }, 90_000);

  it("is also kept quiet by onnxruntime itself on CI machines, which is why the probes remove CI's variables", async () => {
    expect(await probe({ ORT_DISABLE_TELEMETRY: "0", CI: "true" })).toEqual([]);
  }, 90_000);
});
