/**
 * Callbacks: events about a company's sessions POSTed as signed JSON to its callback URL, through the
 * durable job queue (job type "callback"). See index.ts for the exported API.
 *
 * - Session events are an outbox: `sessionSink.prepare` builds the event before the session's
 *   transaction, `write` inserts its row inside it (no change without its event, no event without
 *   its change), `dispatch` creates the delivery job after the commit. A job lost in between (a
 *   crash) is created by the relay (`requeuePending`, run by every callback worker every 30 s).
 * - enqueue() writes an event that reports no session change (Identomat's OTP requests, the CLI's
 *   test event) and its job; nothing happens for a company without a callback URL. Concurrent
 *   enqueues are group-committed.
 * - Bodies that carry a secret (a one-time code, a session link: SECRET_EVENT_TYPES) are stored sealed
 *   under the session's key (vault) and never shown in the history; they are opened only to send.
 * - deliver() is the job handler: signs, POSTs through the SSRF guard, stores the attempt (status,
 *   latency, response excerpt); a failure throws so the runner retries with backoff; after a day (or
 *   for a refused target) the event fails for good.
 * - Retries and replays send the same body and event id: receivers deduplicate on `id`.
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  AppError,
  type Clock,
  createWriteBatcher,
  isSealedJson,
  randomHexId,
  type SecretBox,
} from "@verimat/core";
import {
  type CallbackAttemptRecord,
  type CallbackEventRecord,
  type CallbackEventStatus,
  type CompanyRecord,
  createRepositories,
  type Database,
} from "@verimat/db";
import { type JobQueue, PermanentJobError } from "@verimat/jobs";
import type { Kysely } from "kysely";
import { SIGNATURE_HEADER, signatureHeader } from "./callback-signature.ts";
import { type DeliveryOutcome, deliverCallback } from "./deliver-callback.ts";
import type { Resolver } from "./ssrf-guard.ts";

/** The job queue name of callback deliveries. */
export const CALLBACK_QUEUE = "callback";
/** An event that could not be delivered for this long fails for good. */
export const CALLBACK_GIVE_UP_MS = 24 * 3_600_000;
/** How long the previous signing secret is still sent after a rotation. */
export const CALLBACK_ROTATION_OVERLAP_MS = 24 * 3_600_000;

/**
 * Retry delays: 2 s doubling up to 1 h, ±20 % jitter (first retry within 2.4 s). With the one-day
 * cut-off this makes about 35 attempts.
 */
export function callbackBackoff(attempt: number): number {
  return Math.round(callbackBackoffBase(attempt) * (0.8 + Math.random() * 0.4));
}

