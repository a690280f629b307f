import { type Kysely, sql } from "kysely";
import type { DbCapabilities } from "../db-capabilities.ts";

/**
 * The operator dashboard: its users (argon2id hashes, lock-out counters), their login sessions (only
 * a SHA-256 of the cookie is stored) and the audit log of every change made through it.
 */
export async function up(db: Kysely<unknown>, caps: DbCapabilities): Promise<void> {
  await db.schema
    .createTable("dashboard_users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("failed_logins", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "bigint")
    .addColumn("disabled_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("dashboard_users_company").on("dashboard_users").column("company_id").execute();

  await db.schema
    .createTable("dashboard_logins")
    .addColumn("id_hash", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("dashboard_users.id").onDelete("cascade"))
    .addColumn("csrf_token", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("dashboard_logins_user").on("dashboard_logins").column("user_id").execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", caps.autoIncrementType, (c) =>
      caps.dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey(),
    )
    .addColumn("company_id", "text", (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("user_id", "text")
    .addColumn("user_email", "text", (c) => c.notNull())
    .addColumn("session_token", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("audit_log_company")
    .on("audit_log")
    .columns(["company_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("audit_log_session")
    .on("audit_log")
    .column("session_token")
    .where(sql.ref("session_token"), "is not", null)
    .execute();
}
