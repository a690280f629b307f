import type { Kysely } from "kysely";

/**
 * One-time codes of the phone-number and email steps. Only HMACs are stored (of the code, and of the
 * destination for the per-destination send limit; the address itself stays in the session's sealed
 * verification); rows are counted per session and per destination for the send limits, and `attempts` is raised with a
 * compare-and-set so parallel guesses cannot exceed the limit. They go with the session on delete.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("otp_codes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("session_token", "text", (c) => c.notNull().references("sessions.token").onDelete("cascade"))
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("destination_hash", "text", (c) => c.notNull())
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("consumed_at", "bigint")
    .execute();
  await db.schema
    .createIndex("otp_codes_session")
    .on("otp_codes")
    .columns(["session_token", "channel", "created_at"])
    .execute();
  await db.schema
    .createIndex("otp_codes_destination")
    .on("otp_codes")
    .columns(["destination_hash", "created_at"])
    .execute();
}
