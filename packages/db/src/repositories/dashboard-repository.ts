/**
 * The operator dashboard's storage: users, their login sessions, the audit log, and the session
 * queries behind the list and the overview. Every query is scoped by company id.
 * @module
 */
import { type ExpressionBuilder, type Kysely, type Selectable, sql } from "kysely";
import type { AuditLogTable, DashboardUsersTable, Database, SessionsTable } from "../database-schema.ts";
import { readJson, writeJson } from "./json-column.ts";

export type DashboardRole = "admin" | "operator";

export interface DashboardUserRecord {
  id: string;
  companyId: string;
  email: string;
  passwordHash: string;
  role: DashboardRole;
  failedLogins: number;
  lockedUntil: number | null;
  disabledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface DashboardLoginRecord {
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface AuditEntry {
  id: number;
  companyId: string;
  userId: string | null;
  userEmail: string;
  sessionToken: string | null;
  action: string;
  data: Record<string, unknown>;
  createdAt: number;
}

/** Session columns the list and the overview need (no flags or steps). */
export interface SessionSummaryRow {
  token: string;
  status: string;
  configId: string | null;
  verification: Record<string, unknown>;
  technical: Record<string, string>;
  createdAt: number;
  submittedAt: number | null;
  completedAt: number | null;
}

/** The list's filters, every one of them answered by SQL on indexed columns (migration 0012). */
export interface SessionListFilter {
  status?: string | undefined;
  /** created_at ≥ from (ms). */
  from?: number | undefined;
  /** created_at < to (ms). */
  to?: number | undefined;
  documentType?: string | undefined;
  /** The document's issuing state (upper case, as stored). */
  country?: string | undefined;
  reasonCode?: string | undefined;
  /**
   * Search: the session with this exact token, or any session whose blind index holds every digest of
   * one of the groups (OR of ANDs; one group per searched field). Absent: no search.
   */
  search?: { token?: string | undefined; digestGroups: readonly (readonly string[])[] } | undefined;
}

/** Keyset position in the list's order (created_at desc, token desc): the last row shown. */
export interface SessionCursor {
  createdAt: number;
  token: string;
}

/** Per day (UTC day number) and status: how many sessions were created. */
export interface OverviewCounts {
  perDay: { day: number; status: string; count: number }[];
  reasons: { code: string; count: number }[];
  /** Median of completed_at − submitted_at over decided sessions of the window, or null. */
  medianDecisionMs: number | null;
}

const DAY_MS = 86_400_000;

function listConditions(
  eb: ExpressionBuilder<Database, "sessions" | "session_reason_codes">,
  companyId: string,
  f: SessionListFilter,
) {
  const and = [eb("sessions.company_id", "=", companyId)];
  if (f.status !== undefined) and.push(eb("sessions.status", "=", f.status));
  if (f.from !== undefined) and.push(eb("sessions.created_at", ">=", f.from));
  if (f.to !== undefined) and.push(eb("sessions.created_at", "<", f.to));
  if (f.documentType !== undefined) and.push(eb("sessions.document_type", "=", f.documentType));
  if (f.country !== undefined) and.push(eb("sessions.document_country", "=", f.country));
  if (f.reasonCode !== undefined) {
    const code = f.reasonCode;
    and.push(
      eb(
        "sessions.token",
        "in",
        eb
          .selectFrom("session_reason_codes as r")
          .select("r.session_token")
          .where("r.company_id", "=", companyId)
          .where("r.code", "=", code),
      ),
    );
  }
  if (f.search !== undefined) {
    const or = [];
    if (f.search.token !== undefined) or.push(eb("sessions.token", "=", f.search.token));
    for (const group of f.search.digestGroups) {
      const unique = [...new Set(group)];
      if (unique.length === 0) continue;
      or.push(
        eb(
          "sessions.token",
          "in",
          eb
            .selectFrom("session_search as x")
            .select("x.session_token")
            .where("x.company_id", "=", companyId)
            .where("x.digest", "in", unique)
            .groupBy("x.session_token")
            .having((h) => h.fn.count("x.digest").distinct(), "=", unique.length),
        ),
      );
    }
    // A search with nothing to look for matches nothing (no session has an empty token).
    and.push(eb.or(or.length > 0 ? or : [eb("sessions.token", "=", "")]));
  }
  return eb.and(and);
}

function toUser(r: Selectable<DashboardUsersTable>): DashboardUserRecord {
  return {
    id: r.id,
    companyId: r.company_id,
    email: r.email,
    passwordHash: r.password_hash,
    role: r.role === "admin" ? "admin" : "operator",
    failedLogins: r.failed_logins,
    lockedUntil: r.locked_until,
    disabledAt: r.disabled_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toAudit(r: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: r.id,
    companyId: r.company_id,
    userId: r.user_id,
    userEmail: r.user_email,
    sessionToken: r.session_token,
    action: r.action,
    data: readJson(r.data, "audit_log.data"),
    createdAt: r.created_at,
  };
}

function toSummary(
  r: Pick<
    Selectable<SessionsTable>,
    | "token"
    | "status"
    | "config_id"
    | "verification"
    | "technical"
    | "created_at"
    | "submitted_at"
    | "completed_at"
  >,
): SessionSummaryRow {
  return {
    token: r.token,
    status: r.status,
    configId: r.config_id,
    verification: readJson(r.verification, "sessions.verification"),
    technical: readJson(r.technical, "sessions.technical"),
    createdAt: r.created_at,
    submittedAt: r.submitted_at,
    completedAt: r.completed_at,
  };
}

export function createDashboardRepository(db: Kysely<Database>) {
  /**
   * The list filtered by a reason code, driven by `session_reason_codes` (company, code, created_at,
   * token) in the list's order, so a rare code is a seek, not a walk through the company's sessions.
   */
  async function listByReason(
    companyId: string,
    code: string,
    filter: SessionListFilter,
    after: SessionCursor | null,
    limit: number,
  ): Promise<SessionSummaryRow[]> {
    const rest = { ...filter, reasonCode: undefined };
    const rows = await db
      .selectFrom("session_reason_codes")
      .innerJoin("sessions", "sessions.token", "session_reason_codes.session_token")
      .select([
        "sessions.token",
        "sessions.status",
        "sessions.config_id",
        "sessions.verification",
        "sessions.technical",
        "sessions.created_at",
        "sessions.submitted_at",
        "sessions.completed_at",
      ])
      .where("session_reason_codes.company_id", "=", companyId)
      .where("session_reason_codes.code", "=", code)
      .where((eb) => {
        const base = listConditions(eb, companyId, rest);
        if (!after) return base;
        return eb.and([
          base,
          eb("session_reason_codes.created_at", "<=", after.createdAt),
          eb.or([
            eb("session_reason_codes.created_at", "<", after.createdAt),
            eb.and([
              eb("session_reason_codes.created_at", "=", after.createdAt),
              eb("session_reason_codes.session_token", "<", after.token),
            ]),
          ]),
        ]);
      })
      .orderBy("session_reason_codes.created_at", "desc")
      .orderBy("session_reason_codes.session_token", "desc")
      .limit(limit)
      .execute();
    return rows.map(toSummary);
  }

  return {
    async insertUser(u: DashboardUserRecord): Promise<void> {
      await db
        .insertInto("dashboard_users")
        .values({
          id: u.id,
          company_id: u.companyId,
          email: u.email,
          password_hash: u.passwordHash,
          role: u.role,
          failed_logins: u.failedLogins,
          locked_until: u.lockedUntil,
          disabled_at: u.disabledAt,
          created_at: u.createdAt,
          updated_at: u.updatedAt,
        })
        .execute();
    },

    async findUserByEmail(email: string): Promise<DashboardUserRecord | null> {
      const r = await db
        .selectFrom("dashboard_users")
        .selectAll()
        .where("email", "=", email)
        .executeTakeFirst();
      return r ? toUser(r) : null;
    },

    async findUser(id: string): Promise<DashboardUserRecord | null> {
      const r = await db.selectFrom("dashboard_users").selectAll().where("id", "=", id).executeTakeFirst();
      return r ? toUser(r) : null;
    },

    async listUsers(companyId: string): Promise<DashboardUserRecord[]> {
      const rows = await db
        .selectFrom("dashboard_users")
        .selectAll()
        .where("company_id", "=", companyId)
        .orderBy("created_at")
        .orderBy("email")
        .execute();
      return rows.map(toUser);
    },

    async countUsers(companyId: string): Promise<number> {
      const r = await db
        .selectFrom("dashboard_users")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("company_id", "=", companyId)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },

    /**
     * Counts a failed login atomically (one UPDATE, so concurrent guesses all count) and locks the
     * account when the count reaches `limit`. Returns the row after the update.
     */
    async recordFailedLogin(
      id: string,
      limit: number,
      lockUntil: number,
      now: number,
    ): Promise<DashboardUserRecord | null> {
      await db
        .updateTable("dashboard_users")
        .set((eb) => ({ failed_logins: eb("failed_logins", "+", 1), updated_at: now }))
        .where("id", "=", id)
        .execute();
      await db
        .updateTable("dashboard_users")
        .set({ locked_until: lockUntil, failed_logins: 0, updated_at: now })
        .where("id", "=", id)
        .where("failed_logins", ">=", limit)
        .execute();
      return this.findUser(id);
    },

    async resetFailedLogins(id: string, now: number): Promise<void> {
      await db
        .updateTable("dashboard_users")
        .set({ failed_logins: 0, locked_until: null, updated_at: now })
        .where("id", "=", id)
        .execute();
    },

    async setPassword(id: string, passwordHash: string, now: number): Promise<void> {
      await db
        .updateTable("dashboard_users")
        .set({ password_hash: passwordHash, failed_logins: 0, locked_until: null, updated_at: now })
        .where("id", "=", id)
        .execute();
    },

    async setDisabled(
      companyId: string,
      id: string,
      disabledAt: number | null,
      now: number,
    ): Promise<boolean> {
      const r = await db
        .updateTable("dashboard_users")
        .set({ disabled_at: disabledAt, updated_at: now })
        .where("id", "=", id)
        .where("company_id", "=", companyId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async insertLogin(l: DashboardLoginRecord): Promise<void> {
      await db
        .insertInto("dashboard_logins")
        .values({
          id_hash: l.idHash,
          user_id: l.userId,
          csrf_token: l.csrfToken,
          created_at: l.createdAt,
          expires_at: l.expiresAt,
          revoked_at: l.revokedAt,
        })
        .execute();
    },

    /** A live login (not revoked, not expired) and its user. */
    async findLogin(
      idHash: string,
      now: number,
    ): Promise<{ login: DashboardLoginRecord; user: DashboardUserRecord } | null> {
      const l = await db
        .selectFrom("dashboard_logins")
        .selectAll()
        .where("id_hash", "=", idHash)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", now)
        .executeTakeFirst();
      if (!l) return null;
      const user = await this.findUser(l.user_id);
      if (!user) return null;
      return {
        login: {
          idHash: l.id_hash,
          userId: l.user_id,
          csrfToken: l.csrf_token,
          createdAt: l.created_at,
          expiresAt: l.expires_at,
          revokedAt: l.revoked_at,
        },
        user,
      };
    },

    async revokeLogin(idHash: string, now: number): Promise<void> {
      await db
        .updateTable("dashboard_logins")
        .set({ revoked_at: now })
        .where("id_hash", "=", idHash)
        .where("revoked_at", "is", null)
        .execute();
    },

    /** "Log out everywhere": every live login of the user. Returns how many were revoked. */
    async revokeUserLogins(userId: string, now: number): Promise<number> {
      const r = await db
        .updateTable("dashboard_logins")
        .set({ revoked_at: now })
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    async appendAudit(e: Omit<AuditEntry, "id">): Promise<void> {
      await db
        .insertInto("audit_log")
        .values({
          company_id: e.companyId,
          user_id: e.userId,
          user_email: e.userEmail,
          session_token: e.sessionToken,
          action: e.action,
          data: writeJson(e.data),
          created_at: e.createdAt,
        })
        .execute();
    },

    async listAudit(
      companyId: string,
      opts: { sessionToken?: string; limit?: number } = {},
    ): Promise<AuditEntry[]> {
      let q = db.selectFrom("audit_log").selectAll().where("company_id", "=", companyId);
      if (opts.sessionToken !== undefined) q = q.where("session_token", "=", opts.sessionToken);
      const rows = await q
        .orderBy("id", "desc")
        .limit(opts.limit ?? 200)
        .execute();
      return rows.map(toAudit);
    },

    /**
     * One page of the company's sessions, newest first (created_at desc, token desc), after `after`
     * (keyset: no offset, so page 10,000 costs what page 1 does). Every filter is SQL on an index.
     */
    async listSessions(
      companyId: string,
      filter: SessionListFilter,
      after: SessionCursor | null,
      limit: number,
    ): Promise<SessionSummaryRow[]> {
      if (filter.reasonCode !== undefined)
        return listByReason(companyId, filter.reasonCode, filter, after, limit);
      const rows = await db
        .selectFrom("sessions")
        .select([
          "token",
          "status",
          "config_id",
          "verification",
          "technical",
          "created_at",
          "submitted_at",
          "completed_at",
        ])
        .where((eb) => {
          const base = listConditions(eb, companyId, filter);
          if (!after) return base;
          // The leading `created_at <=` lets both dialects seek the index to the cursor (an OR alone
          // made SQLite walk from the newest row).
          return eb.and([
            base,
            eb("created_at", "<=", after.createdAt),
            eb.or([
              eb("created_at", "<", after.createdAt),
              eb.and([eb("created_at", "=", after.createdAt), eb("token", "<", after.token)]),
            ]),
          ]);
        })
        .orderBy("created_at", "desc")
        .orderBy("token", "desc")
        .limit(limit)
        .execute();
      return rows.map(toSummary);
    },

    /**
     * How many sessions match `filter`, counted up to `cap` + 1 rows (a count over millions of rows
     * is a scan): `{count: cap, more: true}` when there are more than `cap`.
     */
    async countSessions(
      companyId: string,
      filter: SessionListFilter,
      cap: number,
    ): Promise<{ count: number; more: boolean }> {
      const limited = db
        .selectFrom("sessions")
        .select("token")
        .where((eb) => listConditions(eb, companyId, filter))
        .limit(cap + 1)
        .as("m");
      const r = await db
        .selectFrom(limited)
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .executeTakeFirst();
      const n = Number(r?.n ?? 0);
      return n > cap ? { count: cap, more: true } : { count: n, more: false };
    },

    /**
     * The overview's figures for sessions created at or after `from`, aggregated in SQL on the
     * (company_id, created_at …) indexes: counts per UTC day and status, reason-code counts, and the
     * median time from submission to decision (two ordered rows read at the middle offset).
     */
    async overviewCounts(companyId: string, from: number): Promise<OverviewCounts> {
      const day = sql<number | string>`created_at / ${sql.lit(DAY_MS)}`;
      const perDay = await db
        .selectFrom("sessions")
        .select([day.as("day"), "status", (eb) => eb.fn.countAll<number | string>().as("n")])
        .where("company_id", "=", companyId)
        .where("created_at", ">=", from)
        .groupBy([day, "status"])
        .execute();
      const reasons = await db
        .selectFrom("session_reason_codes")
        .select(["code", (eb) => eb.fn.countAll<number | string>().as("n")])
        .where("company_id", "=", companyId)
        .where("created_at", ">=", from)
        .groupBy("code")
        .execute();
      const decided = db
        .selectFrom("sessions")
        .where("company_id", "=", companyId)
        .where("created_at", ">=", from)
        .where("submitted_at", "is not", null)
        .where("completed_at", "is not", null)
        .where((eb) => eb("completed_at", ">=", eb.ref("submitted_at")));
      const c = await decided.select((eb) => eb.fn.countAll<number | string>().as("n")).executeTakeFirst();
      const n = Number(c?.n ?? 0);
      let medianDecisionMs: number | null = null;
      if (n > 0) {
        const duration = sql<number | string>`completed_at - submitted_at`;
        const mid = await decided
          .select(duration.as("d"))
          .orderBy(duration)
          .limit(n % 2 === 1 ? 1 : 2)
          .offset(n % 2 === 1 ? (n - 1) / 2 : n / 2 - 1)
          .execute();
        const values = mid.map((m) => Number(m.d));
        medianDecisionMs = values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
      }
      return {
        perDay: perDay.map((r) => ({ day: Number(r.day), status: r.status, count: Number(r.n) })),
        reasons: reasons.map((r) => ({ code: r.code, count: Number(r.n) })),
        medianDecisionMs,
      };
    },
  };
}

export type DashboardRepository = ReturnType<typeof createDashboardRepository>;
