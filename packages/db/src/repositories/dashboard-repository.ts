/**
 * The operator dashboard's storage: users, their login sessions, the audit log, and the session
 * queries behind the list and the overview. Every query is scoped by company id.
 * @module
 */
import type { Kysely, Selectable } from "kysely";
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

export interface SessionScanFilter {
  status?: string | undefined;
  /** created_at ≥ from (ms). */
  from?: number | undefined;
  /** created_at < to (ms). */
  to?: number | undefined;
  /** Exact token (search by token needs no scan). */
  token?: string | undefined;
  /** Only these tokens (the result of a blind-index search); an empty list matches nothing. */
  tokens?: readonly string[] | undefined;
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
     * The company's sessions, newest first, in pages of `limit` rows after `before` (a keyset cursor
     * of created_at + token), filtered by the indexed columns. Filters on the JSON findings (names,
     * document numbers, reason codes) are applied by the caller on these rows, so they keep working
     * whatever a later migration does to how those fields are stored.
     */
    async scanSessions(
      companyId: string,
      filter: SessionScanFilter,
      before: { createdAt: number; token: string } | null,
      limit: number,
    ): Promise<SessionSummaryRow[]> {
      let q = db
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
        .where("company_id", "=", companyId);
      if (filter.status !== undefined) q = q.where("status", "=", filter.status);
      if (filter.from !== undefined) q = q.where("created_at", ">=", filter.from);
      if (filter.to !== undefined) q = q.where("created_at", "<", filter.to);
      if (filter.token !== undefined) q = q.where("token", "=", filter.token);
      if (filter.tokens !== undefined) {
        if (filter.tokens.length === 0) return [];
        q = q.where("token", "in", [...filter.tokens]);
      }
      if (before) {
        const b = before;
        q = q.where((eb) =>
          eb.or([
            eb("created_at", "<", b.createdAt),
            eb.and([eb("created_at", "=", b.createdAt), eb("token", "<", b.token)]),
          ]),
        );
      }
      const rows = await q.orderBy("created_at", "desc").orderBy("token", "desc").limit(limit).execute();
      return rows.map(toSummary);
    },
  };
}

export type DashboardRepository = ReturnType<typeof createDashboardRepository>;
