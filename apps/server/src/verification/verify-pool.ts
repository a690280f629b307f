/**
 * The pool of verification threads, sized to the CPU count by default: engine inference is CPU-bound
 * and single-threaded per call, so one thread per core keeps every core busy while the event loop of
 * the API stays free.
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { Capture, CaptureAnalysis, VerifyOutput } from "@verimat/engine";
import { disableOnnxTelemetry } from "@verimat/engine/onnx-telemetry";
import { Piscina } from "piscina";
import type { DecideTask } from "./verify-worker.ts";

export interface VerifyPool {
  analyze(capture: Capture): Promise<CaptureAnalysis>;
  decide(task: DecideTask): Promise<VerifyOutput>;
  warmUp(): Promise<void>;
  readonly size: number;
  close(): Promise<void>;
}

/**
 * Bundled, the worker is `dist/verify-worker.js` next to this code; from source (tests, tsx) it is the
 * `.ts` file, run through tsx's loader.
 */
function workerFile(): { filename: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    return { filename: fileURLToPath(new URL("./verify-worker.ts", here)), execArgv: ["--import", "tsx"] };
  }
  return { filename: fileURLToPath(new URL("./verify-worker.js", here)), execArgv: [] };
}

export function createVerifyPool(
  options: { size?: number; onError?: (err: unknown) => void } = {},
): VerifyPool {
  const size = Math.max(1, options.size ?? os.availableParallelism());
  // libuv's thread pool (async fs, crypto, zlib) is one per process, started by the first thread that
  // queues work, and its threads inherit that thread's scheduling policy: start it from this (the
  // API's) thread, so the verification threads' SCHED_IDLE (lower-thread-priority.ts) stays theirs.
  fs.access(".", () => {});
  // Before any thread creates an inference session: only this (the main) thread can set it.
  disableOnnxTelemetry();
  const { filename, execArgv } = workerFile();
  const pool = new Piscina({
    filename,
    execArgv,
    minThreads: size,
    maxThreads: size,
    idleTimeout: 60 * 60_000,
    // Below run-process's 15 s forced exit: a close waits this long for running tasks.
    closeTimeout: 10_000,
  });
  // Errors not tied to a task (a close outlasting closeTimeout, a thread dying while idle): reported
  // rather than thrown as an unhandled "error" event; piscina replaces a dead thread.
  pool.on("error", (err: unknown) => options.onError?.(err));
  return {
    size,
    // The capture's bytes move to the thread instead of being copied.
    analyze: (capture) =>
      pool.run(capture, { transferList: [capture.bytes.buffer as ArrayBuffer] }) as Promise<CaptureAnalysis>,
    decide: (task) => pool.run(task, { name: "decide" }) as Promise<VerifyOutput>,
    async warmUp() {
      await Promise.all(Array.from({ length: size }, () => pool.run(null, { name: "warmUp" })));
    },
    // Running tasks (a model load among them) finish before the threads go: a thread terminated
    // inside onnxruntime's native session creation aborts the whole process. Queued tasks are dropped
    // (their jobs were handed back).
    close: () => pool.close({ force: true }),
  };
}
