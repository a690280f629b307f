/**
 * The dialects the storage tests run on: SQLite always; PostgreSQL when reachable (these machines
 * run one at 127.0.0.1:5432, database `test`). Each PostgreSQL run gets its own schema.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { type DatabaseHandle, openDatabase } from "../src/index.ts";

export const PG_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export async function postgresReachable(url = PG_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestDatabase {
  name: "sqlite" | "postgres";
  open(): Promise<DatabaseHandle & { dropSchema(): Promise<void> }>;
}

export async function testDatabases(): Promise<TestDatabase[]> {
  const list: TestDatabase[] = [
    {
      name: "sqlite",
      async open() {
        const h = await openDatabase({ url: ":memory:", dataDir: os.tmpdir() });
        return { ...h, dropSchema: async () => undefined };
      },
    },
  ];
  // CI on these machines always has PostgreSQL; REQUIRE_POSTGRES=1 turns "unreachable" into a failure.
  if (await postgresReachable()) {
    list.push({
      name: "postgres",
      async open() {
        const schema = `t_${randomBytes(6).toString("hex")}`;
        const h = await openDatabase({ url: PG_URL, dataDir: os.tmpdir(), pgSchema: schema, pgPoolSize: 4 });
        return {
          ...h,
          async dropSchema() {
            const c = new pg.Client({ connectionString: PG_URL });
            await c.connect();
            await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
            await c.end();
          },
        };
      },
    });
  } else if (process.env.REQUIRE_POSTGRES === "1") {
    throw new Error(`REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at ${PG_URL}`);
  }
  return list;
}
