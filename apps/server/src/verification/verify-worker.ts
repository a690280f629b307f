/**
 * Worker-thread entry for verification (run by the pool in verify-pool.ts). Each thread loads the
 * models once, on its first task, and keeps them: this module is the thread's composition root, so
 * its engine instances live here rather than in the engine package.
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import {
  analyzeCapture,
  type Capture,
  type CaptureAnalysis,
  createDocumentReader,
  createFaceEngine,
  type DocumentReader,
  decideSession,
  type FaceEngine,
  type SessionDecisionInput,
  type VerifyOutput,
} from "@verimat/engine";

export interface DecideTask extends Omit<SessionDecisionInput, "now"> {
  now: number;
}

/**
 * Verification is throughput work and the API (in this process with role all, or on the same host)
 * is latency work: on Linux this thread — and the inference threads onnxruntime starts from it, which
 * inherit it — runs at nice 10, so a saturated pool takes the CPU the API leaves rather than the other
 * way round. Lowering one's own priority needs no privilege; elsewhere this does nothing.
 */
export const VERIFY_THREAD_NICE = 10;
try {
  const tid = Number(fs.readlinkSync("/proc/thread-self").split("/").pop());
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, VERIFY_THREAD_NICE);
} catch {}

let engines: Promise<{ face: FaceEngine; documents: DocumentReader }> | null = null;

function load() {
  engines ??= Promise.all([createFaceEngine(), createDocumentReader()]).then(([face, documents]) => ({
    face,
    documents,
  }));
  // A failed load is retried by the next task instead of poisoning the thread for good.
  engines.catch(() => {
    engines = null;
  });
  return engines;
}

/** Analyses one capture (the default task). */
export default async function analyze(capture: Capture): Promise<CaptureAnalysis> {
  return analyzeCapture(capture, await load());
}

/** Combines a session's analyses into the decision (no model runs). */
export function decide(task: DecideTask): VerifyOutput {
  return decideSession({ ...task, now: new Date(task.now) });
}

/** Loads the models without analysing anything (pool warm-up at start). */
export async function warmUp(): Promise<boolean> {
  await load();
  return true;
}
