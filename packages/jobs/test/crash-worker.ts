// A worker process for the crash-resume test: claims jobs from a SQLite file and hangs inside the
// handler until it is killed.
import path from "node:path";
import { systemClock } from "@verimat/core";
import { createRepositories, openDatabase } from "@verimat/db";
import { createDbJobQueue, createJobRunner } from "../src/index.ts";

const file = process.argv[2];
if (!file) throw new Error("usage: crash-worker <sqlite file>");
const h = await openDatabase({ url: `sqlite:${file}`, dataDir: path.dirname(file) });
const queue = createDbJobQueue({ jobs: createRepositories(h.db).jobs, clock: systemClock });
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
