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
});
