import { type Kysely, sql } from "kysely";
import type { DbCapabilities } from "../db-capabilities.ts";

export async function up(db: Kysely<unknown>, caps: DbCapabilities): Promise<void> {
  await db.schema
    .createTable("companies")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("secret_key_sealed", "text")
    .addColumn("hmac_required", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("hmac_timestamp_required", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("callback_url", "text")
    .addColumn("callback_key", "text")
    .addColumn("allowed_origins", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("session_ttl_minutes", "integer", (c) => c.notNull().defaultTo(15))
    .addColumn("retention_days", "integer")
    .addColumn("settings", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("key_hash", "text", (c) => c.notNull().unique())
    .addColumn("key_prefix", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("api_keys_company").on("api_keys").column("company_id").execute();

  await db.schema
    .createTable("configurations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("flags", "text", (c) => c.notNull())
    .addColumn("steps", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("configurations_company").on("configurations").column("company_id").execute();

  await db.schema
    .createTable("sessions")
    .addColumn("token", "text", (c) => c.primaryKey())
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("config_id", "text")
    .addColumn("parent_session_id", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("flags", "text", (c) => c.notNull())
    .addColumn("steps", "text", (c) => c.notNull())
    .addColumn("effective_steps", "text", (c) => c.notNull())
    .addColumn("current_step", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("open_deadline", "bigint", (c) => c.notNull())
    .addColumn("opened_at", "bigint")
    .addColumn("last_activity_at", "bigint")
    .addColumn("submitted_at", "bigint")
    .addColumn("completed_at", "bigint")
    .addColumn("verification", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("result_comment", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("technical", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("sessions_company_created")
    .on("sessions")
    .columns(["company_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("sessions_status")
    .on("sessions")
    .columns(["status", "open_deadline"])
    .execute();
  await db.schema.createIndex("sessions_parent").on("sessions").column("parent_session_id").execute();

  await db.schema
    .createTable("media")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("session_token", "text", (c) => c.notNull().references("sessions.token").onDelete("cascade"))
    .addColumn("company_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("storage_key", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("media_session_kind").on("media").columns(["session_token", "kind"]).execute();

  await db.schema
    .createTable("session_events")
    .addColumn("id", caps.autoIncrementType, (c) =>
      caps.dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn("session_token", "text", (c) => c.notNull())
    .addColumn("company_id", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("session_events_session")
    .on("session_events")
    .columns(["session_token", "id"])
    .execute();
  await sql`select 1`.execute(db);
}
