/**
 * The "verify" job: load a submitted session's captures, run the engine in the worker pool, store
 * what it found and move the session to the decision. Idempotent: a session that is no longer in
 * progress (decided, or retried after a crash that happened after the decision) is left alone.
 * @module
 */
import {
  allowedDocumentTypes,
  type Clock,
  type SessionVerification,
  type TSessionFlags,
} from "@verimat/core";
import type { Capture } from "@verimat/engine";
import { DEFAULT_MATCH_THRESHOLDS } from "@verimat/engine/policy";
import { PermanentJobError } from "@verimat/jobs";
import type { CompanyService } from "../services/company-service.ts";
import type { SessionService } from "../services/session-service.ts";
import type { VerifyPool } from "./verify-pool.ts";

export interface VerificationDeps {
  sessions: SessionService;
  companies: CompanyService;
  pool: VerifyPool;
  clock: Clock;
}

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

export function createVerificationService(deps: VerificationDeps) {
  const { sessions, companies, pool, clock } = deps;
  return {
    /** Job handler for the "verify" queue. */
    async handle(payload: unknown): Promise<{ status: string; reasons: string[] }> {
      const token = (payload as { token?: unknown } | null)?.token;
      if (typeof token !== "string") throw new PermanentJobError("payload without a session token");
      const s = await sessions.find(token);
      if (!s) return { status: "deleted", reasons: [] };
      if (s.status !== "in_progress") return { status: s.status, reasons: [] };
      const company = await companies.require(s.companyId);
      const flags = s.flags as TSessionFlags;
      const types = new Set(s.effectiveSteps.map((step) => String(step.type)));
      const media = await sessions.listMedia(s);
      const meta = await sessions.captureMeta(s);
      const challenge = await sessions.latestChallenge(s);
      const captures: Capture[] = [];
      for (const m of media) {
        const bytes = await sessions.readMedia(m);
        if (!bytes) continue;
        const extra = meta.get(m.id) ?? {};
        // Frames of an older challenge do not count towards the current one.
        if (m.kind === "liveness-frame" && extra.nonce !== challenge?.active.nonce) continue;
        captures.push({
          kind: m.kind,
          bytes: new Uint8Array(bytes),
          ...(extra.phase ? { phase: extra.phase } : {}),
          ...(extra.t !== undefined ? { t: extra.t } : {}),
        });
      }
      const livenessStep = s.effectiveSteps.find((step) => step.type === "liveness");
      const settings = company.settings;
      const started = clock.now();
      const out = await pool.run({
        captures,
        required: {
          document: types.has("identity-document"),
          face: types.has("liveness"),
          liveness:
            livenessStep !== undefined && (livenessStep.flags as { liveness?: unknown }).liveness === true,
        },
        documentTypes: allowedDocumentTypes(flags),
        documentCountries: flags.document_countries ?? [],
        now: clock.now(),
        challenge,
        policy: {
          acceptSimilarity: num(settings.acceptSimilarity, DEFAULT_MATCH_THRESHOLDS.accept),
          rejectSimilarity: num(settings.rejectSimilarity, DEFAULT_MATCH_THRESHOLDS.reject),
          minAge: settings.minAge === null ? null : num(settings.minAge, 18),
        },
      });
      const verification: SessionVerification = {
        ...(s.verification as SessionVerification),
        similarity: out.similarity,
        live: out.live,
        documentType: out.documentType,
        person: { ...out.person },
        idCardFront: out.idCardFront,
        idCardBack: out.idCardBack,
        faceImages: out.faceImages,
        rejectReason: out.decision.rejectReason,
        reasonCodes: out.decision.reasons,
        signals: { ...out.signals, timings: out.timings, decidedInMs: clock.now() - started },
      };
      try {
        await sessions.transition(
          s.token,
          out.decision.status,
          "engine",
          { verification: { ...verification } },
          { reasons: out.decision.reasons },
        );
      } catch (err) {
        // Refused or expired meanwhile (another tab): nothing to decide any more.
        const now = await sessions.find(token);
        if (now && now.status !== "in_progress") return { status: now.status, reasons: [] };
        throw err;
      }
      return { status: out.decision.status, reasons: out.decision.reasons };
    },
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
