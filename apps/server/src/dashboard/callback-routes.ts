/**
 * The dashboard's callback history and replay, behind the dashboard's login (same cookie; the login's
 * `X-CSRF-Token` on the replay): the company's events, or one session's, newest first, each with its
 * attempts (status code, latency, response excerpt) and when the next attempt is due; and a replay
 * (same event id and body, a new delivery job) that any dashboard role may make, written to the
 * audit log. Bodies are never shown (a sealed body carries a one-time code). Another company's event
 * or session answers as unknown.
 * @module
 */
import cookie from "@fastify/cookie";
import { AppError, type Clock } from "@verimat/core";
import type { CallbackEventStatus, DashboardRepository, DashboardUserRecord } from "@verimat/db";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { CallbackService } from "../callbacks/index.ts";
import type { CompanyService } from "../services/company-service.ts";
import type { SessionService } from "../services/session-service.ts";
import { requireDashboardLogin } from "./dashboard-routes.ts";
import { isDashboardRole, type UserService } from "./user-service.ts";

export interface DashboardCallbackDeps {
  users: UserService;
  companies: CompanyService;
  sessions: SessionService;
  callbacks: CallbackService;
  /** The audit log (replays are recorded like every other operator action). */
  dashboard: DashboardRepository;
  clock: Clock;
}

const STATUSES: readonly CallbackEventStatus[] = ["pending", "delivered", "failed"];
const EVENT_ID = /^evt_[0-9a-f]{24}$/;

function listQuery(q: { status?: string; limit?: string }): { status?: CallbackEventStatus; limit: number } {
  const status = q.status === undefined || q.status === "" ? undefined : STATUSES.find((s) => s === q.status);
  if (q.status !== undefined && q.status !== "" && status === undefined)
    throw new AppError("PARAM_INVALID", { message: "status must be pending, delivered or failed" });
  const limit = q.limit === undefined || q.limit === "" ? 50 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new AppError("PARAM_INVALID", { message: "limit must be a whole number 1–200" });
  return { ...(status ? { status } : {}), limit };
}

export const dashboardCallbackRoutes: FastifyPluginAsync<DashboardCallbackDeps> = async (app, deps) => {
  const { users, companies, sessions, callbacks } = deps;
  await app.register(cookie);
  const userOf = new WeakMap<FastifyRequest, DashboardUserRecord>();

  app.addHook("onRequest", async (request, reply) => {
    const found = await requireDashboardLogin(users, request, reply);
    userOf.set(request, found.user);
  });

  const userFor = (request: FastifyRequest): DashboardUserRecord => {
    const u = userOf.get(request);
    if (!u) throw new AppError("DASHBOARD_AUTH_REQUIRED");
    return u;
  };

  /** The company's history (optionally one session's, by `session`), with counts per status. */
  app.get<{ Querystring: { status?: string; limit?: string; session?: string } }>(
    "/dashboard/api/callbacks",
    async (request) => {
      const user = userFor(request);
      const q = listQuery(request.query);
      const session = request.query.session;
      if (session !== undefined && session !== "" && !/^[0-9a-z]{40}$/.test(session))
        throw new AppError("PARAM_INVALID", { message: "session must be a session token" });
      const items = await callbacks.listEventsWithAttempts(user.companyId, {
        ...q,
        ...(session ? { sessionId: session } : {}),
      });
      return { items, counts: await callbacks.counts(user.companyId) };
    },
  );

  /** One session's history (the session detail page); an unknown or foreign session is 404. */
  app.get<{ Params: { token: string }; Querystring: { status?: string; limit?: string } }>(
    "/dashboard/api/sessions/:token/callbacks",
    async (request) => {
      const user = userFor(request);
      const q = listQuery(request.query);
      const s = await sessions.findForCompany(await companies.require(user.companyId), request.params.token);
      if (!s) throw new AppError("DASHBOARD_NOT_FOUND", { message: "No such session" });
      return { items: await callbacks.listEventsWithAttempts(user.companyId, { ...q, sessionId: s.token }) };
    },
  );

  /** Sends the event again: same id and body (receivers deduplicate on it), a new delivery job. */
  app.post<{ Params: { id: string } }>("/dashboard/api/callbacks/:id/replay", async (request) => {
    const user = userFor(request);
    if (!isDashboardRole(user.role)) throw new AppError("DASHBOARD_FORBIDDEN");
    const id = request.params.id;
    const event = EVENT_ID.test(id) ? await callbacks.getEvent(id, user.companyId) : null;
    if (!event) throw new AppError("DASHBOARD_NOT_FOUND", { message: "No such callback event" });
    const out = await callbacks.replay(event.event_id, user.companyId);
    await deps.dashboard.appendAudit({
      companyId: user.companyId,
      userId: user.id,
      userEmail: user.email,
      sessionToken: event.session_id,
      action: "callback.replay",
      data: { event_id: event.event_id, type: event.type },
      createdAt: deps.clock.now(),
    });
    return { ...out, status: "pending" as const };
  });
};
