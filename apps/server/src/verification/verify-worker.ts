/**
 * Worker-thread entry for verification (run by the pool in verify-pool.ts). Each thread loads the
 * models once, on its first task, and keeps them: this module is the thread's composition root, so
 * its engine instances live here rather than in the engine package.
 * @module
 */
import {
  createDocumentReader,
  createFaceEngine,
  type DocumentReader,
  type FaceEngine,
  type VerifyInput,
  type VerifyOutput,
  verifyCaptures,
} from "@verimat/engine";

export interface VerifyTask extends Omit<VerifyInput, "now"> {
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

export default async function verify(task: VerifyTask): Promise<VerifyOutput> {
  const loaded = await load();
  return verifyCaptures({ ...task, now: new Date(task.now) }, loaded);
}

/** Loads the models without verifying anything (pool warm-up at start). */
export async function warmUp(): Promise<boolean> {
  await load();
  return true;
}
