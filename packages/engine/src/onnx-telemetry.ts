/**
 * onnxruntime-node (1.30 on) reports to Microsoft from Linux too: 1DS telemetry of process, session,
 * model and error events, with a device id and an offline queue written under
 * `$XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime`. A self-hosted identity service must not
 * phone home or leave files nobody asked for, so it is off unless the operator sets
 * `ORT_DISABLE_TELEMETRY` themselves. onnxruntime reads the variable when it creates its environment,
 * i.e. at the first inference session, not at import.
 *
 * Native code reads the process's real environment, which only the main thread can change: a worker
 * thread's `process.env` is a private copy. So the modules that create sessions call this (enough on
 * the main thread, as in the CLI and the tests), and so does the main thread before it starts threads
 * that run inference (the verification pool). A light module (no engine imports) for that reason.
 * @module
 */
import { isMainThread } from "node:worker_threads";

export function disableOnnxTelemetry(): void {
  // biome-ignore lint/style/noProcessEnv: not configuration read but the environment native code reads
  if (isMainThread) process.env.ORT_DISABLE_TELEMETRY ??= "1";
}
