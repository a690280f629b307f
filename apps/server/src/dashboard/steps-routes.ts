/**
 * Dashboard API of the step catalogue, behind the dashboard's login (same cookie, CSRF header on
 * writes): a session's operator questionnaires (definitions and answers) and their filling-in, and
 * the KYB tree — the company data, each beneficiary with its child session's progress and result,
 * and for a child its parent. Sessions of other companies are "not found".
 * @module
 */
import cookie from "@fastify/cookie";
import {
  AppError,
  type Clock,
  type QuestionnaireDefinition,
  questionnaireOf,
  type SessionVerification,
  toSessionStep,
} from "@verimat/core";
import { createDashboardRepository, type SessionRecord } from "@verimat/db";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { CompanyService } from "../services/company-service.ts";
import type { SessionService } from "../services/session-service.ts";
import type { KybService } from "../steps/kyb-service.ts";
import type { StepService } from "../steps/step-service.ts";
import { requireDashboardLogin } from "./dashboard-routes.ts";
import type { createUserService } from "./user-service.ts";

export interface DashboardStepsDeps {
  users: ReturnType<typeof createUserService>;
  companies: CompanyService;
  sessions: SessionService;
  steps: StepService;
  kyb: KybService;
  clock: Clock;
}

export const dashboardStepsRoutes: FastifyPluginAsync<DashboardStepsDeps> = async (app, deps) => {
  const { users, companies, sessions, steps, kyb, clock } = deps;
  await app.register(cookie);
  const companyOf = new WeakMap<FastifyRequest, string>();
  const actorOf = new WeakMap<FastifyRequest, { id: string; email: string }>();

  app.addHook("onRequest", async (request, reply) => {
    const found = await requireDashboardLogin(users, request, reply);
    companyOf.set(request, found.user.companyId);
    actorOf.set(request, { id: found.user.id, email: found.user.email });
  });

  async function sessionOf(request: FastifyRequest, token: string): Promise<SessionRecord> {
    const companyId = companyOf.get(request);
    if (!companyId) throw new AppError("DASHBOARD_AUTH_REQUIRED");
    const s = await sessions.findForCompany(await companies.require(companyId), token);
    if (!s) throw new AppError("DASHBOARD_NOT_FOUND");
    return s;
  }

  function operatorQuestionnaires(s: SessionRecord) {
    const v = s.verification as SessionVerification;
    const out: {
      index: number;
      definition: QuestionnaireDefinition;
      answers: { key: string; answer: unknown }[] | null;
    }[] = [];
    s.effectiveSteps.forEach((raw, index) => {
      if (raw.type !== "operator-questionnaire") return;
      const definition = questionnaireOf(toSessionStep(raw), index);
      out.push({
        index,
        definition,
        answers: v.questionnaires?.find((q) => q.key === definition.key)?.questions ?? null,
      });
    });
    return out;
  }

  /** Operator questionnaires and the KYB tree of a session (the beneficiaries refreshed from their children). */
  app.get<{ Params: { token: string } }>("/dashboard/api/sessions/:token/steps", async (request) => {
    let s = await sessionOf(request, request.params.token);
    s = (await kyb.settle(s.token)) ?? s;
    const v = s.verification as SessionVerification;
    return {
      session_token: s.token,
      status: s.status,
      parent_session_id: s.parentSessionId,
      operator_questionnaires: operatorQuestionnaires(s),
      questionnaires: v.questionnaires ?? [],
      contact: v.contact ?? {},
      geolocation: v.geolocation ?? null,
      company_data: v.company ?? null,
      beneficiaries: v.beneficiaries ?? [],
      video_call: v.videoCall ?? null,
    };
  });

  /**
   * An operator fills in (or corrects) an operator questionnaire; the answers are checked like a
   * person's. The answers, the timeline event and the audit entry (`session.questionnaire`: which
   * questions were answered, not the answers) are written in one transaction.
   */
  app.post<{ Params: { token: string; index: string } }>(
    "/dashboard/api/sessions/:token/operator-questionnaires/:index",
    async (request) => {
      const s = await sessionOf(request, request.params.token);
      const index = Number(request.params.index);
      if (!Number.isInteger(index))
        throw new AppError("PARAM_INVALID", { message: "index must be a step index" });
      const b = request.body as { answers?: unknown } | undefined;
      const actor = actorOf.get(request);
      if (!actor) throw new AppError("DASHBOARD_AUTH_REQUIRED");
      const after = await steps.answerAsOperator(s, index, b?.answers, {
        event: { type: "operator.questionnaire", data: { index, by: actor.email } },
        within: (trx, q) =>
          createDashboardRepository(trx).appendAudit({
            companyId: s.companyId,
            userId: actor.id,
            userEmail: actor.email,
            sessionToken: s.token,
            action: "session.questionnaire",
            data: { index, key: q.key, answered: q.questions.map((x) => x.key) },
            createdAt: clock.now(),
          }),
      });
      return { operator_questionnaires: operatorQuestionnaires(after) };
    },
  );
};
