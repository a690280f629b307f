/**
 * Several processes starting together on an empty PostgreSQL database (own schema per run) all come
 * up, and every migration is applied exactly once (Kysely's migrator lock) — also when another
 * schema of the database holds migration tables of its own.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { POSTGRES_CAPABILITIES } from "../src/db-capabilities.ts";
import { migrationProvider } from "../src/migrations/index.ts";
import { PG_URL, postgresReachable } from "./test-databases.ts";

const reachable = await postgresReachable();
if (!reachable && (process.env.REQUIRE_POSTGRES === "1" || process.env.CI === "true"))
  throw new Error(`PostgreSQL is required here but not reachable at ${PG_URL}`);

function startProcess(schema: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(import.meta.dirname, "migrate-worker.ts"), PG_URL, schema],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe.runIf(reachable)("migrations on PostgreSQL", () => {
  it("run once when several processes start together on an empty database", async () => {
    const schema = `t_${randomBytes(6).toString("hex")}`;
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    // Another deployment's (or test run's) migration tables in a schema next door must not count.
    const decoy = `${schema}_decoy`;
    await client.query(`CREATE SCHEMA ${decoy}`);
    await client.query(
      `CREATE TABLE ${decoy}.kysely_migration (name varchar(255) primary key, timestamp varchar(255))`,
    );
    await client.query(
      `CREATE TABLE ${decoy}.kysely_migration_lock (id varchar(255) primary key, is_locked integer)`,
    );
    try {
      const runs = await Promise.all([1, 2, 3].map(() => startProcess(schema)));
      for (const r of runs) expect(r, r.out).toMatchObject({ code: 0 });
      const { rows } = await client.query<{ name: string }>(
        `SELECT name FROM ${schema}.kysely_migration ORDER BY name`,
      );
      const all = Object.keys(await migrationProvider(POSTGRES_CAPABILITIES).getMigrations()).sort();
      expect(rows.map((r) => r.name)).toEqual(all);
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS ${decoy} CASCADE`);
      await client.end();
    }
  }, 120_000);
});
