/**
 * WAL checkpoints off the event loop. better-sqlite3 is synchronous, so SQLite's automatic
 * checkpoint (which copies the WAL into the database file and fsyncs it) would stall every request
 * behind it. Instead the serving connection never checkpoints and a worker thread with its own
 * connection runs PASSIVE checkpoints, which never block writers.
 * @module
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 1000");
const timer = setInterval(() => {
  try {
    const [r] = db.pragma("wal_checkpoint(PASSIVE)");
    // A WAL that keeps growing (a reader pinning old pages) is truncated once it is fully copied.
    if (r && r.log > 20000 && r.checkpointed === r.log) db.pragma("wal_checkpoint(TRUNCATE)");
  } catch {}
}, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m === "stop") { clearInterval(timer); try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {} db.close(); parentPort.close(); }
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startSqliteCheckpointer(file: string, intervalMs = 1_000): Checkpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once("exit", () => resolve());
        // Unreferenced, the worker would not keep the process alive until it has finished.
        worker.ref();
        worker.postMessage("stop");
        setTimeout(() => {
          void worker.terminate();
        }, 2_000).unref();
      }),
  };
}
