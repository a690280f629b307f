/**
 * Bulk inserts off the event loop. better-sqlite3 is synchronous: on `begin/`, the hot path, executing
 * the grouped session insert on the serving thread was about a third of its CPU time. A worker thread
 * with its own connection to the same file runs those inserts instead; the caller's promise settles
 * after the commit, so an answer still means the row is stored. WAL lets the serving connection read
 * while the writer writes, and each batch is one short transaction (busy_timeout covers the overlap).
 * If the worker is gone, inserts run on the fallback (the serving connection) rather than fail.
 * @module
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 5000");
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma("foreign_keys = ON");
db.pragma("secure_delete = ON");
db.pragma("wal_autocheckpoint = 0");
db.pragma("cache_size = -65536");
const statements = new Map();
function statement(table, columns) {
  const key = table + ":" + columns.join(",");
  let s = statements.get(key);
  if (!s) {
    s = db.prepare('insert into "' + table + '" (' + columns.map((c) => '"' + c + '"').join(", ") +
      ") values (" + columns.map(() => "?").join(", ") + ")");
    statements.set(key, s);
  }
  return s;
}
const insertAll = db.transaction((table, columns, rows) => {
  const s = statement(table, columns);
  for (const row of rows) s.run(row);
});
parentPort.on("message", (m) => {
  if (m.type === "stop") { db.close(); parentPort.close(); return; }
  try {
    insertAll(m.table, m.columns, m.rows);
    parentPort.postMessage({ id: m.id });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: { message: String(e && e.message), code: e && e.code } });
  }
});
`;

/** Values SQLite binds as they are (what the repositories' row mappers produce). */
export type SqlValue = string | number | bigint | null | Buffer;

export interface BulkInserter {
  /** Inserts the rows (all with the same columns) in one transaction; resolves once committed. */
  insert(table: string, rows: readonly Readonly<Record<string, SqlValue>>[]): Promise<void>;
  stop(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export class BulkInsertError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = "BulkInsertError";
    this.code = code;
  }
}

/**
 * Starts the writer thread for a database file. `fallback` runs an insert on the serving connection
 * when the thread has died (it should not; this keeps a dead thread from failing every begin).
 */
export function startSqliteWriter(
  file: string,
  fallback: (table: string, columns: readonly string[], rows: readonly SqlValue[][]) => void,
): BulkInserter {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver } });
  worker.unref();
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let alive = true;
  const failAll = (error: Error) => {
    alive = false;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on("message", (m: { id: number; error?: { message: string; code?: string } }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.error) p.reject(new BulkInsertError(m.error.message, m.error.code));
    else p.resolve();
  });
  worker.on("error", (e) => failAll(e));
  worker.on("exit", () => failAll(new Error("the SQLite writer thread exited")));

  return {
    insert(table, rows) {
      if (rows.length === 0) return Promise.resolve();
      const first = rows[0] ?? {};
      const columns = Object.keys(first);
      if (!IDENTIFIER.test(table) || !columns.every((c) => IDENTIFIER.test(c)))
        return Promise.reject(new Error("bulk insert: invalid table or column name"));
      const values = rows.map((r) => columns.map((c) => r[c] ?? null));
      if (!alive) {
        try {
          fallback(table, columns, values);
          return Promise.resolve();
        } catch (e) {
          return Promise.reject(e instanceof Error ? e : new Error(String(e)));
        }
      }
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // Referenced while an insert is outstanding, so the process cannot exit under it.
        worker.ref();
        worker.postMessage({ id, table, columns, rows: values });
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (!alive) {
          resolve();
          return;
        }
        // Messages are handled in order: every insert posted before "stop" is committed first.
        worker.once("exit", () => resolve());
        worker.ref();
        worker.postMessage({ type: "stop" });
        setTimeout(() => {
          void worker.terminate();
        }, 5_000).unref();
      }),
  };
}
