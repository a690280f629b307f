/**
 * Opens the database named by the configuration: a SQLite file (the embedded default) or PostgreSQL
 * (`postgres://…`), applies pending migrations, and returns the Kysely handle with its capabilities.
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { Database } from "./database-schema.ts";
import { type DbCapabilities, POSTGRES_CAPABILITIES, SQLITE_CAPABILITIES } from "./db-capabilities.ts";
import { migrationProvider } from "./migrations/index.ts";
import { startSqliteCheckpointer } from "./sqlite-checkpointer.ts";
import { type SqlValue, startSqliteWriter } from "./sqlite-writer.ts";

export interface DatabaseOptions {
  /** `postgres://…` / `postgresql://…`, `sqlite:<path>`, `:memory:`; absent = SQLite file in dataDir. */
  url?: string | undefined;
  dataDir: string;
  /** PostgreSQL only: run in this schema (created if missing); used to isolate test runs. */
  pgSchema?: string | undefined;
  pgPoolSize?: number | undefined;
  /** SQLite files only: run bulk inserts in a writer thread (default true); see sqlite-writer.ts. */
  sqliteWriterThread?: boolean | undefined;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  caps: DbCapabilities;
  /** A short description for logs, without credentials. */
  describe: string;
  /**
   * Inserts rows of one table in one transaction off the serving thread where the database allows
   * (a SQLite file); absent otherwise, and callers use the query layer.
   */
  bulkInsert?: (table: string, rows: readonly Readonly<Record<string, SqlValue>>[]) => Promise<void>;
  close(): Promise<void>;
}

// int8 (bigint) comes back from pg as a string by default; our bigints are millisecond timestamps
// and sizes, far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const url = options.url?.trim();
  const handle =
    url && /^postgres(ql)?:\/\//.test(url) ? await openPostgres(url, options) : openSqlite(url, options);
  try {
    await migrate(handle, { pgSchema: options.pgSchema });
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle;
}

function openSqlite(url: string | undefined, options: DatabaseOptions): DatabaseHandle {
  let file: string;
  if (url === ":memory:" || url === "sqlite::memory:") file = ":memory:";
  else if (url?.startsWith("sqlite:")) file = url.slice("sqlite:".length);
  else if (url)
    throw new Error(`DATABASE_URL must be postgres://… or sqlite:<path>, got an unsupported scheme`);
  else file = path.join(options.dataDir, "verimat.db");
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma("journal_mode = WAL");
  // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commit.
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  // Deleted rows are overwritten with zeros, not left in free pages: a deleted session leaves no
  // readable trace in the file (encryption at rest; PostgreSQL relies on VACUUM for the same).
  sqlite.pragma("secure_delete = ON");
  sqlite.pragma("busy_timeout = 5000");
  // Session tokens are random primary keys, so inserts touch index pages all over the file: a page
  // cache of 64 MiB (default 2 MiB) and memory-mapped reads keep them off the disk path.
  sqlite.pragma("cache_size = -65536");
  sqlite.pragma("mmap_size = 268435456");
  // Checkpoints run in a worker thread (see sqlite-checkpointer.ts), not on the serving connection.
  const checkpointer = file === ":memory:" ? null : startSqliteCheckpointer(file);
  if (checkpointer) sqlite.pragma("wal_autocheckpoint = 0");
  const writer =
    file === ":memory:" || options.sqliteWriterThread === false
      ? null
      : startSqliteWriter(file, (table, columns, rows) => {
          const stmt = sqlite.prepare(
            `insert into "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) values (${columns.map(() => "?").join(", ")})`,
          );
          sqlite.transaction(() => {
            for (const row of rows) stmt.run(row);
          })();
        });
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    caps: SQLITE_CAPABILITIES,
    describe: file === ":memory:" ? "sqlite (memory)" : `sqlite (${file})`,
    ...(writer ? { bulkInsert: writer.insert } : {}),
    close: async () => {
      // Inserts already handed to the writer commit before it stops.
      await writer?.stop();
      await db.destroy();
      await checkpointer?.stop();
    },
  };
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing is most of the cost of a small query.
 * Statements are reusable and better-sqlite3 runs them synchronously, so caching by SQL text is safe
 * (we never stream, which would hold a statement open across awaits).
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= 1_000) cache.clear();
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<DatabaseHandle> {
  const schema = options.pgSchema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error("invalid schema name");
  if (schema) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.pgPoolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const u = new URL(url);
  return {
    db,
    caps: POSTGRES_CAPABILITIES,
    describe: `postgres (${u.hostname}:${u.port || 5432}${u.pathname}${schema ? ` schema ${schema}` : ""})`,
    close: () => db.destroy(),
  };
}

/**
 * Applies pending migrations. Kysely's migrator takes a lock, so several processes may start together.
 * In a PostgreSQL schema its bookkeeping tables are named with the schema: unqualified, Kysely would
 * take another schema's lock table for this one's and fail.
 */
export async function migrate(
  handle: Pick<DatabaseHandle, "db" | "caps">,
  options: { pgSchema?: string | undefined } = {},
): Promise<void> {
  const migrator = new Migrator({
    db: handle.db,
    provider: migrationProvider(handle.caps),
    ...(options.pgSchema ? { migrationTableSchema: options.pgSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ""}`, {
      cause: error,
    });
  }
}
