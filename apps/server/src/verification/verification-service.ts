/**
 * Verification jobs. "analyze" runs the engine on one capture as soon as it is uploaded and stores
 * the measurements; "verify" (after submission) analyses whatever is still missing, combines the
 * analyses into the decision, stores the findings and moves the session. Both are idempotent: an
 * analysis is written once per capture, and a session no longer in progress is left alone.
 * @module
 */
import {
  allowedDocumentTypes,
  applyVideoCallVerdict,
  type Clock,
  type SessionVerification,
  type TSessionFlags,
} from "@verimat/core";
import type { MediaRecord, Repositories } from "@verimat/db";
import type { Capture, CaptureAnalysis } from "@verimat/engine";
import { DEFAULT_MATCH_THRESHOLDS, fieldsMismatchEffect } from "@verimat/engine/policy";
import { PermanentJobError } from "@verimat/jobs";
import type { CompanyService } from "../services/company-service.ts";
import type { SessionService } from "../services/session-service.ts";
import type { VerifyPool } from "./verify-pool.ts";

export interface VerificationDeps {
  sessions: SessionService;
  companies: CompanyService;
  analyses: Repositories["analyses"];
  pool: VerifyPool;
  clock: Clock;
}

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function tokenOf(payload: unknown): string {
  const token = (payload as { token?: unknown } | null)?.token;
  if (typeof token !== "string") throw new PermanentJobError("payload without a session token");
  return token;
}

export function createVerificationService(deps: VerificationDeps) {
  const { sessions, companies, analyses, pool, clock } = deps;

  async function analyzeMedia(
    token: string,
    m: MediaRecord,
    meta: { phase?: "active" | "flash"; t?: number },
  ): Promise<CaptureAnalysis | null> {
    const bytes = await sessions.readMedia(m);
    if (!bytes) return null;
    const capture: Capture = {
      kind: m.kind,
      bytes: new Uint8Array(bytes),
      ...(meta.phase ? { phase: meta.phase } : {}),
      ...(meta.t !== undefined ? { t: meta.t } : {}),
    };
    const analysis = await pool.analyze(capture);
    await analyses.put(m.id, token, analysis, clock.now());
    return analysis;
  }

  return {
    /** Job handler for the "analyze" queue: `{ token, mediaId }`. */
    async analyze(payload: unknown): Promise<{ analyzed: boolean }> {
      const token = tokenOf(payload);
      const mediaId = (payload as { mediaId?: unknown }).mediaId;
      const s = await sessions.find(token);
      if (s?.status !== "in_progress") return { analyzed: false };
      const m = (await sessions.listMedia(s)).find((x) => x.id === mediaId);
      if (!m) return { analyzed: false };
      if ((await analyses.listBySession(token)).has(m.id)) return { analyzed: true };
      const meta = (await sessions.captureMeta(s)).get(m.id) ?? {};
      return { analyzed: (await analyzeMedia(token, m, meta)) !== null };
    },

    /** Job handler for the "verify" queue: `{ token }`. */
    async handle(payload: unknown): Promise<{ status: string; reasons: string[] }> {
      const token = tokenOf(payload);
      const s = await sessions.find(token);
      if (!s) return { status: "deleted", reasons: [] };
      if (s.status !== "in_progress") return { status: s.status, reasons: [] };
      const started = clock.now();
      const company = await companies.require(s.companyId);
      const flags = s.flags as TSessionFlags;
      const types = new Set(s.effectiveSteps.map((step) => String(step.type)));
      const meta = await sessions.captureMeta(s);
      const challenge = await sessions.latestChallenge(s);
      const stored = await analyses.listBySession(token);
      const list: CaptureAnalysis[] = [];
      for (const m of await sessions.listMedia(s)) {
        const extra = meta.get(m.id) ?? {};
        // Frames of an older challenge do not count towards the current one.
        if (m.kind === "liveness-frame" && extra.nonce !== challenge?.active.nonce) continue;
        const a = (stored.get(m.id) as CaptureAnalysis | undefined) ?? (await analyzeMedia(token, m, extra));
        if (a) list.push(a);
      }
      const livenessStep = s.effectiveSteps.find((step) => step.type === "liveness");
      const settings = company.settings;
      const out = await pool.decide({
        analyses: list,
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
          overrides: { fields_mismatch: fieldsMismatchEffect(settings.fieldsMismatchEffect) },
        },
      });
      // An operator's failed video call rejects whatever the captures say.
      const decision = applyVideoCallVerdict(out.decision, (s.verification as SessionVerification).videoCall);
      const verification: SessionVerification = {
        ...(s.verification as SessionVerification),
        similarity: out.similarity,
        live: out.live,
        documentType: out.documentType,
        person: { ...out.person },
        idCardFront: out.idCardFront,
        idCardBack: out.idCardBack,
        faceImages: out.faceImages,
        visual: out.visual,
        rejectReason: decision.rejectReason,
        reasonCodes: decision.reasons,
        signals: { ...out.signals, timings: out.timings, decidedInMs: clock.now() - started },
      };
      try {
        await sessions.transition(
          s.token,
          decision.status,
          "engine",
          { verification: { ...verification } },
          { reasons: decision.reasons },
        );
      } catch (err) {
        // Refused or expired meanwhile (another tab): nothing to decide any more.
        const now = await sessions.find(token);
        if (now && now.status !== "in_progress") return { status: now.status, reasons: [] };
        throw err;
      }
      return { status: decision.status, reasons: decision.reasons };
    },
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
