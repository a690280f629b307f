/**
 * KYB beneficiaries: each listed owner or director gets a child KYC session (`parent_session_id` = the
 * company's session) and its link by e-mail or SMS. The parent keeps a copy of each child's progress
 * and result in its `verification.beneficiaries`, refreshed by `settle()`, which also decides the
 * parent once it was submitted and every required child is final: all approved → approved; any
 * rejected, refused or expired → rejected (`beneficiary_not_verified`); otherwise manual_check.
 * `settle()` runs when a child changes state (session-service transition listener, in-process), when
 * the parent's progress is read, and from the periodic sweep — so several processes converge, and a
 * second settle of a decided parent only refreshes the copy.
 * @module
 */
import {
  AppError,
  type BeneficiaryResult,
  beneficiariesSpecOf,
  type Clock,
  randomHexId,
  type SessionVerification,
  validateBeneficiaries,
} from "@verimat/core";
import { createRepositories, type Database, type SessionRecord } from "@verimat/db";
import type { Kysely } from "kysely";
import type { CompanyService } from "../services/company-service.ts";
import type { SessionService } from "../services/session-service.ts";
import type { Messenger } from "./delivery.ts";
import type { StepService } from "./step-service.ts";

export interface KybServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  sessions: SessionService;
  companies: CompanyService;
  steps: StepService;
  messenger: Messenger;
  publicUrl: string;
}

const FINAL = new Set(["approved", "rejected", "manual_check", "disagreed", "expired"]);
/** Child sessions are opened from an e-mail, often days later: their open window is longer. */
const DEFAULT_CHILD_TTL_HOURS = 72;

function childResult(sessions: SessionService, child: SessionRecord): BeneficiaryResult["result"] {
  if (child.status === "in_progress") return null;
  const r = sessions.buildResult(child);
  return {
    result: r.result,
    similarity: r.similarity,
    live: r.live,
    reject_reason: r.reject_reason,
    person: r.person,
  };
}

