import type { Kysely } from "kysely";

/**
 * The video-call step: `video_calls` is the operators' queue and each call's state (waiting → active →
 * ended, moved with conditional updates so two operators cannot both take a call); its signalling
 * messages (SDP, ICE) live in `video_call_signals` so any API process can relay them, numbered per
 * sender (`seq`, unique) so a reader never skips one. Both go with the session on delete.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("video_calls")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("session_token", "text", (c) => c.notNull().references("sessions.token").onDelete("cascade"))
    .addColumn("company_id", "text", (c) => c.notNull())
    .addColumn("step_index", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("requested_at", "bigint", (c) => c.notNull())
    .addColumn("wait_deadline", "bigint", (c) => c.notNull())
    .addColumn("person_seen_at", "bigint", (c) => c.notNull())
    .addColumn("accepted_at", "bigint")
    .addColumn("operator_id", "text")
    .addColumn("operator_email", "text")
    .addColumn("operator_seen_at", "bigint")
    .addColumn("ended_at", "bigint")
    .addColumn("end_reason", "text")
    .execute();
  await db.schema
    .createIndex("video_calls_queue")
    .on("video_calls")
    .columns(["company_id", "status", "requested_at"])
    .execute();
  await db.schema
    .createIndex("video_calls_session")
    .on("video_calls")
    .columns(["session_token", "requested_at"])
    .execute();
  await db.schema
    .createTable("video_call_signals")
    .addColumn("call_id", "text", (c) => c.notNull().references("video_calls.id").onDelete("cascade"))
    .addColumn("sender", "text", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("video_call_signals_pk", ["call_id", "sender", "seq"])
    .execute();
}
