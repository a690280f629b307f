/**
 * Verification is throughput work and the API (in the same process with role all, or on the same
 * host) is latency work. On Linux the importing thread — and the threads it starts later, such as
 * onnxruntime's inference threads, which inherit it — takes the SCHED_IDLE policy (util-linux's
 * `chrt`; lowering one's own policy needs no privilege), else nice 19 where `chrt` is missing.
 * Nice alone is not enough: it weighs threads only within their scheduling group, and PostgreSQL and
 * Redis run in groups of their own, so every round trip the API makes to them waited for a core
 * behind the verification threads. A SCHED_IDLE thread is preempted as soon as any ordinary thread
 * wakes, whatever its group, and a core running only such threads counts as idle when the kernel
 * places a waking thread. Two CPU-bound threads beside an API process on a 2-core machine leave its
 * begin/ 0.71–0.95 of its idle rate at SCHED_IDLE against 0.64–0.70 at nice 19 and 0.44 at nice 0
 * (bench/cluster/nice-hog.ts; on another machine of the same kind nice 19 left only 0.05–0.10).
 * Elsewhere this does nothing. Imported first by verify-worker.ts so that it runs before the engine's
 * modules are evaluated (ES modules evaluate imports in order).
 * @module
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";

export const VERIFY_THREAD_NICE = 19;

if (process.platform === "linux") {
  try {
    const tid = Number(fs.readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) {
      os.setPriority(tid, VERIFY_THREAD_NICE);
      execFileSync("chrt", ["--idle", "--pid", "0", String(tid)], { stdio: "ignore", timeout: 5000 });
    }
  } catch {}
}
