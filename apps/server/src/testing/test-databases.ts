/**
 * The databases an app-level integration suite runs on, as the storage conformance suite does
 * (packages/db/test/test-databases.ts): SQLite in memory always; PostgreSQL at 127.0.0.1:5432 (database
 * `test`, or TEST_DATABASE_URL) when reachable, each run in a throwaway schema dropped afterwards. Where
 * PostgreSQL must be there (the caller passes `required`: CI=true or REQUIRE_POSTGRES=1, read by the
 * test file since only tests may read the environment) an unreachable one fails the suite instead of
 * skipping it silently.
 * @module
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { PG_URL, postgresReachable } from "../../../../packages/db/test/test-databases.ts";

export interface AppTestDatabase {
  name: "sqlite" | "postgres";
  /** What createTestApp needs for this database (a fresh schema per call on PostgreSQL). */
  env(): Record<string, string>;
  /** Drops what env() created (the schema); call after the app is closed. */
  drop(env: Record<string, string>): Promise<void>;
}

export async function appTestDatabases(o: { required: boolean }): Promise<AppTestDatabase[]> {
  const list: AppTestDatabase[] = [{ name: "sqlite", env: () => ({}), drop: async () => undefined }];
  if (await postgresReachable()) {
    list.push({
      name: "postgres",
      env: () => ({ DATABASE_URL: PG_URL, PG_SCHEMA: `app_${randomBytes(6).toString("hex")}` }),
      async drop(env) {
        const schema = env.PG_SCHEMA;
        if (!schema || !/^app_[0-9a-f]{12}$/.test(schema)) return;
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        try {
          await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await c.end();
        }
      },
    });
  } else if (o.required) {
    throw new Error(`PostgreSQL is required here (CI / REQUIRE_POSTGRES=1) but not reachable at ${PG_URL}`);
  }
  return list;
}
