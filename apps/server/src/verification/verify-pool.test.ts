import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { onnxTelemetryFilesAfter } from "@verimat/engine/onnx-telemetry-probe";
import { describe, expect, it } from "vitest";
import { createVerifyPool } from "./verify-pool.ts";

describe("verification pool", () => {
  // A shutdown that arrives while a thread is still loading its models must wait for the load: a
  // thread terminated inside onnxruntime's native session creation aborts the whole process.
  it("closes without aborting while the threads are loading their models", async () => {
    const pool = createVerifyPool({ size: 1 });
    const warm = pool.warmUp();
    await new Promise((r) => setTimeout(r, 300));
    await pool.close();
    // The load either finished before the close or was allowed to finish; nothing crashed.
    await expect(warm).resolves.toBeUndefined();
  }, 60_000);

  // lower-thread-priority.ts is not imported here: its side effect would lower this (the test's) thread.
  it("runs only its own threads at SCHED_IDLE and nice 19; the API's threads keep their priority (Linux)", async () => {
    if (!fs.existsSync("/proc/thread-self")) return;
    const priority = os.getPriority();
    const pool = createVerifyPool({ size: 1 });
    try {
      await pool.warmUp();
      // Fields 19 and 41 of a task's stat are its nice value and policy; the name (field 2) may hold
      // spaces: count after ")".
      const threads = fs.readdirSync(`/proc/${process.pid}/task`).map((tid) => {
        const stat = fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return { tid, nice: Number(fields[16]), policy: Number(fields[38]) };
      });
      const SCHED_OTHER = 0;
      const SCHED_IDLE = 5;
      const lowered = threads.filter((t) => t.policy === SCHED_IDLE);
      // The verification thread and the inference threads it started.
      expect(lowered.length).toBeGreaterThan(0);
      for (const t of lowered) expect(t.nice).toBe(19);
      // Everything else — the API's event loop, libuv's pool, V8's helpers — is untouched.
      const others = threads.filter((t) => t.policy !== SCHED_IDLE);
      expect(others.map((t) => t.tid)).toContain(String(process.pid));
      for (const t of others) expect(t).toMatchObject({ policy: SCHED_OTHER, nice: priority });
    } finally {
      await pool.close();
    }
  }, 60_000);

  // Worker threads cannot turn onnxruntime's telemetry off themselves (their process.env is a copy
  // native code does not read): the pool does it from the main thread. Run in a fresh process whose
  // home is an empty folder, where onnxruntime would leave its device id and event queue.
  it("starts threads whose inference sessions send no telemetry", async () => {
    const poolModule = fileURLToPath(new URL("./verify-pool.ts", import.meta.url));
    const files = await onnxTelemetryFilesAfter({
      source: `import { createVerifyPool } from ${JSON.stringify(poolModule)};
        const pool = createVerifyPool({ size: 1 });
        await pool.warmUp();
        await new Promise((r) => setTimeout(r, 500));
        await pool.close();`,
      cwd: path.dirname(poolModule),
    });
    expect(files).toEqual([]);
  }, 120_000);
});
