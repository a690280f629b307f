/**
 * Callback events, their delivery attempts and the callback signing secrets. An event row holds the
 * exact JSON body sent, so every retry and replay is byte-identical and carries the same event id.
 * @module
 */
import type { Kysely, Selectable } from "kysely";
import type { CallbackAttemptsTable, CallbackEventsTable, Database } from "../database-schema.ts";

export type CallbackEventStatus = "pending" | "delivered" | "failed";

export interface CallbackEventRecord {
  id: string;
  companyId: string;
  sessionToken: string | null;
  type: string;
  body: string;
  status: CallbackEventStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
  /** When the next attempt is due: null once delivered or given up (migration 0008). */
  nextAttemptAt: number | null;
}

export interface CallbackAttemptRecord {
  id: string;
  eventId: string;
  attempt: number;
  url: string;
  statusCode: number | null;
  ok: boolean;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string;
  createdAt: number;
}

export interface CallbackSecretRecord {
  companyId: string;
  secretSealed: string;
  previousSealed: string | null;
  previousUntil: number | null;
}

function toEvent(r: Selectable<CallbackEventsTable>): CallbackEventRecord {
  return {
    id: r.id,
    companyId: r.company_id,
    sessionToken: r.session_token,
    type: r.type,
    body: r.body,
    status: r.status as CallbackEventStatus,
    attempts: r.attempts,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
    nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
  };
}

function toAttempt(r: Selectable<CallbackAttemptsTable>): CallbackAttemptRecord {
  return {
    id: r.id,
    eventId: r.event_id,
    attempt: r.attempt,
    url: r.url,
    statusCode: r.status_code,
    ok: r.ok === 1,
    latencyMs: r.latency_ms,
    error: r.error,
    responseExcerpt: r.response_excerpt,
    createdAt: Number(r.created_at),
  };
}

