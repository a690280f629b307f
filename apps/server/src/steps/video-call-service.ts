/**
 * The video-call step: a person asks to join, waits in the company's queue, an operator accepts, the
 * two browsers exchange WebRTC signalling through us, and the operator ends the call with an outcome
 * that completes the step. Everything lives in the database (`video_calls`, `video_call_signals`), so
 * the widget and the dashboard may talk to different API processes: a long-poll reads the table again
 * every `pollIntervalMs` until something new is there.
 *
 * Concurrency: a call moves waiting → active → ended with conditional updates (`where status = …`), so
 * two operators cannot both accept, and an end racing a timeout has one winner. Signals are numbered
 * per sender (`seq`, primary key): a writer takes max + 1 and retries on a clash, so a reader asking
 * for `seq > n` never skips a message that commits later.
 *
 * Liveness of both sides: each poll request stamps `person_seen_at` / `operator_seen_at`; a side unseen for
 * `goneMs` has left (tab closed, network gone) and the call ends with `person_left` / `operator_left`.
 * A waiting call past its deadline ends with `timeout`. These are settled lazily on every read.
 * @module
 */
import {
  AppError,
  type Clock,
  parseVideoCallOutcome,
  parseVideoCallSignal,
  randomHexId,
  type SessionVerification,
  toSessionStep,
  type VideoCallResult,
  videoCallSpecOf,
} from "@verimat/core";
import type { Database, SessionRecord, VideoCallsTable } from "@verimat/db";
import type { Kysely, Selectable } from "kysely";
import type { IceServer } from "../config.ts";
import type { SessionService } from "../services/session-service.ts";

export type CallRow = Selectable<VideoCallsTable>;
export type Side = "person" | "operator";

export interface VideoCallServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  sessions: SessionService;
  /** Default queue wait (a step's `wait_minutes` overrides it). */
  waitMs: number;
  iceServers: readonly IceServer[];
  /** A side not seen (no poll) for this long has left. Default 45 s. */
  goneMs?: number;
  /** How often a long-poll reads the table again. Default 300 ms. */
  pollIntervalMs?: number;
}

export interface Operator {
  id: string;
  email: string;
  companyId: string;
}

export interface SignalOut {
  seq: number;
  kind: string;
  data: unknown;
}

/** What each side sees of a call. */
export interface CallView {
  call_id: string;
  status: "waiting" | "active" | "ended";
  /** 1-based place in the company's queue while waiting, else null. */
  position: number | null;
  requested_at: string;
  wait_deadline: string;
  accepted_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
  ice_servers: readonly IceServer[];
  /** The operator's dashboard records the call (the step's `record` option); the person is told. */
  record: boolean;
}

