/**
 * The widget's side of the video-call step, scoped to the session token like routes/widget-api.ts:
 * join the operators' queue, long-poll the call (queue position, the operator's signalling messages,
 * its end), send this side's signalling messages, leave. A call is always the session's own: another
 * session's call id answers VIDEO_CALL_NOT_FOUND.
 * @module
 */
import { AppError } from "@verimat/core";
import type { SessionRecord } from "@verimat/db";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { SessionService } from "../services/session-service.ts";
import type { VideoCallService } from "../steps/video-call-service.ts";

export interface WidgetVideoCallDeps {
  sessions: SessionService;
  calls: VideoCallService;
}

function tokenOf(request: FastifyRequest): string {
  const header = request.headers["x-session-token"];
  const q = (request.query as Record<string, unknown> | undefined)?.session_token;
  return typeof header === "string" ? header : typeof q === "string" ? q : "";
}

/** `after` (last signal seq seen) and `wait` (seconds to hold the poll, 0–25, default 20). */
export function pollParams(query: unknown): { after: number; waitMs: number } {
  const q = (query ?? {}) as Record<string, unknown>;
  const after = q.after === undefined || q.after === "" ? 0 : Number(q.after);
  const wait = q.wait === undefined || q.wait === "" ? 20 : Number(q.wait);
  if (!Number.isInteger(after) || after < 0 || after > 1_000_000)
    throw new AppError("PARAM_INVALID", { message: "after must be a whole number ≥ 0" });
  if (!Number.isFinite(wait) || wait < 0 || wait > 25)
    throw new AppError("PARAM_INVALID", { message: "wait must be 0–25 seconds" });
  return { after, waitMs: Math.round(wait * 1000) };
}

export const widgetVideoCallRoutes: FastifyPluginAsync<WidgetVideoCallDeps> = async (app, deps) => {
  const { sessions, calls } = deps;

  async function load(request: FastifyRequest): Promise<SessionRecord> {
    const s = await sessions.find(tokenOf(request));
    if (!s) throw new AppError("SESSION_UNKNOWN");
    if (s.status === "expired") throw new AppError("SESSION_EXPIRED");
    return s;
  }

  app.addHook("onSend", async (_request, reply) => {
    reply.header("cache-control", "no-store");
  });

  /** The call of the current video-call step, if the person asked to join. */
  app.get("/api/widget/video-call", async (request) => {
    const s = await load(request);
    return { call: await calls.personState(s), currentStep: s.currentStep };
  });

  app.post("/api/widget/video-call/join", async (request) => ({
    call: await calls.join(await load(request)),
  }));

  app.get<{ Params: { id: string } }>("/api/widget/video-call/:id/poll", async (request) => {
    const s = await load(request);
    const { after, waitMs } = pollParams(request.query);
    return calls.personPoll(s, request.params.id, after, waitMs, () => request.raw.destroyed);
  });

  app.post<{ Params: { id: string } }>("/api/widget/video-call/:id/signals", async (request) =>
    calls.personSignal(await load(request), request.params.id, request.body),
  );

  /** `{ "maybe_reload": true }`: the page is going away (perhaps a reload); see personLeave. */
  app.post<{ Params: { id: string } }>("/api/widget/video-call/:id/leave", async (request) => {
    const b = (request.body ?? {}) as Record<string, unknown>;
    return {
      call: await calls.personLeave(await load(request), request.params.id, b.maybe_reload === true),
    };
  });

  /** A reloaded page back in its live call: `{ call, after }` (skip the operator's signals ≤ after). */
  app.post<{ Params: { id: string } }>("/api/widget/video-call/:id/rejoin", async (request) =>
    calls.personRejoin(await load(request), request.params.id),
  );
};
