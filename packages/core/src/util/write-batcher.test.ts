import { describe, expect, it } from "vitest";
import { createWriteBatcher } from "./write-batcher.ts";

describe("write batcher", () => {
  it("flushes concurrent writes together and settles each", async () => {
    const batches: number[][] = [];
    const write = createWriteBatcher<number>(async (items) => {
      batches.push(items);
    });
    await Promise.all([1, 2, 3, 4].map((n) => write(n)));
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it("fails only the bad item of a batch", async () => {
    const written: number[] = [];
    const write = createWriteBatcher<number>(async (items) => {
      if (items.includes(13)) throw new Error("bad");
      written.push(...items);
    });
    const results = await Promise.allSettled([1, 13, 2].map((n) => write(n)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(written.sort()).toEqual([1, 2]);
  });

  it("respects the batch size and keeps writing what arrives during a flush", async () => {
    const batches: number[][] = [];
    const write = createWriteBatcher<number>(
      async (items) => {
        batches.push(items);
        await new Promise((r) => setTimeout(r, 5));
      },
      { maxBatch: 2 },
    );
    const first = Promise.all([1, 2, 3].map((n) => write(n)));
    await new Promise((r) => setTimeout(r, 1));
    const later = write(4);
    await Promise.all([first, later]);
    expect(batches.flat().sort()).toEqual([1, 2, 3, 4]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(2);
  });
});
