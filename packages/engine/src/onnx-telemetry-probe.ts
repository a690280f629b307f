/**
 * Test helper: runs a probe module in a fresh process whose home and cache are an empty folder and
 * lists what onnxruntime's telemetry left there (its device id and event queue live under
 * `$XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime`). Used by the engine's and the verification
 * pool's telemetry tests.
 * @module
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

/**
 * onnxruntime 1.30 sends no telemetry when one of these is set (any value but empty), so on a CI
 * machine a check for its files would pass whether or not we turned telemetry off. The names are
 * the ones in libonnxruntime.so; each was checked alone to suppress the device id.
 */
export const ONNX_CI_MARKERS = [
  "CI",
  "TF_BUILD",
  "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI",
  "GITHUB_ACTIONS",
  "GITLAB_CI",
  "CIRCLECI",
  "TRAVIS",
  "JENKINS_URL",
  "CODEBUILD_BUILD_ID",
  "BUILDKITE",
  "TEAMCITY_VERSION",
  "APPVEYOR",
  "BITBUCKET_BUILD_NUMBER",
] as const;

export interface TelemetryProbe {
  /** ES module source, run with `node --import tsx`; absolute imports only. */
  source: string;
  /** Where the probe runs (tsx resolves the project's tsconfig from here). */
  cwd: string;
  /** Added to the probe's environment, after ORT_DISABLE_TELEMETRY and the CI markers are removed. */
  env?: Record<string, string>;
}

/** Paths (relative to the probe's home) of onnxruntime's telemetry files after the probe ran. */
export async function onnxTelemetryFilesAfter(probe: TelemetryProbe): Promise<string[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-ort-home-"));
  try {
    const script = path.join(home, "probe.mts");
    fs.writeFileSync(script, probe.source);
    // biome-ignore lint/style/noProcessEnv: a test helper passing the test's environment to its probe
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.ORT_DISABLE_TELEMETRY;
    for (const name of ONNX_CI_MARKERS) delete env[name];
    await promisify(execFile)(process.execPath, ["--import", "tsx", script], {
      cwd: probe.cwd,
      env: { ...env, HOME: home, XDG_CACHE_HOME: path.join(home, "cache"), ...probe.env },
      timeout: 90_000,
    });
    const left = fs.readdirSync(home, { recursive: true, encoding: "utf8" });
    if (!left.includes("probe.mts"))
      throw new Error(`the probe's home was not the one listed: ${left.join(", ")}`);
    return left.filter((f) => f.includes(".onnxruntime"));
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
