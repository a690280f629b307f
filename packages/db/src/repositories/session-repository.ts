import type { Kysely, Selectable } from "kysely";
import type { Database, SessionsTable } from "../database-schema.ts";
import { readJson, writeJson } from "./json-column.ts";
import { sessionFilterColumns } from "./session-filters.ts";

export interface SessionRecord {
  token: string;
  companyId: string;
  configId: string | null;
  parentSessionId: string | null;
  status: string;
  flags: Record<string, unknown>;
  steps: Record<string, unknown>[];
  effectiveSteps: Record<string, unknown>[];
  currentStep: number;
  openDeadline: number;
  openedAt: number | null;
  lastActivityAt: number | null;
  submittedAt: number | null;
  completedAt: number | null;
  verification: Record<string, unknown>;
  resultComment: string;
  technical: Record<string, string>;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export type SessionPatch = Partial<
  Pick<
    SessionRecord,
    | "status"
    | "currentStep"
    | "openedAt"
    | "lastActivityAt"
    | "submittedAt"
    | "completedAt"
    | "verification"
    | "resultComment"
    | "technical"
  >
>;

function toRecord(r: Selectable<SessionsTable>): SessionRecord {
  return {
    token: r.token,
    companyId: r.company_id,
    configId: r.config_id,
    parentSessionId: r.parent_session_id,
    status: r.status,
    flags: readJson(r.flags, "sessions.flags"),
    steps: readJson(r.steps, "sessions.steps"),
    effectiveSteps: readJson(r.effective_steps, "sessions.effective_steps"),
    currentStep: r.current_step,
    openDeadline: r.open_deadline,
    openedAt: r.opened_at,
    lastActivityAt: r.last_activity_at,
    submittedAt: r.submitted_at,
    completedAt: r.completed_at,
    verification: readJson(r.verification, "sessions.verification"),
    resultComment: r.result_comment,
    technical: readJson(r.technical, "sessions.technical"),
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function patchRow(p: SessionPatch): Partial<SessionsTable> {
  const row: Partial<SessionsTable> = {};
  if (p.status !== undefined) row.status = p.status;
  if (p.currentStep !== undefined) row.current_step = p.currentStep;
  if (p.openedAt !== undefined) row.opened_at = p.openedAt;
  if (p.lastActivityAt !== undefined) row.last_activity_at = p.lastActivityAt;
  if (p.submittedAt !== undefined) row.submitted_at = p.submittedAt;
  if (p.completedAt !== undefined) row.completed_at = p.completedAt;
  if (p.verification !== undefined) {
    row.verification = writeJson(p.verification);
    const f = sessionFilterColumns(p.verification);
    row.document_type = f.documentType;
    row.document_country = f.documentCountry;
  }
  if (p.resultComment !== undefined) row.result_comment = p.resultComment;
  if (p.technical !== undefined) row.technical = writeJson(p.technical);
  return row;
}

export function sessionRow(s: SessionRecord) {
  const f = sessionFilterColumns(s.verification);
  return {
    token: s.token,
    company_id: s.companyId,
    config_id: s.configId,
    parent_session_id: s.parentSessionId,
    status: s.status,
    flags: writeJson(s.flags),
    steps: writeJson(s.steps),
    effective_steps: writeJson(s.effectiveSteps),
    current_step: s.currentStep,
    open_deadline: s.openDeadline,
    opened_at: s.openedAt,
    last_activity_at: s.lastActivityAt,
    submitted_at: s.submittedAt,
    completed_at: s.completedAt,
    verification: writeJson(s.verification),
    result_comment: s.resultComment,
    technical: writeJson(s.technical),
    version: s.version,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    document_type: f.documentType,
    document_country: f.documentCountry,
  };
}

/** The `session_reason_codes` rows of sessions (none for a session without reason codes). */
function reasonRows(
  list: readonly Pick<SessionRecord, "token" | "companyId" | "createdAt" | "verification">[],
) {
  return list.flatMap((s) =>
    sessionFilterColumns(s.verification).reasonCodes.map((code) => ({
      session_token: s.token,
      company_id: s.companyId,
      code,
      created_at: s.createdAt,
    })),
  );
}

/**
 * Replaces a session's reason-code rows after its findings changed. Run in the transaction of the
 * update when the caller has one; otherwise in a transaction of its own after it (a crash in between
 * leaves the previous codes, which the next write of the findings replaces).
 */
async function replaceReasonCodes(
  db: Kysely<Database>,
  token: string,
  verification: Record<string, unknown>,
) {
  const write = async (trx: Kysely<Database>) => {
    await trx.deleteFrom("session_reason_codes").where("session_token", "=", token).execute();
    const codes = sessionFilterColumns(verification).reasonCodes;
    if (codes.length === 0) return;
    const s = await trx
      .selectFrom("sessions")
      .select(["company_id", "created_at"])
      .where("token", "=", token)
      .executeTakeFirst();
    if (!s) return;
    await trx
      .insertInto("session_reason_codes")
      .values(
        codes.map((code) => ({
          session_token: token,
          company_id: s.company_id,
          code,
          created_at: s.created_at,
        })),
      )
      .execute();
  };
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
}

export function createSessionRepository(db: Kysely<Database>) {
  return {
    async insert(s: SessionRecord): Promise<void> {
      await db.insertInto("sessions").values(sessionRow(s)).execute();
      const reasons = reasonRows([s]);
      if (reasons.length > 0) await db.insertInto("session_reason_codes").values(reasons).execute();
    },

    /** Inserts several sessions in one statement (all or none). */
    async insertMany(list: readonly SessionRecord[]): Promise<void> {
      if (list.length === 0) return;
      await db.insertInto("sessions").values(list.map(sessionRow)).execute();
      const reasons = reasonRows(list);
      if (reasons.length > 0) await db.insertInto("session_reason_codes").values(reasons).execute();
    },

    async find(token: string): Promise<SessionRecord | null> {
      const r = await db.selectFrom("sessions").selectAll().where("token", "=", token).executeTakeFirst();
      return r ? toRecord(r) : null;
    },

    /** Scoped lookup: a token of another company is indistinguishable from an unknown one. */
    async findForCompany(companyId: string, token: string): Promise<SessionRecord | null> {
      const r = await db
        .selectFrom("sessions")
        .selectAll()
        .where("token", "=", token)
        .where("company_id", "=", companyId)
        .executeTakeFirst();
      return r ? toRecord(r) : null;
    },

    /**
     * Compare-and-set on `version`: applies the patch only if nobody changed the session since it was
     * read, so two concurrent writers (a worker deciding, a user refusing consent) cannot both win.
     * @returns whether the patch was applied.
     */
    async update(token: string, expectedVersion: number, patch: SessionPatch, now: number): Promise<boolean> {
      const r = await db
        .updateTable("sessions")
        .set({ ...patchRow(patch), version: expectedVersion + 1, updated_at: now })
        .where("token", "=", token)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      const ok = Number(r.numUpdatedRows) === 1;
      if (ok && patch.verification !== undefined) await replaceReasonCodes(db, token, patch.verification);
      return ok;
    },

    /** Activity bookkeeping that must not conflict with state changes (no version bump). */
    async touch(token: string, now: number): Promise<void> {
      await db.updateTable("sessions").set({ last_activity_at: now }).where("token", "=", token).execute();
    },

    /** Removes the session row; media rows go with it (foreign key cascade). */
    async delete(token: string): Promise<boolean> {
      const r = await db.deleteFrom("sessions").where("token", "=", token).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    /** In-progress sessions that may have passed their expiry (never opened, or idle); the caller decides. */
    async listExpiryCandidates(now: number, idleMs: number, limit: number): Promise<SessionRecord[]> {
      const rows = await db
        .selectFrom("sessions")
        .selectAll()
        .where("status", "=", "in_progress")
        .where("submitted_at", "is", null)
        .where((eb) =>
          eb.or([
            eb.and([eb("opened_at", "is", null), eb("open_deadline", "<=", now)]),
            eb.and([eb("opened_at", "is not", null), eb("last_activity_at", "<=", now - idleMs)]),
          ]),
        )
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },

    async listChildren(parentToken: string): Promise<SessionRecord[]> {
      const rows = await db
        .selectFrom("sessions")
        .selectAll()
        .where("parent_session_id", "=", parentToken)
        .orderBy("created_at")
        .execute();
      return rows.map(toRecord);
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
