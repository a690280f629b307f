import type { Kysely } from "kysely";

/**
 * What the engine measured on each capture, computed when the capture arrives so that the decision
 * after the last upload only has to combine them. Holds face embeddings (biometric templates): it
 * goes with the session on delete (cascade) and is covered by encryption at rest with the media.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("capture_analyses")
    .addColumn("media_id", "text", (c) => c.primaryKey().references("media.id").onDelete("cascade"))
    .addColumn("session_token", "text", (c) => c.notNull().references("sessions.token").onDelete("cascade"))
    .addColumn("analysis", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("capture_analyses_session")
    .on("capture_analyses")
    .column("session_token")
    .execute();
}
