import type { Kysely } from "kysely";

/**
 * Encryption at rest (see docs/ARCHITECTURE.md, "Encryption at rest"): per-company keys wrapped by a
 * master key (versioned, so a company's data key can be replaced and the old versions still open
 * older sessions), per-session keys wrapped by the company's data key (deleting the row shreds the
 * session: its sealed fields and media can no longer be opened), and the blind index used to search
 * sessions by name or document number without storing either.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("company_keys")
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("master_key_id", "text", (c) => c.notNull())
    .addColumn("wrapped", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("company_keys_pk", ["company_id", "purpose", "version"])
    .execute();
  await db.schema.createIndex("company_keys_master").on("company_keys").column("master_key_id").execute();

  await db.schema
    .createTable("session_keys")
    .addColumn("session_token", "text", (c) =>
      c.primaryKey().references("sessions.token").onDelete("cascade"),
    )
    .addColumn("company_id", "text", (c) => c.notNull())
    .addColumn("data_key_version", "integer", (c) => c.notNull())
    .addColumn("wrapped", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("session_search")
    .addColumn("session_token", "text", (c) => c.notNull().references("sessions.token").onDelete("cascade"))
    .addColumn("company_id", "text", (c) => c.notNull())
    .addColumn("field", "text", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("session_search_pk", ["session_token", "digest"])
    .execute();
  await db.schema
    .createIndex("session_search_lookup")
    .on("session_search")
    .columns(["company_id", "digest"])
    .execute();
}