/** How long after a call ended its operator may still send the recording's last chunk. */
export const RECORDING_TAIL_MS = 60_000;
/** A page hidden during a call (maybe a reload) has this long to come back before it counts as gone. */
export const RELOAD_GRACE_MS = 10_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createVideoCallService(deps: VideoCallServiceDeps) {
  const { db, clock, sessions } = deps;
  const goneMs = deps.goneMs ?? 45_000;
  const pollIntervalMs = deps.pollIntervalMs ?? 300;
  let closing = false;

  async function row(id: string): Promise<CallRow | undefined> {
    return db.selectFrom("video_calls").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Ends the call if it is still in `from`; returns whether this caller ended it. */
  async function endIf(call: CallRow, from: "waiting" | "active", reason: string): Promise<boolean> {
    const r = await db
      .updateTable("video_calls")
      .set({ status: "ended", ended_at: clock.now(), end_reason: reason })
      .where("id", "=", call.id)
      .where("status", "=", from)
      .executeTakeFirst();
    const ended = Number(r.numUpdatedRows) > 0;
    // The SDP and candidates name network addresses: not kept past the call.
    if (ended) await db.deleteFrom("video_call_signals").where("call_id", "=", call.id).execute();
    return ended;
  }

  /** Applies the timeouts that are due (deadline, a side gone); returns the fresh row. */
  async function settle(call: CallRow): Promise<CallRow> {
    const now = clock.now();
    let reason: string | null = null;
    if (call.status === "waiting") {
      if (now > call.wait_deadline) reason = "timeout";
      else if (now - call.person_seen_at > goneMs) reason = "person_left";
    } else if (call.status === "active") {
      if (now - call.person_seen_at > goneMs) reason = "person_left";
      else if (now - (call.operator_seen_at ?? now) > goneMs) reason = "operator_left";
    }
    if (reason === null) return call;
    await endIf(call, call.status === "waiting" ? "waiting" : "active", reason);
    return (await row(call.id)) ?? call;
  }

  async function positionOf(call: CallRow): Promise<number | null> {
    if (call.status !== "waiting") return null;
    const r = await db
      .selectFrom("video_calls")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("company_id", "=", call.company_id)
      .where("status", "=", "waiting")
      // Ahead: asked earlier (the id breaks ties within a millisecond).
      .where((eb) =>
        eb.or([
          eb("requested_at", "<", call.requested_at),
          eb.and([eb("requested_at", "=", call.requested_at), eb("id", "<=", call.id)]),
        ]),
      )
      .where("wait_deadline", ">=", clock.now())
      .executeTakeFirst();
    return Math.max(1, Number(r?.n ?? 1));
  }

  async function view(call: CallRow): Promise<CallView> {
    return {
      call_id: call.id,
      status: call.status as CallView["status"],
      position: await positionOf(call),
      requested_at: new Date(call.requested_at).toISOString(),
      wait_deadline: new Date(call.wait_deadline).toISOString(),
      accepted_at: iso(call.accepted_at),
      ended_at: iso(call.ended_at),
      end_reason: call.end_reason,
      ice_servers: deps.iceServers,
      record: call.record !== 0,
    };
  }

  /** The session's latest call for its current video-call step, settled. */
  async function latestOf(s: SessionRecord): Promise<CallRow | null> {
    const call = await db
      .selectFrom("video_calls")
      .selectAll()
      .where("session_token", "=", s.token)
      .where("step_index", "=", s.currentStep)
      .orderBy("requested_at", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return call ? settle(call) : null;
  }

  /** The current step, which must be a video call, of a session still taking input. */
  function currentCallStep(s: SessionRecord): { index: number; waitMs: number; record: boolean } {
    if (s.status !== "in_progress" || s.submittedAt !== null) throw new AppError("SESSION_CLOSED");
    const raw = s.effectiveSteps[s.currentStep];
    if (raw?.type !== "video-call")
      throw new AppError("STEP_NOT_IN_SESSION", { message: "the current step is not video-call" });
    const spec = videoCallSpecOf(toSessionStep(raw), s.currentStep);
    return {
      index: s.currentStep,
      waitMs: spec.waitMinutes === null ? deps.waitMs : Math.round(spec.waitMinutes * 60_000),
      record: spec.record,
    };
  }

  async function signalsAfter(callId: string, from: Side, after: number): Promise<SignalOut[]> {
    const rows = await db
      .selectFrom("video_call_signals")
      .select(["seq", "kind", "payload"])
      .where("call_id", "=", callId)
      .where("sender", "=", from)
      .where("seq", ">", after)
      .orderBy("seq", "asc")
      .limit(200)
      .execute();
    return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, data: JSON.parse(r.payload) as unknown }));
  }

  async function stamp(call: CallRow, side: Side): Promise<void> {
    if (call.status === "ended") return;
    await db
      .updateTable("video_calls")
      .set(side === "person" ? { person_seen_at: clock.now() } : { operator_seen_at: clock.now() })
      .where("id", "=", call.id)
      .execute();
  }

  /**
   * Waits (up to `waitMs`) until the other side sent a signal after `after`, or the call's status or
   * queue position changed; then answers with the call and the new signals. Each read counts as the
   * side being present.
   */
  async function poll(
    load: () => Promise<CallRow>,
    side: Side,
    after: number,
    waitMs: number,
    gone: () => boolean,
  ): Promise<{ call: CallView; signals: SignalOut[] }> {
    const other: Side = side === "person" ? "operator" : "person";
    const started = Date.now();
    let first: CallView | null = null;
    // One "seen" stamp per request: a held poll lasts ≤ 25 s, well within `goneMs`.
    await stamp(await load(), side);
    for (;;) {
      const call = await load();
      const signals = call.status === "active" ? await signalsAfter(call.id, other, after) : [];
      const v = await view(call);
      first ??= v;
      const changed = v.status !== first.status || v.position !== first.position;
      if (
        signals.length > 0 ||
        changed ||
        v.status === "ended" ||
        Date.now() - started >= waitMs ||
        closing ||
        gone()
      )
        return { call: v, signals };
      // A queue position may lag a second; signalling of a live call should not.
      await sleep(v.status === "waiting" ? pollIntervalMs * 3 : pollIntervalMs);
    }
  }

  async function addSignal(call: CallRow, side: Side, input: unknown): Promise<{ seq: number }> {
    const { kind, data } = parseVideoCallSignal(input);
    return insertSignal(call, side, kind, data);
  }

  /** The last seq `side` sent on the call (0: none). */
  async function lastSeq(callId: string, side: Side): Promise<number> {
    const last = await db
      .selectFrom("video_call_signals")
      .select((eb) => eb.fn.max("seq").as("m"))
      .where("call_id", "=", callId)
      .where("sender", "=", side)
      .executeTakeFirst();
    return Number(last?.m ?? 0);
  }

  async function insertSignal(
    call: CallRow,
    side: Side,
    kind: string,
    data: unknown,
  ): Promise<{ seq: number }> {
    const payload = JSON.stringify(data);
    for (let i = 0; i < 10; i++) {
      const last = await db
        .selectFrom("video_call_signals")
        .select((eb) => eb.fn.max("seq").as("m"))
        .where("call_id", "=", call.id)
        .where("sender", "=", side)
        .executeTakeFirst();
      const seq = Number(last?.m ?? 0) + 1;
      if (seq > 500)
        throw new AppError("VIDEO_CALL_SIGNAL_INVALID", { message: "too many signalling messages" });
      try {
        await db
          .insertInto("video_call_signals")
          .values({ call_id: call.id, sender: side, seq, kind, payload, created_at: clock.now() })
          .execute();
        return { seq };
      } catch (err) {
        // Another message of the same side took this number: take the next one.
        if (i === 9) throw err;
      }
    }
    throw new AppError("INTERNAL");
  }

  async function forCompany(operator: Operator, callId: string): Promise<CallRow> {
    const call = await row(callId);
    if (!call || call.company_id !== operator.companyId) throw new AppError("VIDEO_CALL_NOT_FOUND");
    return settle(call);
  }

  /** The operator's own live call. @throws VIDEO_CALL_NOT_ACTIVE otherwise */
  async function mine(operator: Operator, callId: string): Promise<CallRow> {
    const call = await forCompany(operator, callId);
    if (call.status !== "active" || call.operator_id !== operator.id)
      throw new AppError("VIDEO_CALL_NOT_ACTIVE");
    return call;
  }

  return {
    /** Long-polls stop at once (graceful shutdown). */
    close(): void {
      closing = true;
    },

    // ---- the person (widget API, scoped to the session token) ----------------------------------

    /** The person's call of the current step (null before they asked to join). */
    async personState(s: SessionRecord): Promise<CallView | null> {
      currentCallStep(s);
      const call = await latestOf(s);
      return call ? view(call) : null;
    },

    /** Joins the queue: the waiting or live call of this step, or a new one (also after a timeout). */
    async join(s: SessionRecord): Promise<CallView> {
      const { index, waitMs, record } = currentCallStep(s);
      const existing = await latestOf(s);
      if (existing && existing.status !== "ended") {
        await stamp(existing, "person");
        return view(existing);
      }
      const now = clock.now();
      const id = randomHexId();
      await db
        .insertInto("video_calls")
        .values({
          id,
          session_token: s.token,
          company_id: s.companyId,
          step_index: index,
          status: "waiting",
          requested_at: now,
          wait_deadline: now + waitMs,
          person_seen_at: now,
          accepted_at: null,
          operator_id: null,
          operator_email: null,
          operator_seen_at: null,
          ended_at: null,
          end_reason: null,
          recording_media_id: null,
          record: record ? 1 : 0,
        })
        .execute();
      await sessions.touch(s);
      await sessions.appendEvent(s, "video_call.requested", { callId: id, index });
      const created = await row(id);
      if (!created) throw new AppError("INTERNAL");
      return view(created);
    },

    async personPoll(
      s: SessionRecord,
      callId: string,
      after: number,
      waitMs: number,
      gone: () => boolean,
    ): Promise<{ call: CallView; signals: SignalOut[]; currentStep: number }> {
      const load = async () => {
        const call = await row(callId);
        if (!call || call.session_token !== s.token) throw new AppError("VIDEO_CALL_NOT_FOUND");
        return settle(call);
      };
      // Waiting and talking are activity: the session must not expire in the queue.
      if (clock.now() - (s.lastActivityAt ?? 0) > 60_000) await sessions.touch(s);
      const out = await poll(load, "person", after, waitMs, gone);
      // A passed or failed call completed the step: tell the widget where the session stands.
      const fresh = out.call.status === "ended" ? ((await sessions.find(s.token)) ?? s) : s;
      return { ...out, currentStep: fresh.currentStep };
    },

    async personSignal(s: SessionRecord, callId: string, input: unknown): Promise<{ seq: number }> {
      const call = await row(callId);
      if (!call || call.session_token !== s.token) throw new AppError("VIDEO_CALL_NOT_FOUND");
      const fresh = await settle(call);
      if (fresh.status !== "active") throw new AppError("VIDEO_CALL_NOT_ACTIVE");
      return addSignal(fresh, "person", input);
    },

    /**
     * The person hangs up or leaves the queue. Idempotent. `maybeReload` (the page is going away, which
     * may be a reload): the call is not ended at once but counts as gone unless the person is back
     * within RELOAD_GRACE_MS (a reloaded page rejoins, `personRejoin`).
     */
    async personLeave(s: SessionRecord, callId: string, maybeReload = false): Promise<CallView> {
      const call = await row(callId);
      if (!call || call.session_token !== s.token) throw new AppError("VIDEO_CALL_NOT_FOUND");
      const fresh = await settle(call);
      if (fresh.status !== "ended" && maybeReload) {
        await db
          .updateTable("video_calls")
          .set({ person_seen_at: Math.min(fresh.person_seen_at, clock.now() - goneMs + RELOAD_GRACE_MS) })
          .where("id", "=", callId)
          .where("status", "=", fresh.status)
          .execute();
      } else if (fresh.status !== "ended") {
        if (await endIf(fresh, fresh.status === "waiting" ? "waiting" : "active", "person_left"))
          await sessions.appendEvent(s, "video_call.left", { callId, by: "person" });
      }
      const after = await row(callId);
      return view(after ?? fresh);
    },

    /**
     * A reloaded page back in its live call: the operator (still in it, or settle would have ended it)
     * is asked for a new offer (a `rejoin` message from the person), and `after` tells the page to skip
     * the operator's messages to its earlier connection. @throws VIDEO_CALL_NOT_ACTIVE
     */
    async personRejoin(s: SessionRecord, callId: string): Promise<{ call: CallView; after: number }> {
      const call = await row(callId);
      if (!call || call.session_token !== s.token) throw new AppError("VIDEO_CALL_NOT_FOUND");
      const fresh = await settle(call);
      if (fresh.status !== "active") throw new AppError("VIDEO_CALL_NOT_ACTIVE");
      await stamp(fresh, "person");
      const after = await lastSeq(fresh.id, "operator");
      await insertSignal(fresh, "person", "rejoin", null);
      await sessions.appendEvent(s, "video_call.rejoined", { callId });
      return { call: await view(fresh), after };
    },

    // ---- the operator (dashboard API, logged in) -------------------------------------------------

    /** The company's waiting calls, oldest first (those gone or past their deadline are settled out), and the operator's live ones. */
    async queue(operator: Operator): Promise<{
      waiting: (CallView & { session_token: string; waited_seconds: number })[];
      mine: (CallView & { session_token: string })[];
    }> {
      const rows = await db
        .selectFrom("video_calls")
        .selectAll()
        .where("company_id", "=", operator.companyId)
        .where((eb) =>
          eb.or([
            eb("status", "=", "waiting"),
            eb.and([eb("status", "=", "active"), eb("operator_id", "=", operator.id)]),
          ]),
        )
        .orderBy("requested_at", "asc")
        .orderBy("id", "asc")
        .limit(200)
        .execute();
      const now = clock.now();
      const waiting: (CallView & { session_token: string; waited_seconds: number })[] = [];
      const live: (CallView & { session_token: string })[] = [];
      for (const r of rows) {
        const call = await settle(r);
        if (call.status === "waiting")
          waiting.push({
            ...(await view(call)),
            session_token: call.session_token,
            waited_seconds: Math.round((now - call.requested_at) / 1000),
          });
        else if (call.status === "active")
          live.push({ ...(await view(call)), session_token: call.session_token });
      }
      return { waiting, mine: live };
    },

    /** Takes a waiting call (one operator wins). @throws VIDEO_CALL_NOT_WAITING */
    async accept(operator: Operator, callId: string): Promise<CallView & { session_token: string }> {
      const call = await forCompany(operator, callId);
      if (call.status !== "waiting") throw new AppError("VIDEO_CALL_NOT_WAITING");
      // A session that expired or finished meanwhile has nobody to talk to.
      const s = await sessions.find(call.session_token);
      if (s?.status !== "in_progress" || s.submittedAt !== null || s.currentStep !== call.step_index) {
        await endIf(call, "waiting", "closed");
        throw new AppError("VIDEO_CALL_NOT_WAITING", { message: "The person's session is no longer open" });
      }
      const now = clock.now();
      const r = await db
        .updateTable("video_calls")
        .set({
          status: "active",
          accepted_at: now,
          operator_id: operator.id,
          operator_email: operator.email,
          operator_seen_at: now,
        })
        .where("id", "=", call.id)
        .where("status", "=", "waiting")
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new AppError("VIDEO_CALL_NOT_WAITING");
      const after = await row(call.id);
      if (!after) throw new AppError("VIDEO_CALL_NOT_FOUND");
      return { ...(await view(after)), session_token: after.session_token };
    },

    async operatorPoll(
      operator: Operator,
      callId: string,
      after: number,
      waitMs: number,
      gone: () => boolean,
    ): Promise<{ call: CallView; signals: SignalOut[] }> {
      const first = await forCompany(operator, callId);
      if (first.operator_id !== operator.id) throw new AppError("VIDEO_CALL_NOT_ACTIVE");
      return poll(() => forCompany(operator, callId), "operator", after, waitMs, gone);
    },

    async operatorSignal(operator: Operator, callId: string, input: unknown): Promise<{ seq: number }> {
      return addSignal(await mine(operator, callId), "operator", input);
    },

    /** The operator's live call and its session, for storing a still. */
    async liveSession(
      operator: Operator,
      callId: string,
    ): Promise<{ call: CallRow; session: SessionRecord }> {
      const call = await mine(operator, callId);
      const s = await sessions.find(call.session_token);
      if (!s) throw new AppError("VIDEO_CALL_NOT_FOUND");
      return { call, session: s };
    },

    /**
     * The call a recording chunk belongs to: the operator's own, live or ended within RECORDING_TAIL_MS
     * (the recorder's last chunk arrives after the hang-up), whose step records.
     * @throws VIDEO_CALL_NOT_ACTIVE, VIDEO_CALL_RECORDING_OFF
     */
    async recordingTarget(
      operator: Operator,
      callId: string,
    ): Promise<{ call: CallRow; session: SessionRecord }> {
      const call = await forCompany(operator, callId);
      if (call.operator_id !== operator.id) throw new AppError("VIDEO_CALL_NOT_ACTIVE");
      const live =
        call.status === "active" ||
        (call.status === "ended" && clock.now() - (call.ended_at ?? 0) <= RECORDING_TAIL_MS);
      if (!live) throw new AppError("VIDEO_CALL_NOT_ACTIVE");
      if (call.record === 0) throw new AppError("VIDEO_CALL_RECORDING_OFF");
      const s = await sessions.find(call.session_token);
      if (!s) throw new AppError("VIDEO_CALL_NOT_FOUND");
      return { call, session: s };
    },

    /**
     * Names the call's latest recording (its first chunk created it; an operator's reloaded page starts
     * another) and notes it in the session's timeline, so every recording of the call is listed there.
     */
    async noteRecording(call: CallRow, s: SessionRecord, mediaId: string): Promise<void> {
      await db
        .updateTable("video_calls")
        .set({ recording_media_id: mediaId })
        .where("id", "=", call.id)
        .execute();
      await sessions.appendEvent(s, "video_call.recording", { callId: call.id, mediaId });
    },

    /** Records a still's media id as part of the call (kept in the session's timeline). */
    async noteStill(call: CallRow, s: SessionRecord, mediaId: string, size: number): Promise<void> {
      await sessions.appendEvent(s, "video_call.still", { callId: call.id, mediaId, size });
    },

    /** The operator leaves without a verdict: the call ends, the person may join the queue again. */
    async operatorLeave(operator: Operator, callId: string): Promise<CallView> {
      const call = await mine(operator, callId);
      await endIf(call, "active", "operator_left");
      return view((await row(callId)) ?? call);
    },

    /**
     * Ends the call with the operator's verdict and completes the step: the record lands in the
     * session's verification (`video_call` in the result) and the step counter moves, in one
     * compare-and-set together with `audit` (the dashboard's audit entry).
     * @throws VIDEO_CALL_OUTCOME_INVALID, VIDEO_CALL_NOT_ACTIVE, SESSION_CLOSED
     */
    async finish(
      operator: Operator,
      callId: string,
      input: unknown,
      audit: (trx: Kysely<Database>, record: VideoCallResult, sessionToken: string) => Promise<void>,
    ): Promise<{ call: CallView; record: VideoCallResult }> {
      const verdict = parseVideoCallOutcome(input);
      const call = await mine(operator, callId);
      for (let attempt = 0; attempt < 5; attempt++) {
        const s = await sessions.find(call.session_token);
        if (!s) throw new AppError("VIDEO_CALL_NOT_FOUND");
        if (s.status !== "in_progress" || s.submittedAt !== null) throw new AppError("SESSION_CLOSED");
        if (s.currentStep !== call.step_index || s.effectiveSteps[call.step_index]?.type !== "video-call")
          throw new AppError("STEP_OUT_OF_ORDER", {
            message: "the session is no longer at this call's step",
          });
        const stills = (await sessions.events(s.token))
          .filter((e) => e.type === "video_call.still" && e.data.callId === call.id)
          .map((e) => String(e.data.mediaId));
        const now = clock.now();
        const record: VideoCallResult = {
          outcome: verdict.outcome,
          note: verdict.note,
          operator: operator.email,
          requested_at: new Date(call.requested_at).toISOString(),
          started_at: new Date(call.accepted_at ?? now).toISOString(),
          ended_at: new Date(now).toISOString(),
          duration_seconds: Math.round((now - (call.accepted_at ?? now)) / 1000),
          stills,
          recording: (await row(call.id))?.recording_media_id ?? null,
        };
        const verification: SessionVerification = {
          ...(s.verification as SessionVerification),
          videoCall: record,
        };
        const after = await sessions.patch(
          s,
          { verification: { ...verification }, currentStep: call.step_index + 1, lastActivityAt: now },
          {
            type: "step.completed",
            data: { index: call.step_index, type: "video-call", outcome: verdict.outcome, callId: call.id },
          },
          async (trx) => {
            const r = await trx
              .updateTable("video_calls")
              .set({ status: "ended", ended_at: now, end_reason: verdict.outcome })
              .where("id", "=", call.id)
              .where("status", "=", "active")
              .executeTakeFirst();
            // The person hung up meanwhile: roll the whole change back.
            if (Number(r.numUpdatedRows) === 0) throw new AppError("VIDEO_CALL_NOT_ACTIVE");
            await trx.deleteFrom("video_call_signals").where("call_id", "=", call.id).execute();
            await audit(trx, record, call.session_token);
          },
        );
        if (after) {
          const ended = await row(call.id);
          return { call: await view(ended ?? call), record };
        }
      }
      throw new AppError("STEP_OUT_OF_ORDER", { message: "The session changed meanwhile; retry" });
    },
  };
}

export type VideoCallService = ReturnType<typeof createVideoCallService>;
