import type { Kysely } from "kysely";

/**
 * Callbacks: every event sent to a company's callback URL (the exact body, so retries and replays are
 * byte-identical and keep their event id), each delivery attempt (status, latency, response excerpt)
 * and the callback signing secrets of companies without an HMAC secret_key (with the previous secret
 * kept during a rotation so both signatures can be sent).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("callback_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("session_token", "text")
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_status_code", "integer")
    .addColumn("last_error", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("delivered_at", "bigint")
    .execute();
  await db.schema
    .createIndex("callback_events_company")
    .on("callback_events")
    .columns(["company_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("callback_events_session")
    .on("callback_events")
    .column("session_token")
    .execute();

  await db.schema
    .createTable("callback_attempts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("event_id", "text", (c) => c.notNull().references("callback_events.id").onDelete("cascade"))
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("status_code", "integer")
    .addColumn("ok", "integer", (c) => c.notNull())
    .addColumn("latency_ms", "integer", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("response_excerpt", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("callback_attempts_event")
    .on("callback_attempts")
    .columns(["event_id", "attempt"])
    .execute();

  await db.schema
    .createTable("callback_secrets")
    .addColumn("company_id", "text", (c) => c.primaryKey().references("companies.id").onDelete("cascade"))
    .addColumn("secret_sealed", "text", (c) => c.notNull())
    .addColumn("previous_sealed", "text")
    .addColumn("previous_until", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
}
