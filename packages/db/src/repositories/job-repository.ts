/**
 * The durable job table. Claims are race-safe on both dialects without locks: a claim is a
 * conditional UPDATE that only one worker can win (status still claimable, same attempt count).
 * A job whose lease runs out (its worker crashed or hung) becomes claimable again; a job that keeps
 * crashing its worker runs out of attempts and is failed with a reason instead of looping.
 * @module
 */
import type { Kysely, Selectable } from "kysely";
import type { Database, JobsTable } from "../database-schema.ts";
import { readJson, writeJson } from "./json-column.ts";

export type JobStatus = "queued" | "running" | "done" | "failed";

export interface JobRecord {
  id: string;
  queue: string;
  payload: unknown;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  runAt: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  lastError: string | null;
  result: unknown;
  dedupeKey: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

function toRecord(r: Selectable<JobsTable>): JobRecord {
  return {
    id: r.id,
    queue: r.queue,
    payload: readJson(r.payload, "jobs.payload"),
    status: r.status as JobStatus,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    lockedBy: r.locked_by,
    lockedUntil: r.locked_until,
    lastError: r.last_error,
    result: r.result === null ? null : readJson(r.result, "jobs.result"),
    dedupeKey: r.dedupe_key,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

export function createJobRepository(db: Kysely<Database>) {
  const idByDedupeKey = async (key: string): Promise<string | null> =>
    (await db.selectFrom("jobs").select("id").where("dedupe_key", "=", key).executeTakeFirst())?.id ?? null;
  return {
    /** Inserts a job; with a dedupe key already present, returns the existing job's id instead. */
    async insert(job: {
      id: string;
      queue: string;
      payload: unknown;
      maxAttempts: number;
      runAt: number;
      dedupeKey: string | null;
      now: number;
    }): Promise<string> {
      const existing = job.dedupeKey === null ? null : await idByDedupeKey(job.dedupeKey);
      if (existing) return existing;
      try {
        await db
          .insertInto("jobs")
          .values({
            id: job.id,
            queue: job.queue,
            payload: writeJson(job.payload),
            status: "queued",
            attempts: 0,
            max_attempts: job.maxAttempts,
            run_at: job.runAt,
            locked_by: null,
            locked_until: null,
            last_error: null,
            result: null,
            dedupe_key: job.dedupeKey,
            created_at: job.now,
            updated_at: job.now,
            finished_at: null,
          })
          .execute();
        return job.id;
      } catch (err) {
        // Two enqueuers with the same dedupe key raced: the other one won.
        const winner = job.dedupeKey === null ? null : await idByDedupeKey(job.dedupeKey);
        if (winner) return winner;
        throw err;
      }
    },

    async find(id: string): Promise<JobRecord | null> {
      const r = await db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
      return r ? toRecord(r) : null;
    },

    /** Jobs that may be claimed now: due queued jobs first, then running jobs whose lease expired. */
    async listClaimable(queue: string, now: number, limit: number): Promise<JobRecord[]> {
      const due = await db
        .selectFrom("jobs")
        .selectAll()
        .where("queue", "=", queue)
        .where("status", "=", "queued")
        .where("run_at", "<=", now)
        .orderBy("run_at")
        .limit(limit)
        .execute();
      if (due.length >= limit) return due.map(toRecord);
      const stalled = await db
        .selectFrom("jobs")
        .selectAll()
        .where("queue", "=", queue)
        .where("status", "=", "running")
        .where("locked_until", "<", now)
        .orderBy("locked_until")
        .limit(limit - due.length)
        .execute();
      return [...due, ...stalled].map(toRecord);
    },

    /**
     * Claims one job for `worker`. Exactly one concurrent caller wins: the update matches only while
     * the job is still in the state (and attempt count) the caller saw.
     */
    async claim(job: JobRecord, worker: string, now: number, leaseMs: number): Promise<boolean> {
      const r = await db
        .updateTable("jobs")
        .set({
          status: "running",
          locked_by: worker,
          locked_until: now + leaseMs,
          attempts: job.attempts + 1,
          updated_at: now,
        })
        .where("id", "=", job.id)
        .where("attempts", "=", job.attempts)
        .where((eb) =>
          eb.or([
            eb.and([eb("status", "=", "queued"), eb("run_at", "<=", now)]),
            eb.and([eb("status", "=", "running"), eb("locked_until", "<", now)]),
          ]),
        )
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Extends the lease; false when the job is no longer this worker's (it was reclaimed). */
    async heartbeat(id: string, worker: string, now: number, leaseMs: number): Promise<boolean> {
      const r = await db
        .updateTable("jobs")
        .set({ locked_until: now + leaseMs, updated_at: now })
        .where("id", "=", id)
        .where("locked_by", "=", worker)
        .where("status", "=", "running")
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async complete(id: string, worker: string, result: unknown, now: number): Promise<boolean> {
      const r = await db
        .updateTable("jobs")
        .set({
          status: "done",
          result: writeJson(result),
          locked_by: null,
          locked_until: null,
          updated_at: now,
          finished_at: now,
        })
        .where("id", "=", id)
        .where("locked_by", "=", worker)
        .where("status", "=", "running")
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Puts the job back for a later attempt (`retryAt`) or fails it for good (`retryAt` null). */
    async fail(
      id: string,
      worker: string | null,
      error: string,
      retryAt: number | null,
      now: number,
    ): Promise<boolean> {
      let q = db
        .updateTable("jobs")
        .set(
          retryAt === null
            ? {
                status: "failed",
                last_error: error,
                locked_by: null,
                locked_until: null,
                updated_at: now,
                finished_at: now,
              }
            : {
                status: "queued",
                last_error: error,
                run_at: retryAt,
                locked_by: null,
                locked_until: null,
                updated_at: now,
              },
        )
        .where("id", "=", id)
        .where("status", "=", "running");
      if (worker !== null) q = q.where("locked_by", "=", worker);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Hands a claimed job back untouched (graceful shutdown): the attempt is not counted. */
    async release(id: string, worker: string, now: number): Promise<boolean> {
      const r = await db
        .updateTable("jobs")
        .set((eb) => ({
          status: "queued",
          locked_by: null,
          locked_until: null,
          run_at: now,
          updated_at: now,
          attempts: eb("attempts", "-", 1),
        }))
        .where("id", "=", id)
        .where("locked_by", "=", worker)
        .where("status", "=", "running")
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async countByStatus(queue: string): Promise<Record<JobStatus, number>> {
      const rows = await db
        .selectFrom("jobs")
        .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
        .where("queue", "=", queue)
        .groupBy("status")
        .execute();
      const out: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
      for (const r of rows) out[r.status as JobStatus] = Number(r.n);
      return out;
    },
  };
}

export type JobRepository = ReturnType<typeof createJobRepository>;
