/**
 * Verification is throughput work and the API (in the same process with role all, or on the same
 * host) is latency work: on Linux the importing thread — and the threads it starts later, such as
 * onnxruntime's inference threads, which inherit it — runs at nice 19, so a saturated pool takes only
 * the CPU the API leaves (bench/cluster/nice-hog.ts, on a shared 2-core machine: begin/ kept 0.65–0.77
 * of its idle rate beside two nice-10 CPU hogs, 0.69–0.84 beside nice-19 ones, 0.39 beside nice-0
 * ones; what is left is the hogs holding both cores when a request wakes). Lowering one's own priority needs no privilege;
 * elsewhere this does nothing. Imported first by verify-worker.ts so that it runs before the engine's
 * modules are evaluated (ES modules evaluate their imports in order).
 * @module
 */
import fs from "node:fs";
import os from "node:os";

export const VERIFY_THREAD_NICE = 19;

try {
  const tid = Number(fs.readlinkSync("/proc/thread-self").split("/").pop());
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, VERIFY_THREAD_NICE);
} catch {}
