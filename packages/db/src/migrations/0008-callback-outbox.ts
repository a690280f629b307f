import type { Kysely } from "kysely";

/**
 * Callbacks as an outbox: an event row is written in the transaction of the session change it
 * reports, and a relay gives events whose job was never created one (index on pending events by
 * age). `next_attempt_at` says when the next delivery attempt is due (shown in the history; null
 * once delivered or given up).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("callback_events").addColumn("next_attempt_at", "bigint").execute();
  await db.schema
    .createIndex("callback_events_pending")
    .on("callback_events")
    .columns(["status", "attempts", "created_at"])
    .execute();
}
