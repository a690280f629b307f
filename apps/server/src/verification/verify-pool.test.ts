import fs from "node:fs";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { VERIFY_THREAD_NICE } from "./lower-thread-priority.ts";
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

  it("runs its threads at a lower scheduling priority than the API's event loop (Linux)", async () => {
    if (!fs.existsSync("/proc/thread-self")) return;
    const pool = createVerifyPool({ size: 1 });
    try {
      await pool.warmUp();
      // Field 19 of a task's stat is its nice value; the name (field 2) may hold spaces: count after ")".
      const niceOf = (tid: string) => {
        const stat = fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
      };
      const nices = fs.readdirSync(`/proc/${process.pid}/task`).map(niceOf);
      expect(nices).toContain(VERIFY_THREAD_NICE);
      // The main thread (the API's event loop) keeps the process's priority.
      expect(niceOf(String(process.pid))).toBe(os.getPriority());
    } finally {
      await pool.close();
    }
  }, 60_000);
});
