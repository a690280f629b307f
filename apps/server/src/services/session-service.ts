/**
 * Sessions: creation (begin), lifetime (opening, activity, expiry), state changes, results, media and
 * deletion. State changes all pass through `transition`, which checks the core transition table and
 * writes with compare-and-set, so concurrent writers cannot both win.
 * @module
 */
import { Readable } from "node:stream";
import {
  AppError,
  assertTransition,
  buildSessionResult,
  type Clock,
  createWriteBatcher,
  effectiveSteps,
  isExpired,
  isSessionStatus,
  newSessionToken,
  overlaySteps,
  parseFlags,
  parseSteps,
  randomHexId,
  type SessionResult,
  type SessionStatus,
  type SessionVerification,
  type TransitionActor,
} from "@verimat/core";
import {
  type CallbackEventRecord,
  type CompanyRecord,
  createKeyRepository,
  createRepositories,
  type Database,
  type DatabaseHandle,
  type MediaRecord,
  type SessionPatch,
  type SessionRecord,
  sessionRow,
} from "@verimat/db";
import type { LivenessChallenge } from "@verimat/engine";
import type { MediaStore } from "@verimat/media";
import { type Kysely, sql } from "kysely";
import { createBeginPlans } from "./begin-plans.ts";
import { createMediaParts, PARTED_MEDIA_KINDS } from "./media-parts.ts";
import type { Vault } from "./vault.ts";

export interface BeginInput {
  flags?: unknown;
  steps?: unknown;
  configId?: string | undefined;
  parentSessionId?: string | undefined;
}

/** Media kinds a session can hold; the result API serves each at `result/<kind>/`. */
export const MEDIA_KINDS = [
  "card-front",
  "card-back",
  "passport",
  "face",
  "face-video",
  "face-document",
  "general-document",
  "liveness-frame",
  // Step catalogue: files answering questionnaire questions, KYB registration documents.
  "questionnaire-file",
  "company-document",
  // Stills an operator captured during a video call.
  "video-call-still",
  // The call as the operator's dashboard recorded it (WebM), stored chunk by chunk (media-parts.ts).
  "video-call-recording",
] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export function isMediaKind(v: string): v is MediaKind {
  return (MEDIA_KINDS as readonly string[]).includes(v);
}

/**
 * Where session events go (callbacks: apps/server/src/callbacks), as an outbox: `prepare` builds the
 * event row before the change's transaction (null: nothing to send), `write` inserts it inside that
 * transaction, so a change is never committed without its event nor an event without its change;
 * `dispatch` runs after the commit (it only creates delivery jobs; a slow receiver never reaches it).
 */
export interface SessionEventSink {
  prepare(
    companyId: string,
    event: { type: string; sessionId: string; status: string; data?: Record<string, unknown> },
    company?: CompanyRecord,
  ): Promise<CallbackEventRecord | null>;
  write(trx: Kysely<Database>, events: readonly CallbackEventRecord[]): Promise<void>;
  dispatch(events: readonly CallbackEventRecord[]): Promise<void>;
}

const NO_EVENTS: SessionEventSink = {
  prepare: async () => null,
  write: async () => undefined,
  dispatch: async () => undefined,
};

export interface SessionServiceDeps {
  db: Kysely<Database>;
  /** Where the database offers it, begin/'s grouped inserts run off the serving thread. */
  bulkInsert?: DatabaseHandle["bulkInsert"];
  media: MediaStore;
  clock: Clock;
  idleMs: number;
  /** Encryption at rest: seals personal fields; `media` must be the encrypted store over it. */
  vault: Vault;
  /** Session events for callbacks: created, opened, step.completed, completed, expired, reviewed, deleted… */
  events?: SessionEventSink;
}

