/**
 * Verification is throughput work and the API (in the same process with role all, or on the same
 * host) is latency work: on Linux the importing thread — and the threads it starts later, such as
 * onnxruntime's inference threads, which inherit it — runs at nice 19, so a saturated pool takes only
 * the CPU the API's own threads leave: with the workers saturated, the API's /healthz keeps 0.85–1.1
 * of its idle rate (bench/cluster/services-under-load.ts). It does not help the API's round trips to
 * PostgreSQL and Redis, which run in their own scheduling groups: on a quiet 2-core machine begin/
 * keeps 0.05–0.10 beside two CPU-bound threads whatever their nice value (bench/cluster/nice-hog.ts);
 * only other cores help there (API and workers on separate machines). Lowering one's own priority
 * needs no privilege;
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
