// A worker process for the crash-resume test: claims jobs (from a SQLite file, or BullMQ on Redis)
// and hangs inside the handler until it is killed.
import path from "node:path";
import { systemClock } from "@verimat/core";
import { createRepositories, openDatabase } from "@verimat/db";
import { createBullJobQueue, createDbJobQueue, createJobRunner, type WorkQueue } from "../src/index.ts";

const [mode, where, prefix] = process.argv.slice(2);
if (!where || (mode !== "sqlite" && mode !== "bullmq"))
  throw new Error("usage: crash-worker sqlite <file> | bullmq <redis url> <prefix>");
let queue: WorkQueue;
if (mode === "sqlite") {
  const h = await openDatabase({ url: `sqlite:${where}`, dataDir: path.dirname(where) });
  queue = createDbJobQueue({ jobs: createRepositories(h.db).jobs, clock: systemClock });
} else {
  queue = createBullJobQueue({ url: where, ...(prefix ? { prefix } : {}) });
}
const runner = createJobRunner({
  queue,
  name: "crash",
  clock: systemClock,
  pollMs: 20,
  leaseMs: 600,
  handler: (_payload, job) => {
    process.stdout.write(`started ${job.id}\n`);
    return new Promise(() => undefined);
  },
});
runner.start();