export function createSessionService(deps: SessionServiceDeps) {
  const { db, media, clock, idleMs, vault } = deps;
  const sink: SessionEventSink = deps.events ?? NO_EVENTS;
  /** Writes a prepared event inside the change's transaction. */
  const writeEvent = async (trx: Kysely<Database>, e: CallbackEventRecord | null) => {
    if (e) await sink.write(trx, [e]);
  };
  /** After the commit: the event's delivery job. */
  const dispatchEvent = async (e: CallbackEventRecord | null) => {
    if (e) await sink.dispatch([e]);
  };
  const repos = createRepositories(db);
  const parts = createMediaParts({ db, media, clock });
  const readMediaBytes = (m: MediaRecord): Promise<Buffer | null> =>
    PARTED_MEDIA_KINDS.includes(m.kind) ? parts.read(m) : media.get(m.storageKey);
  const keyRepo = createKeyRepository(db);
  /** A stored record with its sealed fields opened: what every caller outside this module sees. */
  const reveal = (s: SessionRecord) => vault.openSession(s);
  const findOpen = async (token: string) => {
    const s = await repos.sessions.find(token);
    return s ? reveal(s) : null;
  };
  // Small early flushes: answers trickle out while later requests are read (see write-batcher.ts).
  const { bulkInsert } = deps;
  const beginPlans = createBeginPlans();
  const insertSession = createWriteBatcher<SessionRecord>(
    (list) => (bulkInsert ? bulkInsert("sessions", list.map(sessionRow)) : repos.sessions.insertMany(list)),
    // The writer thread commits its messages in order: up to 4 batches queued for it (bench/begin).
    { flushAt: 16, maxInFlight: bulkInsert ? 4 : 1 },
  );
  // A company with a callback URL: the session and its session.created event in one transaction
  // (grouped like the plain inserts, on the serving connection).
  const insertSessionWithEvent = createWriteBatcher<{ session: SessionRecord; event: CallbackEventRecord }>(
    (list) =>
      db.transaction().execute(async (trx) => {
        await createRepositories(trx).sessions.insertMany(list.map((x) => x.session));
        await sink.write(
          trx,
          list.map((x) => x.event),
        );
      }),
    { flushAt: 16 },
  );

  /** Called after every applied state change (KYB parents follow their children's decisions). */
  const transitionListeners: ((s: SessionRecord) => void)[] = [];

  function statusOf(s: SessionRecord): SessionStatus {
    if (!isSessionStatus(s.status))
      throw new AppError("INTERNAL", { detail: `unknown stored status ${s.status}` });
    return s.status;
  }

  function mediaPrefix(s: Pick<SessionRecord, "companyId" | "token">): string {
    return `companies/${s.companyId}/sessions/${s.token}`;
  }

  /**
   * Moves a session to `to`, checking the transition table and that nobody changed it meanwhile.
   * @throws AppError SESSION_TRANSITION_INVALID; a concurrent change is retried once on fresh data.
   */
  async function transition(
    token: string,
    to: SessionStatus,
    actor: TransitionActor,
    patch: SessionPatch = {},
    eventData: Record<string, unknown> = {},
    /** More rows to write in the same transaction as the change (the dashboard's audit entry). */
    alsoWrite?: (trx: Kysely<Database>) => Promise<void>,
  ): Promise<SessionRecord> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const s = await repos.sessions.find(token);
      if (!s) throw new AppError("SESSION_CLOSED", { message: "The session no longer exists" });
      const from = statusOf(s);
      assertTransition(from, to, actor);
      const now = clock.now();
      // Sealed before the transaction: on SQLite a key lookup would wait for the transaction's connection.
      const sealed = await vault.sealPatch(s, patch);
      const full: SessionPatch = {
        ...sealed.patch,
        status: to,
        ...(to !== "in_progress" && !s.completedAt ? { completedAt: now } : {}),
      };
      const callback = await sink.prepare(s.companyId, {
        type: eventTypeFor(to, actor),
        sessionId: token,
        status: to,
        data: { from, to, actor },
      });
      const applied = await db.transaction().execute(async (trx) => {
        const r = createRepositories(trx);
        const ok = await r.sessions.update(token, s.version, full, now);
        if (ok && sealed.search) {
          await createKeyRepository(trx).replaceSearchDigests(token, s.companyId, sealed.search);
        }
        if (ok) {
          await r.events.append({
            sessionToken: token,
            companyId: s.companyId,
            type: eventTypeFor(to, actor),
            data: { from, to, actor, ...eventData },
            createdAt: now,
          });
          await writeEvent(trx, callback);
          await alsoWrite?.(trx);
        }
        return ok;
      });
      if (applied) {
        await dispatchEvent(callback);
        const updated = await findOpen(token);
        if (updated) {
          for (const listener of transitionListeners) listener(updated);
          return updated;
        }
      }
    }
    throw new AppError("SESSION_TRANSITION_INVALID", { message: "The session changed concurrently; retry" });
  }

  /** Persists an expiry that the clock says has happened; returns the current record. */
  async function settleExpiry(s: SessionRecord): Promise<SessionRecord> {
    if (!isExpired({ ...s }, clock.now(), idleMs)) return s;
    try {
      return await transition(s.token, "expired", "system");
    } catch (err) {
      if (err instanceof AppError && err.code === "SESSION_TRANSITION_INVALID") {
        return (await findOpen(s.token)) ?? s;
      }
      throw err;
    }
  }

  /** The content type is read after the bytes went through (uploads are sniffed while streaming). */
  async function storeMedia(
    s: SessionRecord,
    kind: MediaKind,
    body: Buffer | Readable,
    contentType: () => string,
  ): Promise<MediaRecord> {
    const id = randomHexId();
    const key = `${mediaPrefix(s)}/${kind}-${id}`;
    const stored = await media.put(key, body);
    const rec: MediaRecord = {
      id,
      sessionToken: s.token,
      companyId: s.companyId,
      kind,
      storageKey: key,
      contentType: contentType(),
      size: stored.size,
      sha256: stored.sha256,
      createdAt: clock.now(),
    };
    await repos.media.insert(rec);
    return rec;
  }

  /**
   * Removes the session for good: its media objects, then in one transaction its timeline, jobs,
   * callback events and the row itself, whose deletion cascades to media rows, capture analyses,
   * blind-index digests and the session key. Without the key, any copy of the sealed data left
   * behind (a backup, an object the bucket has not deleted yet) can no longer be opened. A KYB
   * session's beneficiaries' sessions exist only for it and go first, the same way (recursively).
   */
  async function deleteSession(s: Pick<SessionRecord, "token" | "companyId">): Promise<void> {
    for (const child of await repos.sessions.listChildren(s.token))
      await deleteSession({ token: child.token, companyId: child.companyId });
    await media.deletePrefix(mediaPrefix(s));
    const callback = await sink.prepare(s.companyId, {
      type: "session.deleted",
      sessionId: s.token,
      status: "deleted",
    });
    await db.transaction().execute(async (trx) => {
      const r = createRepositories(trx);
      await r.events.deleteBySession(s.token);
      await trx.deleteFrom("callback_events").where("session_token", "=", s.token).execute();
      // Job payloads name the session ({"token":…}); tokens are [0-9a-z]{40}, so LIKE needs no escaping.
      await trx.deleteFrom("jobs").where("payload", "like", `%"token":"${s.token}"%`).execute();
      // Dashboard audit entries keep who did what and when, but no longer the session or the values
      // (a field correction records the old and new name or number).
      await trx
        .updateTable("audit_log")
        .set({ session_token: null, data: "{}" })
        .where("session_token", "=", s.token)
        .execute();
      await createKeyRepository(trx).deleteSessionKey(s.token);
      await r.sessions.delete(s.token);
      // After the session's other callback events are gone: this one reports the deletion.
      await writeEvent(trx, callback);
    });
    vault.forgetSession(s.token);
    await dispatchEvent(callback);
  }

  return {
    transition,
    mediaPrefix,
    /** Registers a listener for applied state changes; it must not throw (it handles its own errors). */
    onTransition(listener: (s: SessionRecord) => void): void {
      transitionListeners.push(listener);
    },

    async begin(company: CompanyRecord, input: BeginInput): Promise<string> {
      // Without a saved configuration the whole plan is the request's own, remembered per distinct input.
      const plan = input.configId === undefined ? beginPlans.plan(input.flags, input.steps) : null;
      const requestFlags = plan ? plan.flags : parseFlags(input.flags);
      const requestSteps = plan ? plan.steps : parseSteps(input.steps);
      let configFlags = {};
      let steps = requestSteps;
      let configId: string | null = null;
      if (input.configId !== undefined) {
        if (!/^[0-9a-f]{24}$/i.test(input.configId)) {
          throw new AppError("CONFIG_NOT_FOUND", {
            message: "config_id must be a 24-character configuration id",
          });
        }
        const cfg = await repos.configurations.find(company.id, input.configId.toLowerCase());
        if (!cfg) throw new AppError("CONFIG_NOT_FOUND");
        configId = cfg.id;
        configFlags = parseFlags(cfg.flags);
        steps = overlaySteps(parseSteps(cfg.steps), requestSteps);
      }
      if (input.parentSessionId !== undefined) {
        const parent = await repos.sessions.findForCompany(company.id, input.parentSessionId);
        if (!parent) throw new AppError("PARENT_SESSION_NOT_FOUND");
      }
      // Request flags override the saved configuration's flags one by one.
      const flags = plan ? plan.flags : { ...configFlags, ...requestFlags };
      const effective = plan ? plan.effective : effectiveSteps(flags, steps);
      const now = clock.now();
      const token = newSessionToken(now);
      const record: SessionRecord = {
        token,
        companyId: company.id,
        configId,
        parentSessionId: input.parentSessionId ?? null,
        status: "in_progress",
        flags,
        steps,
        effectiveSteps: effective,
        currentStep: 0,
        openDeadline: now + company.sessionTtlMinutes * 60_000,
        openedAt: null,
        lastActivityAt: null,
        submittedAt: null,
        completedAt: null,
        verification: {},
        resultComment: "",
        technical: {},
        version: 0,
        createdAt: now,
        updatedAt: now,
      };
      // One row and no transaction: the hot path of begin/. The timeline's "session.created" entry is
      // derived from created_at rather than written as an event. Only companies with a callback URL
      // pay for the event: its row is committed with the session's.
      const callback = company.callbackUrl
        ? await sink.prepare(
            company.id,
            { type: "session.created", sessionId: token, status: "in_progress" },
            company,
          )
        : null;
      if (callback) {
        await insertSessionWithEvent({ session: record, event: callback });
        await dispatchEvent(callback);
      } else {
        await insertSession(record);
      }
      return token;
    },

    /** The company's session (expiry settled), or null for unknown tokens and other companies' tokens. */
    async findForCompany(company: CompanyRecord, token: string): Promise<SessionRecord | null> {
      if (!/^[0-9a-z]{40}$/.test(token)) return null;
      const s = await repos.sessions.findForCompany(company.id, token);
      return s ? settleExpiry(await reveal(s)) : null;
    },

    /** Any session by token (the widget's view), expiry settled. */
    async find(token: string): Promise<SessionRecord | null> {
      if (!/^[0-9a-z]{40}$/.test(token)) return null;
      const s = await repos.sessions.find(token);
      return s ? settleExpiry(await reveal(s)) : null;
    },

    buildResult(s: SessionRecord): SessionResult {
      return buildSessionResult({
        token: s.token,
        status: statusOf(s),
        configId: s.configId,
        resultComment: s.resultComment,
        verification: s.verification as SessionVerification,
        technical: s.technical,
      });
    },

    /**
     * The person opened the widget: starts the activity clock and records the technical details the
     * result reports. Opening an expired or finished session does nothing.
     */
    async open(
      s: SessionRecord,
      technical: { remoteAddress: string; userAgent: string; countryCode: string },
    ): Promise<SessionRecord> {
      if (s.status !== "in_progress") return s;
      const now = clock.now();
      if (s.openedAt !== null) {
        await repos.sessions.touch(s.token, now);
        return { ...s, lastActivityAt: now };
      }
      const { patch } = await vault.sealPatch(s, { openedAt: now, lastActivityAt: now, technical });
      const callback = await sink.prepare(s.companyId, {
        type: "session.opened",
        sessionId: s.token,
        status: "in_progress",
      });
      const opened = await db.transaction().execute(async (trx) => {
        const r = createRepositories(trx);
        const applied = await r.sessions.update(s.token, s.version, patch, now);
        if (applied) {
          await r.events.append({
            sessionToken: s.token,
            companyId: s.companyId,
            type: "session.opened",
            data: {},
            createdAt: now,
          });
          await writeEvent(trx, callback);
        }
        return applied;
      });
      if (opened) await dispatchEvent(callback);
      // Applied or not (a concurrent open won), the stored record is the truth.
      return (await findOpen(s.token)) ?? s;
    },

    async touch(s: SessionRecord): Promise<void> {
      await repos.sessions.touch(s.token, clock.now());
    },

    /**
     * Compare-and-set update of fields other than the status (verification sealed like every other
     * write), with an optional timeline event in the same transaction. Used by the step catalogue.
     * @returns the updated record, or null when the session changed meanwhile (reload and retry)
     */
    async patch(
      s: SessionRecord,
      patch: Omit<SessionPatch, "status">,
      event?: { type: string; data: Record<string, unknown> },
      /** Further writes in the same transaction when the update applied (e.g. an audit entry). */
      within?: (trx: Kysely<Database>) => Promise<void>,
    ): Promise<SessionRecord | null> {
      const now = clock.now();
      const sealed = await vault.sealPatch(s, patch);
      const ok = await db.transaction().execute(async (trx) => {
        const applied = await createRepositories(trx).sessions.update(s.token, s.version, sealed.patch, now);
        if (applied && within) await within(trx);
        if (applied && sealed.search)
          await createKeyRepository(trx).replaceSearchDigests(s.token, s.companyId, sealed.search);
        if (applied && event)
          await createRepositories(trx).events.append({
            sessionToken: s.token,
            companyId: s.companyId,
            type: event.type,
            data: event.data,
            createdAt: now,
          });
        return applied;
      });
      return ok ? findOpen(s.token) : null;
    },

    /** Expires every session whose time has passed; returns how many. Safe to run in several processes. */
    async expireDue(limit = 500): Promise<number> {
      const due = await repos.sessions.listExpiryCandidates(clock.now(), idleMs, limit);
      let n = 0;
      for (const s of due) {
        const after = await settleExpiry(s);
        if (after.status === "expired" && s.status !== "expired") n++;
      }
      return n;
    },

    /** Stores a media item for the session (bytes first, then the index row: no row without bytes). */
    putMedia(s: SessionRecord, kind: MediaKind, bytes: Buffer, contentType: string): Promise<MediaRecord> {
      return storeMedia(s, kind, bytes, () => contentType);
    },

    /** Streams an upload into the media store, then indexes it; a failed stream leaves nothing behind. */
    putMediaStream(
      s: SessionRecord,
      kind: MediaKind,
      body: AsyncIterable<Buffer>,
      contentType: () => string,
    ): Promise<MediaRecord> {
      return storeMedia(s, kind, Readable.from(body), contentType);
    },

    /**
     * Appends one chunk to a media item stored chunk by chunk (a call recording; `mediaId` null for the
     * first chunk, which creates it). See media-parts.ts: order checked, nothing half-stored.
     */
    appendMediaChunk(
      s: SessionRecord,
      kind: MediaKind,
      mediaId: string | null,
      seq: number,
      body: AsyncIterable<Buffer>,
      contentType: () => string,
    ): Promise<MediaRecord> {
      return parts.append({
        prefix: mediaPrefix(s),
        sessionToken: s.token,
        companyId: s.companyId,
        kind,
        mediaId,
        seq,
        body,
        contentType,
      });
    },

    async listMedia(s: SessionRecord): Promise<MediaRecord[]> {
      return repos.media.listBySession(s.token);
    },

    /** The liveness challenge issued last (events keep it server-side). */
    async latestChallenge(s: SessionRecord): Promise<LivenessChallenge | null> {
      const events = await repos.events.list(s.token);
      const last = events.filter((e) => e.type === "liveness.challenge").at(-1);
      return last ? (last.data as unknown as LivenessChallenge) : null;
    },

    /** Capture metadata recorded with each upload (liveness frame phase and time), by media id. */
    async captureMeta(
      s: SessionRecord,
    ): Promise<Map<string, { phase?: "active" | "flash"; t?: number; nonce?: string }>> {
      const out = new Map<string, { phase?: "active" | "flash"; t?: number; nonce?: string }>();
      for (const e of await repos.events.list(s.token)) {
        if (e.type !== "capture.stored" || typeof e.data.mediaId !== "string") continue;
        const d = e.data as { phase?: "active" | "flash"; t?: number; nonce?: string };
        out.set(e.data.mediaId, {
          ...(d.phase ? { phase: d.phase } : {}),
          ...(typeof d.t === "number" ? { t: d.t } : {}),
          ...(d.nonce ? { nonce: d.nonce } : {}),
        });
      }
      return out;
    },

    async appendEvent(s: SessionRecord, type: string, data: Record<string, unknown> = {}): Promise<void> {
      await repos.events.append({
        sessionToken: s.token,
        companyId: s.companyId,
        type,
        data,
        createdAt: clock.now(),
      });
    },

    /** Advances past step `index` if it is the current one (activity counts too). */
    async completeStep(s: SessionRecord, index: number): Promise<SessionRecord> {
      if (s.status !== "in_progress" || s.submittedAt !== null) throw new AppError("SESSION_CLOSED");
      if (index !== s.currentStep) throw new AppError("STEP_OUT_OF_ORDER");
      const now = clock.now();
      const step = s.effectiveSteps[index];
      const data = { index, type: step?.type ?? "" };
      const callback = await sink.prepare(s.companyId, {
        type: "step.completed",
        sessionId: s.token,
        status: "in_progress",
        data,
      });
      // The step, its timeline entry and its callback event commit together.
      const ok = await db.transaction().execute(async (trx) => {
        const r = createRepositories(trx);
        const applied = await r.sessions.update(
          s.token,
          s.version,
          { currentStep: index + 1, lastActivityAt: now },
          now,
        );
        if (applied) {
          await r.events.append({
            sessionToken: s.token,
            companyId: s.companyId,
            type: "step.completed",
            data,
            createdAt: now,
          });
          await writeEvent(trx, callback);
        }
        return applied;
      });
      if (!ok)
        throw new AppError("STEP_OUT_OF_ORDER", { message: "The session changed meanwhile; reload it" });
      await dispatchEvent(callback);
      return (await findOpen(s.token)) ?? s;
    },

    /** The person finished every step: from now on the session waits for the decision, and never expires. */
    async submit(s: SessionRecord): Promise<SessionRecord> {
      if (s.status !== "in_progress") throw new AppError("SESSION_CLOSED");
      if (s.submittedAt !== null) return s;
      const now = clock.now();
      const ok = await repos.sessions.update(
        s.token,
        s.version,
        { submittedAt: now, lastActivityAt: now },
        now,
      );
      if (!ok)
        throw new AppError("STEP_OUT_OF_ORDER", { message: "The session changed meanwhile; reload it" });
      await repos.events.append({
        sessionToken: s.token,
        companyId: s.companyId,
        type: "session.submitted",
        data: {},
        createdAt: now,
      });
      return (await findOpen(s.token)) ?? s;
    },

    /** The bytes of one indexed media item (null if the object is gone). */
    readMedia: readMediaBytes,

    async getMedia(
      s: SessionRecord,
      kind: MediaKind,
    ): Promise<{ record: MediaRecord; bytes: Buffer } | null> {
      const rec = await repos.media.findLatest(s.token, kind);
      if (!rec) return null;
      const bytes = await readMediaBytes(rec);
      return bytes ? { record: rec, bytes } : null;
    },

    delete: deleteSession,

    /**
     * Opens the sealed fields of a record read straight from the repository (lists, dashboard
     * queries); records from this service's own methods are already open.
     */
    reveal,

    /**
     * The retention sweep: deletes (as `delete` does) sessions older than their company's
     * `retentionDays`, oldest first, at most `limit` per call. Safe in several processes (deleting a
     * deleted session does nothing). @returns how many were deleted.
     */
    async purgeExpiredRetention(limit = 200): Promise<number> {
      const now = clock.now();
      const due = await db
        .selectFrom("sessions as s")
        .innerJoin("companies as c", "c.id", "s.company_id")
        .select(["s.token", "s.company_id"])
        .where("c.retention_days", "is not", null)
        .where(
          sql<number>`s.created_at`,
          "<",
          sql<number>`${now} - cast(c.retention_days as bigint) * 86400000`,
        )
        .orderBy("s.created_at")
        .limit(limit)
        .execute();
      for (const row of due) {
        // A beneficiary's session may have gone with its KYB parent earlier in this loop.
        if (await repos.sessions.find(row.token))
          await deleteSession({ token: row.token, companyId: row.company_id });
      }
      return due.length;
    },

    /**
     * Capture analyses sealed under the session key (they hold face embeddings). Same shape as the
     * repository's, so the verification service takes either.
     */
    analyses: {
      async put(mediaId: string, sessionToken: string, analysis: unknown, now: number): Promise<void> {
        const s = await repos.sessions.find(sessionToken);
        if (!s) return;
        await repos.analyses.put(mediaId, sessionToken, await vault.sealAnalysis(s, mediaId, analysis), now);
      },
      async listBySession(sessionToken: string): Promise<Map<string, unknown>> {
        const out = new Map<string, unknown>();
        for (const [id, stored] of await repos.analyses.listBySession(sessionToken)) {
          out.set(id, await vault.openAnalysis(sessionToken, id, stored));
        }
        return out;
      },
    },

    /**
     * Sessions of a company whose person matches a search (the dashboard's search box), through the
     * blind index: `name` matches a whole name or any of its words in any order ("smith",
     * "John Smith", "smith john"; case, accents and punctuation ignored), `documentNumber` the whole
     * number (spaces and dashes ignored); likewise a verified `email` or `phone`, a KYB company's
     * `registrationNumber` (its name and its beneficiaries' names count as names). Several given: all
     * must match. Newest first, records opened.
     */
    async searchByPerson(
      companyId: string,
      query: {
        name?: string | undefined;
        documentNumber?: string | undefined;
        email?: string | undefined;
        phone?: string | undefined;
        registrationNumber?: string | undefined;
      },
      limit = 50,
    ): Promise<SessionRecord[]> {
      const digests = [
        ...(query.name ? await vault.searchDigests(companyId, "name", query.name) : []),
        ...(query.documentNumber
          ? await vault.searchDigests(companyId, "document_number", query.documentNumber)
          : []),
        ...(query.email ? await vault.searchDigests(companyId, "email", query.email) : []),
        ...(query.phone ? await vault.searchDigests(companyId, "phone", query.phone) : []),
        ...(query.registrationNumber
          ? await vault.searchDigests(companyId, "registration_number", query.registrationNumber)
          : []),
      ];
      const tokens = await keyRepo.findByBlindIndex(companyId, digests, limit);
      const out: SessionRecord[] = [];
      for (const token of tokens) {
        const s = await findOpen(token);
        if (s) out.push(s);
      }
      return out;
    },

    /** The session's timeline: its creation, then every recorded event. */
    async events(
      token: string,
    ): Promise<{ type: string; data: Record<string, unknown>; createdAt: number }[]> {
      const s = await repos.sessions.find(token);
      if (!s) return [];
      const created = {
        type: "session.created",
        data: { configId: s.configId, parentSessionId: s.parentSessionId },
        createdAt: s.createdAt,
      };
      return [created, ...(await repos.events.list(token))];
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;

function eventTypeFor(to: SessionStatus, actor: TransitionActor): string {
  if (actor === "operator") return "session.reviewed";
  if (to === "expired") return "session.expired";
  if (to === "disagreed") return "session.disagreed";
  return "session.completed";
}
