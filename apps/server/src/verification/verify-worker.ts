/**
 * Worker-thread entry for verification (run by the pool in verify-pool.ts). Each thread loads the
 * models once, on its first task, and keeps them: this module is the thread's composition root, so
 * its engine instances live here rather than in the engine package.
 * @module
 */
// First: lowers this thread's priority before the engine's modules load (see the module).
import "./lower-thread-priority.ts";
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
