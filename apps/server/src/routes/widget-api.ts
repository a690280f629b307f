/**
 * The widget's API, scoped to one session token (sent as `X-Session-Token`, or `session_token` in the
 * query for SDK-style clients). No company key ever reaches the browser: the token only lets the
 * person read what the session allows and add captures to it.
 * @module
 */
import fastifyMultipart from "@fastify/multipart";
import { AppError, allowedDocumentTypes, SERVER_CHECKED_STEP_TYPES, type TSessionFlags } from "@verimat/core";
import type { SessionRecord } from "@verimat/db";
import {
  createActiveChallenge,
  createFlashChallenge,
  cryptoRandom,
} from "@verimat/engine/liveness-challenge";
import type { JobQueue } from "@verimat/jobs";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { mediaRoom, receiveCheckedUpload } from "../http/checked-upload.ts";
import { sniffMediaType } from "../http/sniff-media.ts";
import type { CompanyService } from "../services/company-service.ts";
import { isMediaKind, type MediaKind, type SessionService } from "../services/session-service.ts";

export interface WidgetApiDeps {
  sessions: SessionService;
  companies: CompanyService;
  jobs: JobQueue;
  /** Largest accepted file per upload. */
  uploadLimitBytes: number;
  /** Largest total of one session's captures (absent: no total limit). */
  sessionMediaLimitBytes?: number;
}

/** Which capture kinds each step type accepts. */
const CAPTURES_BY_STEP: Record<string, readonly MediaKind[]> = {
  "identity-document": ["card-front", "card-back", "passport"],
  liveness: ["face", "face-video", "liveness-frame"],
  "face-document": ["face-document"],
  "general-document": ["general-document"],
};

const VIDEO_KINDS: readonly MediaKind[] = ["face-video"];

function tokenOf(request: FastifyRequest): string {
  const header = request.headers["x-session-token"];
  const q = (request.query as Record<string, unknown> | undefined)?.session_token;
  const token = typeof header === "string" ? header : typeof q === "string" ? q : "";
  return token;
}