export function createKybService(deps: KybServiceDeps) {
  const { db, clock, sessions } = deps;
  const repos = createRepositories(db);

  /** The parent's verdict from its required children, or null while one is still open. */
  function verdict(list: readonly BeneficiaryResult[]): "approved" | "rejected" | "manual_check" | null {
    const required = list.filter((b) => b.required);
    if (required.some((b) => !FINAL.has(b.status))) return null;
    if (required.some((b) => b.status === "rejected" || b.status === "disagreed" || b.status === "expired"))
      return "rejected";
    if (required.some((b) => b.status === "manual_check")) return "manual_check";
    return "approved";
  }

  async function settle(parentToken: string): Promise<SessionRecord | null> {
    const parent = await sessions.find(parentToken);
    if (!parent) return null;
    const before = (parent.verification as SessionVerification).beneficiaries;
    if (!before || before.length === 0) return parent;
    const listed = await repos.sessions.listChildren(parentToken);
    const children = new Map<string, SessionRecord>();
    for (const c of listed) children.set(c.token, await sessions.reveal(c));
    // Settle each child's own expiry first (a lazily expired child counts as expired).
    for (const [token, c] of children) {
      if (c.status === "in_progress") {
        const fresh = await sessions.find(token);
        if (fresh) children.set(token, fresh);
      }
    }
    const refreshed = before.map((b) => {
      const c = children.get(b.session_token);
      return c ? { ...b, status: c.status, result: childResult(sessions, c) } : b;
    });
    let current = parent;
    if (JSON.stringify(refreshed) !== JSON.stringify(before)) {
      try {
        current = await deps.steps.patchVerification(parentToken, (v) => ({
          ...v,
          beneficiaries: refreshed,
        }));
      } catch (err) {
        // Others kept writing the parent meanwhile (settles in other processes): they settle it.
        if (err instanceof AppError && err.code === "SESSION_TRANSITION_INVALID")
          return sessions.find(parentToken);
        throw err;
      }
    }
    const decided = verdict(refreshed);
    if (current.status !== "in_progress" || current.submittedAt === null || decided === null) return current;
    const failing = refreshed.filter((b) => b.required && b.status !== "approved");
    const v = current.verification as SessionVerification;
    const verification: SessionVerification = {
      ...v,
      rejectReason:
        decided === "rejected"
          ? {
              value: "beneficiary_not_verified",
              description: `Not verified: ${failing
                .filter((b) => b.status !== "manual_check")
                .map((b) => `${b.first_name} ${b.last_name}`)
                .join(", ")}`,
            }
          : { value: "", description: "" },
      reasonCodes:
        decided === "approved"
          ? []
          : decided === "rejected"
            ? ["beneficiary_not_verified"]
            : ["beneficiary_review"],
    };
    try {
      return await sessions.transition(
        parentToken,
        decided,
        "engine",
        { verification: { ...verification } },
        {
          reasons: verification.reasonCodes ?? [],
        },
      );
    } catch (err) {
      // Decided elsewhere meanwhile (another process's settle, an operator): the stored state stands.
      if (err instanceof AppError && err.code === "SESSION_TRANSITION_INVALID")
        return sessions.find(parentToken);
      throw err;
    }
  }

  return {
    settle,

    /**
     * Creates one child KYC session per person, completes the step with the list, then sends each link
     * (a delivery failure is recorded on that person and can be retried with `resend`).
     */
    async submitBeneficiaries(s: SessionRecord, input: unknown): Promise<SessionRecord> {
      const { index, step } = deps.steps.current(s, ["beneficiaries"]);
      const spec = beneficiariesSpecOf(step, index);
      const people = validateBeneficiaries(spec, input);
      const company = await deps.companies.require(s.companyId);
      const language =
        (s.verification as SessionVerification).language ?? (s.flags as { language?: unknown }).language;
      const ttlHours =
        typeof step.flags.child_ttl_hours === "number" ? step.flags.child_ttl_hours : DEFAULT_CHILD_TTL_HOURS;
      const list: BeneficiaryResult[] = [];
      for (const p of people) {
        const token = await sessions.begin(company, {
          flags: { ...(typeof language === "string" ? { language } : {}), ...spec.childFlags },
          steps: spec.childSteps,
          parentSessionId: s.token,
        });
        await db
          .updateTable("sessions")
          .set({ open_deadline: clock.now() + Math.min(Math.max(ttlHours, 1), 24 * 30) * 3_600_000 })
          .where("token", "=", token)
          .execute();
        list.push({
          id: randomHexId(),
          first_name: p.firstName,
          last_name: p.lastName,
          roles: p.roles,
          share: p.share,
          email: p.email,
          phone: p.phone,
          required: p.required,
          session_token: token,
          status: "in_progress",
          link_sent_via: null,
          result: null,
        });
      }
      let after = await deps.steps.completeWith(s, index, (v) => ({ ...v, beneficiaries: list }), {
        beneficiaries: list.length,
      });
      for (const b of list) after = await this.sendLink(after, b.id, company);
      return after;
    },

    /** Sends (or re-sends) one person's link; failures are recorded as `link_error`, not thrown. */
    async sendLink(
      parent: SessionRecord,
      beneficiaryId: string,
      company?: Awaited<ReturnType<CompanyService["require"]>>,
    ): Promise<SessionRecord> {
      const b = (parent.verification as SessionVerification).beneficiaries?.find(
        (x) => x.id === beneficiaryId,
      );
      if (!b) throw new AppError("BENEFICIARIES_INVALID", { message: "no such beneficiary" });
      const c = company ?? (await deps.companies.require(parent.companyId));
      const link = `${deps.publicUrl}/?session_token=${b.session_token}`;
      const channel = b.email ? "email" : "sms";
      const to = b.email ?? b.phone ?? "";
      const text = `${c.name} asks you, ${b.first_name} ${b.last_name}, to verify your identity as a ${b.roles.join(
        " and ",
      )} of the company. Open this link to start: ${link}`;
      let via: "email" | "sms" | null = null;
      let error: string | null = null;
      try {
        await deps.messenger.sendLink(
          c,
          b.session_token,
          channel,
          to,
          text,
          link,
          `${c.name}: please verify your identity`,
        );
        via = channel;
      } catch (err) {
        error = err instanceof AppError ? err.code : "OTP_DELIVERY_FAILED";
      }
      await sessions.appendEvent(parent, "beneficiary.link", { beneficiary: b.id, via, error });
      return deps.steps.patchVerification(parent.token, (v) => ({
        ...v,
        beneficiaries: (v.beneficiaries ?? []).map((x) =>
          x.id === b.id ? { ...x, link_sent_via: via, ...(error ? { link_error: error } : {}) } : x,
        ),
      }));
    },

    /** Parents waiting for their beneficiaries (submitted, still in progress): settles each. */
    async settleDue(limit = 200): Promise<number> {
      const rows = await db
        .selectFrom("sessions")
        .select(["token"])
        .where("status", "=", "in_progress")
        .where("submitted_at", "is not", null)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom("sessions as c")
              .select("c.token")
              .whereRef("c.parent_session_id", "=", "sessions.token"),
          ),
        )
        .limit(limit)
        .execute();
      let n = 0;
      for (const r of rows) {
        const after = await settle(r.token);
        if (after && after.status !== "in_progress") n++;
      }
      return n;
    },
  };
}

export type KybService = ReturnType<typeof createKybService>;
