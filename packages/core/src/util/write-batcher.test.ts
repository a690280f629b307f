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

  it("keeps up to maxInFlight flushes running at once, never more", async () => {
    let running = 0;
    let peak = 0;
    const batches: number[][] = [];
    const write = createWriteBatcher<number>(
      async (items) => {
        running++;
        peak = Math.max(peak, running);
        batches.push(items);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
      { maxBatch: 2, maxInFlight: 3 },
    );
    await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => write(n)));
    expect(peak).toBe(3);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("with one flush in flight, writes arriving meanwhile wait and go in the next batch", async () => {
    let running = 0;
    let peak = 0;
    const batches: number[][] = [];
    const write = createWriteBatcher<number>(async (items) => {
      running++;
      peak = Math.max(peak, running);
      batches.push(items);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    });
    const first = write(1);
    await new Promise((r) => setImmediate(r));
    await Promise.all([first, write(2), write(3)]);
    expect(peak).toBe(1);
    expect(batches).toEqual([[1], [2, 3]]);
  });
});
