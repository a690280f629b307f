/**
 * The job queue contract on every back end (database queue on SQLite and PostgreSQL, BullMQ on
 * Redis): dedupe keys, each job to exactly one of several workers, retries with backoff, permanent
 * errors, hand-back on stop. Then what only the database queue exposes: claims, leases, poison jobs.
 */
import { manualClock, systemClock } from "@verimat/core";
import { createRepositories, type DatabaseHandle } from "@verimat/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../../db/test/test-databases.ts";
import { createDbJobQueue, createJobRunner, PermanentJobError, type WorkQueue } from "../src/index.ts";
import { type OpenQueue, testQueues } from "./test-queues.ts";

const dbs = await testDatabases();
const queues = await testQueues();

async function until(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(queues)("job queue contract: $name", (target) => {
  let open: OpenQueue;
  let q: WorkQueue;
  beforeAll(async () => {
    open = await target.open();
    q = open.queue;
  });
  afterAll(async () => {
    await open.close();
  });

  it("deduplicates by key", async () => {
    const a = await q.enqueue("dedupe", { n: 1 }, { dedupeKey: "session-x:verify" });
    const b = await q.enqueue("dedupe", { n: 2 }, { dedupeKey: "session-x:verify" });
    const c = await q.enqueue("dedupe", { n: 3 }, { dedupeKey: "session-y:verify" });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(await q.get(a)).toMatchObject({
      payload: { n: 1 },
      status: "queued",
      dedupeKey: "session-x:verify",
    });
    expect(await q.get("dedupe.unknown")).toBeNull();
    expect((await q.counts("dedupe")).queued).toBe(2);
  });

  it("gives each job to exactly one of several competing workers, each with bounded concurrency", async () => {
    const handled: number[] = [];
    let active = 0;
    let maxActive = 0;
    const runners = [1, 2, 3].map(() =>
      createJobRunner({
        queue: q,
        name: "race",
        clock: systemClock,
        pollMs: 10,
        concurrency: 2,
        handler: async (payload) => {
          active++;
          maxActive = Math.max(maxActive, active);
          await new Promise((r) => setTimeout(r, 5));
          handled.push((payload as { i: number }).i);
          active--;
          return null;
        },
      }),
    );
    for (const r of runners) r.start();
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => q.enqueue("race", { i })));
    await until(async () => (await q.counts("race")).done === 40);
    await Promise.all(runners.map((r) => r.stop()));
    expect(handled.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(maxActive).toBeLessThanOrEqual(6);
    for (const id of ids) expect((await q.get(id))?.attempts).toBe(1);
  });

  it("retries a failing handler with backoff, then succeeds; runs a success once", async () => {
    let calls = 0;
    const runner = createJobRunner({
      queue: q,
      name: "flaky",
      clock: systemClock,
      pollMs: 10,
      backoffMs: () => 30,
      handler: async () => {
        calls++;
        if (calls < 3) throw new Error(`transient ${calls}`);
        return { ok: true };
      },
    });
    runner.start();
    const id = await q.enqueue("flaky", {});
    await until(async () => (await q.get(id))?.status === "done");
    await runner.stop();
    const job = await q.get(id);
    expect(job).toMatchObject({
      status: "done",
      attempts: 3,
      result: { ok: true },
      lastError: "Error: transient 2",
    });
    expect(calls).toBe(3);
  });

  it("fails a permanent error at once and gives up after max attempts", async () => {
    const runner = createJobRunner({
      queue: q,
      name: "bad",
      clock: systemClock,
      pollMs: 10,
      backoffMs: () => 5,
      handler: async (payload) => {
        if ((payload as { permanent: boolean }).permanent)
          throw new PermanentJobError("document is not an image");
        throw new Error("always");
      },
    });
    runner.start();
    const perm = await q.enqueue("bad", { permanent: true });
    const transient = await q.enqueue("bad", { permanent: false }, { maxAttempts: 3 });
    await until(
      async () => (await q.get(perm))?.status === "failed" && (await q.get(transient))?.status === "failed",
    );
    await runner.stop();
    expect(await q.get(perm)).toMatchObject({
      attempts: 1,
      lastError: "PermanentJobError: document is not an image",
    });
    expect(await q.get(transient)).toMatchObject({ attempts: 3, lastError: "Error: always" });
  });

  it("hands running jobs back on stop without counting the attempt", async () => {
    let started = false;
    const runner = createJobRunner({
      queue: q,
      name: "handback",
      clock: systemClock,
      pollMs: 10,
      handler: () =>
        new Promise(() => {
          started = true;
        }),
    });
    runner.start();
    const id = await q.enqueue("handback", {});
    await until(async () => started);
    await runner.stop({ handBack: true });
    expect(await q.get(id)).toMatchObject({ status: "queued", attempts: 0, lockedBy: null });
    // Handed back, not lost: the next worker takes it at once.
    const next = createJobRunner({
      queue: q,
      name: "handback",
      clock: systemClock,
      pollMs: 10,
      handler: async () => ({ second: true }),
    });
    next.start();
    await until(async () => (await q.get(id))?.status === "done");
    await next.stop();
    expect(await q.get(id)).toMatchObject({ status: "done", attempts: 1, result: { second: true } });
  });
});

describe.each(dbs)("database queue internals on $name", (target) => {
  let h: DatabaseHandle & { dropSchema(): Promise<void> };
  beforeAll(async () => {
    h = await target.open();
  });
  afterAll(async () => {
    await h.close();
    await h.dropSchema();
  });

  it("gives each job to exactly one of several competing workers", async () => {
    const q = createDbJobQueue({ jobs: createRepositories(h.db).jobs, clock: systemClock });
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => q.enqueue("race", { i })));
    const seen: string[] = [];
    const claims = await Promise.all(
      ["w1", "w2", "w3", "w4"].map(async (w) => {
        const mine: string[] = [];
        for (let k = 0; k < 20; k++) for (const j of await q.claim("race", w, 3, 60_000)) mine.push(j.id);
        return mine;
      }),
    );
    for (const c of claims) seen.push(...c);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it("lets another worker take over a job whose lease expired, and ignores the late result", async () => {
    const clock = manualClock(Date.now());
    const q = createDbJobQueue({ jobs: createRepositories(h.db).jobs, clock });
    const id = await q.enqueue("lease", {});
    const [first] = await q.claim("lease", "dead-worker", 1, 1_000);
    if (!first) throw new Error("not claimed");
    expect(await q.claim("lease", "w2", 1, 1_000)).toEqual([]);
    clock.advance(1_001);
    const [again] = await q.claim("lease", "w2", 1, 1_000);
    expect(again?.id).toBe(id);
    expect(await q.complete(first, "dead-worker", { late: true })).toBe(false);
    expect(await q.complete(again ?? first, "w2", { ok: 1 })).toBe(true);
    expect(await q.get(id)).toMatchObject({ status: "done", attempts: 2, result: { ok: 1 } });
  });

  it("fails a job that keeps killing its worker instead of looping", async () => {
    const clock = manualClock(Date.now());
    const q = createDbJobQueue({ jobs: createRepositories(h.db).jobs, clock });
    const id = await q.enqueue("poison", {}, { maxAttempts: 2 });
    for (let i = 0; i < 2; i++) {
      expect(await q.claim("poison", `w${i}`, 1, 1_000)).toHaveLength(1);
      clock.advance(1_001); // the worker died without a word
    }
    expect(await q.claim("poison", "w9", 1, 1_000)).toEqual([]);
    const job = await q.get(id);
    expect(job?.status).toBe("failed");
    expect(job?.lastError).toMatch(/worker lost 2 times/);
  });
});