export const widgetApiRoutes: FastifyPluginAsync<WidgetApiDeps> = async (app, deps) => {
  const { sessions } = deps;
  await app.register(fastifyMultipart, {
    limits: { fileSize: deps.uploadLimitBytes, files: 1, fields: 10, fieldSize: 64 * 1024, parts: 12 },
  });

  async function load(request: FastifyRequest, options: { open?: boolean } = {}): Promise<SessionRecord> {
    const s = await sessions.find(tokenOf(request));
    if (!s) throw new AppError("SESSION_UNKNOWN");
    if (s.status === "expired") throw new AppError("SESSION_EXPIRED");
    if (options.open && s.status === "in_progress") {
      const ua = request.headers["user-agent"] ?? "";
      return sessions.open(s, { remoteAddress: request.ip, userAgent: ua.slice(0, 500), countryCode: "" });
    }
    return s;
  }

  function requireCapturing(s: SessionRecord): void {
    if (s.status !== "in_progress" || s.submittedAt !== null) throw new AppError("SESSION_CLOSED");
  }

  app.addHook("onSend", async (_request, reply) => {
    reply.header("cache-control", "no-store");
  });

  /** Everything the widget needs to run the session: steps, permissions, language, hand-back. */
  app.get("/api/widget/session", async (request) => {
    const s = await load(request, { open: true });
    const company = await deps.companies.require(s.companyId);
    const flags = s.flags as TSessionFlags;
    return {
      status: s.status,
      phase: s.status !== "in_progress" ? "done" : s.submittedAt !== null ? "processing" : "capturing",
      // A language step's choice wins over the flag.
      language:
        (s.verification as { language?: string }).language ??
        (typeof flags.language === "string" ? flags.language : null),
      currentStep: s.currentStep,
      steps: s.effectiveSteps.map((step, index) => ({
        index,
        type: String(step.type),
        flags: step.flags ?? {},
        ...(typeof step.title === "string" ? { title: step.title } : {}),
        done: index < s.currentStep,
      })),
      documentTypes: allowedDocumentTypes(flags),
      documentCountries: flags.document_countries ?? [],
      liveness: flags.liveness === true,
      returnUrl: flags.return_url ?? null,
      // postMessage target: the company's first allowed origin; null lets the widget use its referrer.
      parentOrigin: company.allowedOrigins[0] ?? null,
      allowedOrigins: company.allowedOrigins,
      switchDeviceUrl: flags.switch_device_url ?? null,
      restrictUrlSharing: flags.restrict_url_sharing === true,
      skipDesktop: flags.skip_desktop === true,
      requireHdMedia: flags.requireHdMedia === true,
      branding: (company.settings.branding as Record<string, unknown> | undefined) ?? {},
    };
  });

  /** Consent: agreeing completes the agreement step; refusing ends the session as `disagreed`. */
  app.post<{ Body: { agree?: unknown } }>("/api/widget/consent", async (request) => {
    const s = await load(request);
    requireCapturing(s);
    const body = request.body as { agree?: unknown } | undefined;
    if (typeof body?.agree !== "boolean")
      throw new AppError("PARAM_INVALID", { message: "agree must be true or false" });
    if (!body.agree) {
      const after = await sessions.transition(s.token, "disagreed", "user");
      return { status: after.status };
    }
    const index = s.effectiveSteps.findIndex((step) => step.type === "agreement");
    const after = index === s.currentStep ? await sessions.completeStep(s, index) : s;
    return { status: after.status, currentStep: after.currentStep };
  });

  app.post<{ Params: { index: string } }>("/api/widget/steps/:index/complete", async (request) => {
    const s = await load(request);
    const index = Number(request.params.index);
    if (!Number.isInteger(index) || index < 0 || index >= s.effectiveSteps.length) {
      throw new AppError("PARAM_INVALID", { message: "no such step" });
    }
    // Steps with input (answers, codes, company data…) complete through routes/widget-steps-api.ts.
    if (SERVER_CHECKED_STEP_TYPES.includes(String(s.effectiveSteps[index]?.type)))
      throw new AppError("STEP_NEEDS_INPUT");
    const after = await sessions.completeStep(s, index);
    return { currentStep: after.currentStep };
  });

  /** A liveness frame names the current challenge, its phase and its capture time (fields before the file). */
  async function frameMeta(
    s: SessionRecord,
    fields: unknown,
  ): Promise<{ nonce: string; phase: "active" | "flash"; t: number }> {
    const f = fields as Record<string, { value?: unknown } | undefined>;
    const nonce = f.nonce?.value;
    const phase = f.phase?.value;
    const t = Number(f.t?.value);
    if (phase !== "active" && phase !== "flash")
      throw new AppError("PARAM_INVALID", { message: "phase must be active or flash" });
    if (!Number.isFinite(t) || t < 0 || t > 10 * 60_000)
      throw new AppError("PARAM_INVALID", { message: "t must be ms since the phase began" });
    const challenge = await sessions.latestChallenge(s);
    if (!challenge || typeof nonce !== "string" || nonce !== challenge.active.nonce) {
      throw new AppError("PARAM_INVALID", {
        message: "the frame does not belong to the current liveness challenge",
      });
    }
    return { nonce, phase, t };
  }

  /** One capture per request, streamed to storage; the type is sniffed from the bytes. */
  app.post<{ Params: { kind: string } }>("/api/widget/captures/:kind", async (request, reply) => {
    const s = await load(request);
    requireCapturing(s);
    const kind = request.params.kind;
    if (!isMediaKind(kind))
      throw new AppError("CAPTURE_NOT_ALLOWED", { message: `unknown capture kind ${kind}` });
    const allowed = s.effectiveSteps.some((step) => CAPTURES_BY_STEP[String(step.type)]?.includes(kind));
    if (!allowed) throw new AppError("CAPTURE_NOT_ALLOWED");
    const wantsVideo = VIDEO_KINDS.includes(kind);
    const upload = await receiveCheckedUpload(request, {
      fileLimitBytes: deps.uploadLimitBytes,
      // Uploads racing each other may each pass this check, so a session can exceed its total by at
      // most its concurrent uploads' per-file limits.
      roomBytes: mediaRoom(deps.sessionMediaLimitBytes, await sessions.listMedia(s)),
      sniff: (head) => {
        const t = sniffMediaType(head);
        return t && t.startsWith("video/") === wantsVideo ? t : null;
      },
    });
    // The fields come before the file, so a liveness frame's metadata is known before it is stored.
    let frame: { nonce: string; phase: "active" | "flash"; t: number } | null = null;
    if (kind === "liveness-frame") frame = await frameMeta(s, upload.file.fields);
    const rec = await sessions.putMediaStream(s, kind, upload.stream, upload.contentType);
    await sessions.touch(s);
    await sessions.appendEvent(s, "capture.stored", {
      kind,
      size: rec.size,
      mediaId: rec.id,
      ...(frame ?? {}),
    });
    // Analysed now, while the person goes on: the decision after the last upload only combines results.
    await deps.jobs.enqueue(
      "analyze",
      { token: s.token, mediaId: rec.id },
      { dedupeKey: `analyze:${rec.id}` },
    );
    return reply.code(201).send({ id: rec.id, kind, size: rec.size });
  });

  /**
   * A fresh liveness challenge: random prompts (active) and a random colour sequence (flash). The
   * server keeps it and checks the submitted frames against it; a new challenge replaces the old one.
   */
  app.post("/api/widget/liveness/challenge", async (request) => {
    const s = await load(request);
    requireCapturing(s);
    const step = s.effectiveSteps.find((x) => x.type === "liveness");
    if (!step || (step.flags as { liveness?: unknown }).liveness !== true)
      throw new AppError("CAPTURE_NOT_ALLOWED", { message: "this session has no liveness check" });
    const prompts = (step.flags as { prompts?: unknown }).prompts;
    const active = createActiveChallenge(cryptoRandom(), {
      length:
        typeof prompts === "number" && Number.isInteger(prompts) && prompts >= 1 && prompts <= 8
          ? prompts
          : 3,
    });
    const flash = createFlashChallenge(cryptoRandom());
    await sessions.appendEvent(s, "liveness.challenge", { active, flash });
    return { nonce: active.nonce, prompts: active.prompts, windowMs: active.windowMs, flash };
  });

  /** The person is done: the session now waits for the engine's decision. */
  app.post("/api/widget/submit", async (request) => {
    const s = await load(request);
    if (s.status !== "in_progress") return { status: s.status, phase: "done" };
    if (s.effectiveSteps.slice(s.currentStep).some((x) => SERVER_CHECKED_STEP_TYPES.includes(String(x.type))))
      throw new AppError("STEP_NEEDS_INPUT", { message: "a step that needs input is not done yet" });
    const after = await sessions.submit(s);
    // A KYB parent is decided from its beneficiaries' sessions (steps/kyb-service.ts), not by the engine.
    if (!s.effectiveSteps.some((x) => x.type === "beneficiaries"))
      await deps.jobs.enqueue("verify", { token: s.token }, { dedupeKey: `verify:${s.token}` });
    return { status: after.status, phase: "processing" };
  });

  app.get("/api/widget/status", async (request) => {
    const s = await load(request);
    return {
      status: s.status,
      phase: s.status !== "in_progress" ? "done" : s.submittedAt !== null ? "processing" : "capturing",
    };
  });
};
