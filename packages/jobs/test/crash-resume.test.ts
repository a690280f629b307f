/** A worker process killed with SIGKILL mid-job: the job is resumed by another worker and completes once. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { systemClock } from "@verimat/core";
import { createRepositories, openDatabase } from "@verimat/db";
import { afterAll, describe, expect, it } from "vitest";
import { createBullJobQueue, createDbJobQueue, createJobRunner, type WorkQueue } from "../src/index.ts";
import { dropPrefix, REDIS_URL, requireRedisOrSkip, uniquePrefix } from "./test-queues.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-jobs-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface CrashTarget {
  name: string;
  open(): Promise<{ queue: WorkQueue; args: string[]; close(): Promise<void> }>;
}

const targets: CrashTarget[] = [
  {
    name: "database queue on SQLite",
    async open() {
      const file = path.join(dir, "jobs.db");
      const h = await openDatabase({ url: `sqlite:${file}`, dataDir: dir });
      return {
        queue: createDbJobQueue({ jobs: createRepositories(h.db).jobs, clock: systemClock }),
        args: ["sqlite", file],
        close: () => h.close(),
      };
    },
  },
];
if (await requireRedisOrSkip()) {
  targets.push({
    name: "BullMQ on Redis",
    async open() {
      const prefix = uniquePrefix();
      const queue = createBullJobQueue({ url: REDIS_URL, prefix });
      return {
        queue,
        args: ["bullmq", REDIS_URL, prefix],
        async close() {
          await queue.close();
          await dropPrefix(prefix);
        },
      };
    },
  });
}

describe.each(targets)("$name", (target) => {
  it("resumes a job whose worker process was killed, and runs it to completion once", async () => {
    const { queue, args, close } = await target.open();
    const id = await queue.enqueue("crash", { session: "abc" });

    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(import.meta.dirname, "crash-worker.ts"), ...args],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const deadline = Date.now() + 30_000;
    while (!out.includes(`started ${id}`)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`worker did not start the job: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await queue.get(id))?.status).toBe("running");
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;

    const handled: unknown[] = [];
    const runner = createJobRunner({
      queue,
      name: "crash",
      clock: systemClock,
      pollMs: 20,
      leaseMs: 600,
      handler: async (payload) => {
        handled.push(payload);
        return { decided: true };
      },
    });
    runner.start();
    while ((await queue.get(id))?.status !== "done") {
      if (Date.now() > deadline) throw new Error("job was not resumed");
      await new Promise((r) => setTimeout(r, 20));
    }
    await runner.stop();
    expect(handled).toEqual([{ session: "abc" }]);
    expect(await queue.get(id)).toMatchObject({ status: "done", attempts: 2, result: { decided: true } });
    await close();
  }, 60_000);
});
