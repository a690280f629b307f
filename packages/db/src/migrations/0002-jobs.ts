import { type Kysely, sql } from "kysely";

/** The durable job table: verification runs and callback deliveries survive crashes and restarts. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("queue", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("max_attempts", "integer", (c) => c.notNull())
    .addColumn("run_at", "bigint", (c) => c.notNull())
    .addColumn("locked_by", "text")
    .addColumn("locked_until", "bigint")
    .addColumn("last_error", "text")
    .addColumn("result", "text")
    .addColumn("dedupe_key", "text", (c) => c.unique())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("finished_at", "bigint")
    .execute();
  await db.schema
    .createIndex("jobs_ready")
    .on("jobs")
    .columns(["queue", "run_at"])
    .where(sql.ref("status"), "=", "queued")
    .execute();
  await db.schema
    .createIndex("jobs_leases")
    .on("jobs")
    .columns(["queue", "locked_until"])
    .where(sql.ref("status"), "=", "running")
    .execute();
}