export function createCallbackRepository(db: Kysely<Database>) {
  return {
    /**
     * Inserts events in one statement (the caller batches them). Built on a transaction, it writes
     * them with the change they report (the outbox: no change without its event, no event without it).
     */
    async insertEvents(events: CallbackEventRecord[]): Promise<void> {
      if (events.length === 0) return;
      await db
        .insertInto("callback_events")
        .values(
          events.map((e) => ({
            id: e.id,
            company_id: e.companyId,
            session_token: e.sessionToken,
            type: e.type,
            body: e.body,
            status: e.status,
            attempts: e.attempts,
            last_status_code: e.lastStatusCode,
            last_error: e.lastError,
            created_at: e.createdAt,
            updated_at: e.updatedAt,
            delivered_at: e.deliveredAt,
            next_attempt_at: e.nextAttemptAt,
          })),
        )
        .execute();
    },

    async findEvent(id: string): Promise<CallbackEventRecord | null> {
      const r = await db.selectFrom("callback_events").selectAll().where("id", "=", id).executeTakeFirst();
      return r ? toEvent(r) : null;
    },

    /**
     * Pending events that never had an attempt, created at or before `before`: the outbox relay gives
     * each a job (a no-op for those that have one). Oldest first.
     */
    async listUndelivered(before: number, limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom("callback_events")
        .select("id")
        .where("status", "=", "pending")
        .where("attempts", "=", 0)
        .where("created_at", "<=", before)
        .orderBy("created_at")
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },

    /** Newest first. */
    async listEvents(
      companyId: string,
      opts: { limit: number; sessionToken?: string | undefined; status?: CallbackEventStatus | undefined },
    ): Promise<CallbackEventRecord[]> {
      let q = db.selectFrom("callback_events").selectAll().where("company_id", "=", companyId);
      if (opts.sessionToken !== undefined) q = q.where("session_token", "=", opts.sessionToken);
      if (opts.status !== undefined) q = q.where("status", "=", opts.status);
      const rows = await q.orderBy("created_at", "desc").orderBy("id").limit(opts.limit).execute();
      return rows.map(toEvent);
    },

    /** Records one attempt and its outcome on the event, atomically. */
    async recordAttempt(
      a: CallbackAttemptRecord,
      outcome: { status: CallbackEventStatus; now: number; nextAttemptAt: number | null },
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto("callback_attempts")
          .values({
            id: a.id,
            event_id: a.eventId,
            attempt: a.attempt,
            url: a.url,
            status_code: a.statusCode,
            ok: a.ok ? 1 : 0,
            latency_ms: a.latencyMs,
            error: a.error,
            response_excerpt: a.responseExcerpt,
            created_at: a.createdAt,
          })
          .execute();
        await trx
          .updateTable("callback_events")
          .set({
            status: outcome.status,
            attempts: a.attempt,
            last_status_code: a.statusCode,
            last_error: a.error,
            updated_at: outcome.now,
            next_attempt_at: outcome.nextAttemptAt,
            ...(a.ok ? { delivered_at: outcome.now } : {}),
          })
          .where("id", "=", a.eventId)
          .execute();
      });
    },

    async setEventStatus(
      id: string,
      status: CallbackEventStatus,
      error: string | null,
      now: number,
      nextAttemptAt: number | null = null,
    ) {
      await db
        .updateTable("callback_events")
        .set({ status, last_error: error, updated_at: now, next_attempt_at: nextAttemptAt })
        .where("id", "=", id)
        .execute();
    },

    async listAttempts(eventId: string): Promise<CallbackAttemptRecord[]> {
      const rows = await db
        .selectFrom("callback_attempts")
        .selectAll()
        .where("event_id", "=", eventId)
        .orderBy("attempt")
        .orderBy("created_at")
        .execute();
      return rows.map(toAttempt);
    },

    /** The attempts of several events (a history page), by event id, in attempt order. */
    async listAttemptsFor(eventIds: readonly string[]): Promise<Map<string, CallbackAttemptRecord[]>> {
      const out = new Map<string, CallbackAttemptRecord[]>();
      if (eventIds.length === 0) return out;
      const rows = await db
        .selectFrom("callback_attempts")
        .selectAll()
        .where("event_id", "in", [...eventIds])
        .orderBy("attempt")
        .orderBy("created_at")
        .execute();
      for (const r of rows) {
        const list = out.get(r.event_id) ?? [];
        list.push(toAttempt(r));
        out.set(r.event_id, list);
      }
      return out;
    },

    async countByStatus(companyId?: string): Promise<Record<CallbackEventStatus, number>> {
      let q = db
        .selectFrom("callback_events")
        .select(["status", db.fn.countAll<number>().as("n")])
        .groupBy("status");
      if (companyId !== undefined) q = q.where("company_id", "=", companyId);
      const out: Record<CallbackEventStatus, number> = { pending: 0, delivered: 0, failed: 0 };
      for (const r of await q.execute()) out[r.status as CallbackEventStatus] = Number(r.n);
      return out;
    },

    async findSecret(companyId: string): Promise<CallbackSecretRecord | null> {
      const r = await db
        .selectFrom("callback_secrets")
        .selectAll()
        .where("company_id", "=", companyId)
        .executeTakeFirst();
      return r
        ? {
            companyId: r.company_id,
            secretSealed: r.secret_sealed,
            previousSealed: r.previous_sealed,
            previousUntil: r.previous_until === null ? null : Number(r.previous_until),
          }
        : null;
    },

    /** Inserts or replaces the company's callback secret row. */
    async putSecret(s: CallbackSecretRecord, now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable("callback_secrets")
          .set({
            secret_sealed: s.secretSealed,
            previous_sealed: s.previousSealed,
            previous_until: s.previousUntil,
            updated_at: now,
          })
          .where("company_id", "=", s.companyId)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) > 0) return;
        await trx
          .insertInto("callback_secrets")
          .values({
            company_id: s.companyId,
            secret_sealed: s.secretSealed,
            previous_sealed: s.previousSealed,
            previous_until: s.previousUntil,
            created_at: now,
            updated_at: now,
          })
          .execute();
      });
    },
  };
}

export type CallbackRepository = ReturnType<typeof createCallbackRepository>;
