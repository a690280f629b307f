import type { Kysely } from "kysely";

/**
 * Media that grow while they are made (a video call's recording): each uploaded chunk is its own
 * encrypted object, listed in `media_parts` in order (`seq` from 1, primary key with the media id, so
 * two writers of one chunk cannot both win); the `media` row holds the total size. Parts go with their
 * media row (and so with the session). `video_calls.recording_media_id` names the call's recording,
 * `video_calls.record` whether its step records at all.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("media_parts")
    .addColumn("media_id", "text", (c) => c.notNull().references("media.id").onDelete("cascade"))
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("storage_key", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("media_parts_pk", ["media_id", "seq"])
    .execute();
  await db.schema.alterTable("video_calls").addColumn("recording_media_id", "text").execute();
  // Whether the call's step records it (1/0), fixed when the person joins.
  await db.schema
    .alterTable("video_calls")
    .addColumn("record", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
}