/** The retry delay before jitter: what the history shows as the next attempt (±20 %). */
export function callbackBackoffBase(attempt: number): number {
  return Math.min(3_600_000, 2_000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * Event types whose body carries a secret the company passes on (a one-time code, a link that opens
 * someone's session): stored sealed, never shown in the history.
 */
export const SECRET_EVENT_TYPES: ReadonlySet<string> = new Set([
  "one-time-password-request",
  "email-one-time-password-request",
  "share-session-link-via-sms",
  "share-session-link-via-email",
]);

/** What the callback service needs from the vault (services/vault.ts). */
export interface CallbackBodyVault {
  sealCallbackBody(s: { token: string; companyId: string }, eventId: string, body: string): Promise<string>;
  openCallbackBody(token: string | null, eventId: string, stored: string): Promise<string>;
}

/** Event types emitted for sessions; other types (Identomat's OTP requests) may be enqueued too. */
export const SESSION_EVENT_TYPES = [
  "session.created",
  "session.opened",
  "step.completed",
  "session.completed",
  "session.disagreed",
  "session.expired",
  "session.reviewed",
  "session.deleted",
] as const;

export interface CallbackEventInput {
  /** `session.completed`, …, or an Identomat type such as `one-time-password-request`. */
  type: string;
  /** The session token (Identomat's `sessionId`). */
  sessionId?: string | null;
  /** The session's status after the change. */
  status?: string | null;
  /** Event details, sent under `data`. */
  data?: Record<string, unknown>;
  /**
   * Extra top-level fields (Identomat's OTP callbacks: `text`, `phoneNumber`). They cannot replace
   * `id`, `type`, `callbackApiKey`, `sessionId`, `status`, `created` or `timestamp`.
   */
  fields?: Record<string, unknown>;
}

export interface CallbackLog {
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface CallbackServiceDeps {
  db: Kysely<Database>;
  jobs: JobQueue;
  secretBox: SecretBox;
  /** Seals bodies of SECRET_EVENT_TYPES under the session's key. */
  vault: CallbackBodyVault;
  clock: Clock;
  /** Let callbacks reach private, loopback and link-local addresses (ALLOW_PRIVATE_CALLBACKS). */
  allowPrivate: boolean;
  /** Per-attempt timeout (connect to end of answer). */
  timeoutMs: number;
  /** How long a company's callback settings and opened signing secrets stay cached. @default 1000 */
  companyCacheMs?: number;
  resolver?: Resolver;
  log?: CallbackLog;
}

export interface CallbackEventView {
  event_id: string;
  company_id: string;
  session_id: string | null;
  type: string;
  status: CallbackEventStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  /** When the next attempt is due (retries: ±20 % jitter); null once delivered or given up. */
  next_attempt_at: string | null;
  /** The body carries a secret: stored sealed and never shown. */
  body_sealed: boolean;
}

export interface CallbackAttemptView {
  attempt: number;
  url: string;
  status_code: number | null;
  ok: boolean;
  latency_ms: number;
  error: string | null;
  response_excerpt: string;
  at: string;
}

export function viewEvent(e: CallbackEventRecord): CallbackEventView {
  return {
    event_id: e.id,
    company_id: e.companyId,
    session_id: e.sessionToken,
    type: e.type,
    status: e.status,
    attempts: e.attempts,
    last_status_code: e.lastStatusCode,
    last_error: e.lastError,
    created_at: new Date(e.createdAt).toISOString(),
    delivered_at: e.deliveredAt === null ? null : new Date(e.deliveredAt).toISOString(),
    next_attempt_at:
      e.status === "pending" && e.nextAttemptAt !== null ? new Date(e.nextAttemptAt).toISOString() : null,
    body_sealed: isSealedJson(e.body),
  };
}

export function viewAttempt(a: CallbackAttemptRecord): CallbackAttemptView {
  return {
    attempt: a.attempt,
    url: a.url,
    status_code: a.statusCode,
    ok: a.ok,
    latency_ms: a.latencyMs,
    error: a.error,
    response_excerpt: a.responseExcerpt,
    at: new Date(a.createdAt).toISOString(),
  };
}

/** A new event id: `evt_` + 24 hex characters. */
export function newEventId(): string {
  return `evt_${randomHexId()}`;
}

interface JobPayload {
  eventId: string;
  replay?: number;
}

function parsePayload(p: unknown): JobPayload {
  if (typeof p === "object" && p !== null && "eventId" in p && typeof p.eventId === "string") {
    const replay = "replay" in p && typeof p.replay === "number" ? p.replay : undefined;
    return { eventId: p.eventId, ...(replay !== undefined ? { replay } : {}) };
  }
  throw new PermanentJobError("callback job without an eventId");
}

export function createCallbackService(deps: CallbackServiceDeps) {
  const { db, jobs, secretBox, clock } = deps;
  const repos = createRepositories(db);
  const cacheMs = deps.companyCacheMs ?? 1_000;
  const companyCache = new Map<string, { company: CompanyRecord | null; until: number }>();

  /** Creates the delivery jobs of committed events; a failure is logged and left to the relay. */
  async function dispatch(list: readonly CallbackEventRecord[]): Promise<void> {
    try {
      for (const e of list) {
        await jobs.enqueue(
          CALLBACK_QUEUE,
          { eventId: e.id },
          { dedupeKey: `callback:${e.id}`, maxAttempts: 100 },
        );
      }
    } catch (err) {
      deps.log?.error({ err, events: list.length }, "callback job enqueue failed; the relay will retry");
    }
  }

  // Only the rows are batched (a batch that fails is retried row by row); jobs follow the commit.
  const insertEvents = createWriteBatcher<CallbackEventRecord>((list) => repos.callbacks.insertEvents(list), {
    flushAt: 32,
  });

  async function companyFor(companyId: string): Promise<CompanyRecord | null> {
    const now = clock.now();
    const hit = companyCache.get(companyId);
    if (hit && hit.until > now) return hit.company;
    const company = await repos.companies.findById(companyId);
    if (cacheMs > 0) {
      if (companyCache.size >= 10_000) companyCache.clear();
      companyCache.set(companyId, { company, until: now + cacheMs });
    }
    return company;
  }

  function buildBody(id: string, company: CompanyRecord, e: CallbackEventInput, now: number): string {
    const result =
      e.type === "session.completed" || e.type === "session.reviewed" ? { result: e.status ?? null } : {};
    return JSON.stringify({
      ...(e.fields ?? {}),
      callbackApiKey: company.callbackKey,
      type: e.type,
      sessionId: e.sessionId ?? null,
      id,
      status: e.status ?? null,
      ...result,
      created: Math.floor(now / 1000),
      timestamp: new Date(now).toISOString(),
      data: e.data ?? {},
    });
  }

  /**
   * The event row to write, or null for a company without a callback URL. Runs before any
   * transaction (it may read the company and, for a secret-carrying body, the session's key).
   */
  async function prepare(
    companyId: string,
    event: CallbackEventInput,
    company?: CompanyRecord,
  ): Promise<CallbackEventRecord | null> {
    const c = company ?? (await companyFor(companyId));
    if (!c?.callbackUrl) return null;
    const now = clock.now();
    const id = newEventId();
    const sessionToken = event.sessionId ?? null;
    let body = buildBody(id, c, event, now);
    if (SECRET_EVENT_TYPES.has(event.type)) {
      if (sessionToken === null)
        throw new AppError("INTERNAL", { detail: `${event.type} callback without a session` });
      body = await deps.vault.sealCallbackBody({ token: sessionToken, companyId }, id, body);
    }
    return {
      id,
      companyId,
      sessionToken,
      type: event.type,
      body,
      status: "pending",
      attempts: 0,
      lastStatusCode: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
      deliveredAt: null,
      nextAttemptAt: now,
    };
  }

  async function enqueue(
    companyId: string,
    event: CallbackEventInput,
    company?: CompanyRecord,
  ): Promise<string | null> {
    const record = await prepare(companyId, event, company);
    if (!record) return null;
    await insertEvents(record);
    await dispatch([record]);
    return record.id;
  }

  // Opened signing secrets per company for a few seconds: deliveries come in bursts per company.
  const secretCache = new Map<string, { sealed: string | null; secrets: string[]; until: number }>();

  /** The secrets to sign with, newest first (two during a rotation). Creates one if there is none. */
  async function signingSecrets(company: CompanyRecord): Promise<string[]> {
    const now = clock.now();
    const hit = secretCache.get(company.id);
    if (hit && hit.until > now && hit.sealed === company.secretKeySealed) return hit.secrets;
    const secrets = await loadSigningSecrets(company, now);
    if (cacheMs > 0) {
      if (secretCache.size >= 10_000) secretCache.clear();
      secretCache.set(company.id, { sealed: company.secretKeySealed, secrets, until: now + cacheMs });
    }
    return secrets;
  }

  async function loadSigningSecrets(company: CompanyRecord, now: number): Promise<string[]> {
    let row = await repos.callbacks.findSecret(company.id);
    if (company.secretKeySealed) {
      // Callbacks are keyed with the company's secret_key; a copy of its sealed form notices a rotation.
      if (!row || row.secretSealed !== company.secretKeySealed) {
        row = {
          companyId: company.id,
          secretSealed: company.secretKeySealed,
          previousSealed: row ? row.secretSealed : null,
          previousUntil: row ? now + CALLBACK_ROTATION_OVERLAP_MS : null,
        };
        await repos.callbacks.putSecret(row, now);
      }
    } else if (!row) {
      row = {
        companyId: company.id,
        secretSealed: secretBox.seal(newSecret()),
        previousSealed: null,
        previousUntil: null,
      };
      await repos.callbacks.putSecret(row, now);
    }
    const out = [secretBox.open(row.secretSealed)];
    if (row.previousSealed && row.previousUntil !== null && row.previousUntil > now) {
      out.push(secretBox.open(row.previousSealed));
    }
    return out;
  }

  async function deliver(
    payload: unknown,
    job?: { attempts: number },
  ): Promise<{ statusCode: number | null; latencyMs: number } | null> {
    const p = parsePayload(payload);
    const event = await repos.callbacks.findEvent(p.eventId);
    if (!event) throw new PermanentJobError(`callback event ${p.eventId} no longer exists`);
    // Idempotent: a job that runs again after a delivery (lost lease) sends nothing twice.
    if (event.status === "delivered" && p.replay === undefined) return null;
    const company = await companyFor(event.companyId);
    const now = clock.now();
    if (!company?.callbackUrl) {
      await repos.callbacks.setEventStatus(event.id, "failed", "the company has no callback URL", now);
      throw new PermanentJobError("the company has no callback URL");
    }
    const secrets = await signingSecrets(company);
    const attempt = event.attempts + 1;
    // Opened only to send (a sealed body carries a one-time code or a session link).
    const body = await deps.vault.openCallbackBody(event.sessionToken, event.id, event.body);
    const outcome: DeliveryOutcome = await deliverCallback(
      company.callbackUrl,
      body,
      {
        [SIGNATURE_HEADER]: signatureHeader(secrets, Math.floor(now / 1000), body),
        "Verimat-Event-Id": event.id,
        "Verimat-Event-Type": event.type,
        "Verimat-Delivery-Attempt": String(attempt),
      },
      {
        timeoutMs: deps.timeoutMs,
        allowPrivate: deps.allowPrivate,
        ...(deps.resolver ? { resolver: deps.resolver } : {}),
      },
    );
    const after = clock.now();
    const givingUp = outcome.refused || after - event.createdAt >= CALLBACK_GIVE_UP_MS;
    const status: CallbackEventStatus = outcome.ok ? "delivered" : givingUp ? "failed" : "pending";
    await repos.callbacks.recordAttempt(
      {
        id: randomHexId(),
        eventId: event.id,
        attempt,
        url: company.callbackUrl,
        statusCode: outcome.statusCode,
        ok: outcome.ok,
        latencyMs: outcome.latencyMs,
        error: outcome.error?.slice(0, 500) ?? null,
        responseExcerpt: outcome.responseExcerpt,
        createdAt: after,
      },
      {
        status,
        now: after,
        // The runner retries after callbackBackoff(job attempt): the base delay, ±20 %.
        nextAttemptAt: status === "pending" ? after + callbackBackoffBase(job?.attempts ?? attempt) : null,
      },
    );
    if (outcome.ok) return { statusCode: outcome.statusCode, latencyMs: outcome.latencyMs };
    const reason = outcome.error ?? "delivery failed";
    if (givingUp) throw new PermanentJobError(`callback ${event.id}: ${reason}; giving up`);
    throw new Error(`callback ${event.id}: ${reason}`);
  }

  function newSecret(): string {
    return `whsec_${randomBytes(24).toString("base64url")}`;
  }

  return {
    enqueue,
    deliver,

    /**
     * The session service's event sink (the outbox): `prepare` before the transaction of the change,
     * `write` inside it, `dispatch` after its commit (never throws: the relay covers a failure).
     */
    sessionSink: {
      prepare,
      write: (trx: Kysely<Database>, records: readonly CallbackEventRecord[]) =>
        createRepositories(trx).callbacks.insertEvents([...records]),
      dispatch: (records: readonly CallbackEventRecord[]) => dispatch(records),
    },

    /** Sends the event again (same id and body) through a new job. */
    async replay(eventId: string, companyId?: string): Promise<{ event_id: string; job_id: string }> {
      const event = await repos.callbacks.findEvent(eventId);
      if (!event || (companyId !== undefined && event.companyId !== companyId))
        throw new AppError("CALLBACK_EVENT_NOT_FOUND", { message: `No callback event ${eventId}` });
      const now = clock.now();
      await repos.callbacks.setEventStatus(event.id, "pending", event.lastError, now, now);
      const jobId = await jobs.enqueue(
        CALLBACK_QUEUE,
        { eventId: event.id, replay: now },
        { dedupeKey: `callback:${event.id}:replay:${now}`, maxAttempts: 100 },
      );
      return { event_id: event.id, job_id: jobId };
    },

    async listEvents(
      companyId: string,
      opts: { limit?: number; sessionId?: string; status?: CallbackEventStatus } = {},
    ): Promise<CallbackEventView[]> {
      const list = await repos.callbacks.listEvents(companyId, {
        limit: Math.min(Math.max(opts.limit ?? 50, 1), 1_000),
        sessionToken: opts.sessionId,
        status: opts.status,
      });
      return list.map(viewEvent);
    },

    /** Newest first, each with its attempts (the dashboard's history; no bodies). */
    async listEventsWithAttempts(
      companyId: string,
      opts: { limit?: number; sessionId?: string; status?: CallbackEventStatus } = {},
    ): Promise<(CallbackEventView & { attempts_history: CallbackAttemptView[] })[]> {
      const list = await repos.callbacks.listEvents(companyId, {
        limit: Math.min(Math.max(opts.limit ?? 50, 1), 200),
        sessionToken: opts.sessionId,
        status: opts.status,
      });
      const attempts = await repos.callbacks.listAttemptsFor(list.map((e) => e.id));
      return list.map((e) => ({
        ...viewEvent(e),
        attempts_history: (attempts.get(e.id) ?? []).map(viewAttempt),
      }));
    },

    /**
     * One event with its body and every attempt, or null (with `companyId`, only that company's).
     * A sealed body (it carries a one-time code or a session link) is not shown: `body` is null.
     */
    async getEvent(
      eventId: string,
      companyId?: string,
    ): Promise<(CallbackEventView & { body: unknown; attempts_history: CallbackAttemptView[] }) | null> {
      const e = await repos.callbacks.findEvent(eventId);
      if (!e || (companyId !== undefined && e.companyId !== companyId)) return null;
      const attempts = await repos.callbacks.listAttempts(eventId);
      return {
        ...viewEvent(e),
        body: isSealedJson(e.body) ? null : (JSON.parse(e.body) as unknown),
        attempts_history: attempts.map(viewAttempt),
      };
    },

    counts: (companyId?: string) => repos.callbacks.countByStatus(companyId),

    /**
     * Makes sure a company without an HMAC secret_key has a callback signing secret; returns it when it
     * was just created (show it once), null when the company already has one.
     */
    async ensureSigningSecret(companyId: string): Promise<string | null> {
      const company = await repos.companies.findById(companyId);
      if (!company) throw new AppError("COMPANY_NOT_FOUND");
      if (company.secretKeySealed) return null;
      if (await repos.callbacks.findSecret(companyId)) return null;
      const secret = newSecret();
      await repos.callbacks.putSecret(
        { companyId, secretSealed: secretBox.seal(secret), previousSealed: null, previousUntil: null },
        clock.now(),
      );
      return secret;
    },

    /** A new callback signing secret (shown once); the old one is still sent for a day. */
    async rotateSigningSecret(companyId: string): Promise<string> {
      const company = await repos.companies.findById(companyId);
      if (!company) throw new AppError("COMPANY_NOT_FOUND");
      if (company.secretKeySealed)
        throw new AppError("COMPANY_SETTING_INVALID", {
          message: "this company's callbacks are signed with its HMAC secret_key; rotate that instead",
        });
      const now = clock.now();
      const row = await repos.callbacks.findSecret(companyId);
      const secret = newSecret();
      await repos.callbacks.putSecret(
        {
          companyId,
          secretSealed: secretBox.seal(secret),
          previousSealed: row?.secretSealed ?? null,
          previousUntil: row ? now + CALLBACK_ROTATION_OVERLAP_MS : null,
        },
        now,
      );
      secretCache.delete(companyId);
      return secret;
    },

    /** Forget cached company settings (after a change in this process). */
    invalidate(companyId?: string): void {
      if (companyId === undefined) {
        companyCache.clear();
        secretCache.clear();
      } else {
        companyCache.delete(companyId);
        secretCache.delete(companyId);
      }
    },

    /**
     * The outbox relay: gives a job to pending, never-attempted events older than `olderThanMs`
     * (committed, but the process died before their job was created). The dedupe key makes this a
     * no-op for events that have their job. @returns the events looked at.
     */
    async requeuePending(opts: { olderThanMs?: number; limit?: number } = {}): Promise<number> {
      const ids = await repos.callbacks.listUndelivered(
        clock.now() - (opts.olderThanMs ?? 0),
        opts.limit ?? 1_000,
      );
      for (const id of ids) {
        await jobs.enqueue(
          CALLBACK_QUEUE,
          { eventId: id },
          { dedupeKey: `callback:${id}`, maxAttempts: 100 },
        );
      }
      return ids.length;
    },
  };
}

export type CallbackService = ReturnType<typeof createCallbackService>;
