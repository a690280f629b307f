import { type Kysely, sql } from "kysely";
import { sessionFilterColumns } from "../repositories/session-filters.ts";

const BATCH = 1_000;

/**
 * The dashboard's session list and overview in SQL: the findings' clear filter fields become columns
 * (`document_type`, `document_country`) and an index table (`session_reason_codes`, one row per code,
 * with the session's `created_at` for the overview), none of them personal data; indexes for the
 * keyset-paginated list (company, filter, created_at, token). Existing rows are backfilled from their
 * stored findings in batches (the clear fields are readable without any key).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("sessions").addColumn("document_type", "text").execute();
  await db.schema.alterTable("sessions").addColumn("document_country", "text").execute();
  await db.schema
    .createTable("session_reason_codes")
    .addColumn("session_token", "text", (c) => c.notNull().references("sessions.token").onDelete("cascade"))
    .addColumn("company_id", "text", (c) => c.notNull())
    .addColumn("code", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("session_reason_codes_pk", ["session_token", "code"])
    .execute();

  // Backfill before the indexes exist (cheaper).
  await backfillSessionFilters(db);

  // Keyset order of the list is (created_at desc, token desc) within a company.
  await db.schema
    .createIndex("sessions_company_list")
    .on("sessions")
    .columns(["company_id", "created_at", "token"])
    .execute();
  await db.schema
    .createIndex("sessions_company_status_list")
    .on("sessions")
    .columns(["company_id", "status", "created_at", "token"])
    .execute();
  // Partial: begin/ inserts sessions without findings (NULL here), so its hot insert skips these two;
  // a filter `document_type = ?` implies NOT NULL, which lets both databases use them.
  await db.schema
    .createIndex("sessions_company_doctype_list")
    .on("sessions")
    .columns(["company_id", "document_type", "created_at", "token"])
    .where(sql.ref("document_type"), "is not", null)
    .execute();
  await db.schema
    .createIndex("sessions_company_country_list")
    .on("sessions")
    .columns(["company_id", "document_country", "created_at", "token"])
    .where(sql.ref("document_country"), "is not", null)
    .execute();
  // (company_id, created_at) is a prefix of sessions_company_list: one index fewer for every insert.
  await db.schema.dropIndex("sessions_company_created").execute();
  // Only KYB beneficiaries have a parent: the others need no entry.
  await db.schema.dropIndex("sessions_parent").execute();
  await db.schema
    .createIndex("sessions_parent")
    .on("sessions")
    .column("parent_session_id")
    .where(sql.ref("parent_session_id"), "is not", null)
    .execute();
  await db.schema
    .createIndex("session_reason_codes_list")
    .on("session_reason_codes")
    .columns(["company_id", "code", "created_at", "session_token"])
    .execute();
  await db.schema
    .createIndex("session_reason_codes_overview")
    .on("session_reason_codes")
    .columns(["company_id", "created_at", "code"])
    .execute();
}

/**
 * Writes the filter columns and reason-code rows of every session from its stored findings, in
 * batches keyed on the token (exported for its test; idempotent: rows already there are kept).
 */
export async function backfillSessionFilters<DB>(db: Kysely<DB>): Promise<number> {
  let after = "";
  let seen = 0;
  for (;;) {
    const rows = await sql<{
      token: string;
      company_id: string;
      created_at: number | string;
      verification: string;
    }>`
      select token, company_id, created_at, verification from sessions
      where token > ${after} order by token limit ${BATCH}`.execute(db);
    // Few distinct (type, country) pairs: one UPDATE per pair and one INSERT per batch, not per row.
    const pairs = new Map<string, { type: string | null; country: string | null; tokens: string[] }>();
    const reasons: { token: string; companyId: string; code: string; createdAt: number }[] = [];
    for (const r of rows.rows) {
      let v: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(r.verification);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
          v = parsed as Record<string, unknown>;
      } catch {
        // An unreadable findings column gets no filter values; the session stays listed.
      }
      const f = sessionFilterColumns(v);
      if (f.documentType !== null || f.documentCountry !== null) {
        const key = JSON.stringify([f.documentType, f.documentCountry]);
        const pair = pairs.get(key) ?? { type: f.documentType, country: f.documentCountry, tokens: [] };
        pair.tokens.push(r.token);
        pairs.set(key, pair);
      }
      for (const code of f.reasonCodes)
        reasons.push({ token: r.token, companyId: r.company_id, code, createdAt: Number(r.created_at) });
    }
    for (const p of pairs.values())
      await sql`update sessions set document_type = ${p.type}, document_country = ${p.country}
        where token in (${sql.join(p.tokens)})`.execute(db);
    // (1,000 rows a statement: 4,000 parameters, under either dialect's limit)
    for (let i = 0; i < reasons.length; i += 1_000)
      await sql`insert into session_reason_codes (session_token, company_id, code, created_at)
        values ${sql.join(reasons.slice(i, i + 1_000).map((x) => sql`(${x.token}, ${x.companyId}, ${x.code}, ${x.createdAt})`))}
        on conflict do nothing`.execute(db);
    seen += rows.rows.length;
    const last = rows.rows.at(-1);
    if (!last || rows.rows.length < BATCH) break;
    after = last.token;
  }

  return seen;
}
