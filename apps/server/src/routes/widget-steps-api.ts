/**
 * The widget API of the step catalogue (language, questionnaires, phone/e-mail codes, geolocation,
 * KYB company data and beneficiaries), scoped to the session token like routes/widget-api.ts. Each
 * call checks its input on the server and completes the current step only when it passes; the
 * generic `steps/:index/complete` refuses these step types (STEP_NEEDS_INPUT).
 * @module
 */
import fastifyMultipart from "@fastify/multipart";
import { AppError, type SessionVerification } from "@verimat/core";
import type { SessionRecord } from "@verimat/db";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { mediaRoom, receiveCheckedUpload } from "../http/checked-upload.ts";
import { sniffMediaType } from "../http/sniff-media.ts";
import type { SessionService } from "../services/session-service.ts";
import type { KybService } from "../steps/kyb-service.ts";
import type { StepService } from "../steps/step-service.ts";

export interface WidgetStepsApiDeps {
  sessions: SessionService;
  steps: StepService;
  kyb: KybService;
  uploadLimitBytes: number;
  /** Largest total of one session's media (captures and these files together). */
  sessionMediaLimitBytes?: number;
}

const FILE_KINDS = {
  "questionnaire-file": "user-questionnaire",
  "company-document": "company-data",
} as const;

function tokenOf(request: FastifyRequest): string {
  const header = request.headers["x-session-token"];
  const q = (request.query as Record<string, unknown> | undefined)?.session_token;
  return typeof header === "string" ? header : typeof q === "string" ? q : "";
}

function body(request: FastifyRequest): Record<string, unknown> {
  const b = request.body;
  return typeof b === "object" && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

/** Images as the capture route accepts them, plus PDF (registration documents are often PDFs). */
function sniffDocument(head: Buffer): string | null {
  if (head.length >= 5 && head.toString("latin1", 0, 5) === "%PDF-") return "application/pdf";
  const t = sniffMediaType(head);
  return t?.startsWith("image/") ? t : null;
}

export const widgetStepsApiRoutes: FastifyPluginAsync<WidgetStepsApiDeps> = async (app, deps) => {
  const { sessions, steps, kyb } = deps;
  await app.register(fastifyMultipart, {
    limits: { fileSize: deps.uploadLimitBytes, files: 1, fields: 5, fieldSize: 1024, parts: 6 },
  });

  async function load(request: FastifyRequest): Promise<SessionRecord> {
    const s = await sessions.find(tokenOf(request));
    if (!s) throw new AppError("SESSION_UNKNOWN");
    if (s.status === "expired") throw new AppError("SESSION_EXPIRED");
    return s;
  }

  const progress = (s: SessionRecord) => ({ currentStep: s.currentStep });

  app.addHook("onSend", async (_request, reply) => {
    reply.header("cache-control", "no-store");
  });

  /** The current input step's definition: questions, fields to collect, languages, a pending code. */
  app.get("/api/widget/steps/current", async (request) => steps.describeCurrent(await load(request)));

  app.post("/api/widget/steps/language", async (request) => {
    const s = await steps.chooseLanguage(await load(request), body(request).language);
    return { ...progress(s), language: (s.verification as SessionVerification).language ?? null };
  });

  app.post("/api/widget/steps/questionnaire", async (request) =>
    progress(await steps.answerQuestionnaire(await load(request), body(request).answers)),
  );

  /** Sends a code to the number or address of the current phone-number / email step. */
  app.post("/api/widget/steps/otp/send", async (request) => {
    const r = await steps.sendCode(await load(request), body(request).destination);
    // The channel used is the company's business; the widget only learns where the code went.
    return { destination: r.destination, expiresAt: r.expiresAt };
  });

  app.get("/api/widget/steps/otp", async (request) => ({
    pending: await steps.pendingCode(await load(request)),
  }));

  app.post("/api/widget/steps/otp/verify", async (request) =>
    progress(await steps.verifyCode(await load(request), body(request).code)),
  );

  app.post("/api/widget/steps/geolocation", async (request) =>
    progress(await steps.recordGeolocation(await load(request), request.body, request.ip)),
  );

  app.post("/api/widget/steps/company-data", async (request) =>
    progress(await steps.submitCompanyData(await load(request), request.body)),
  );

  app.post("/api/widget/steps/beneficiaries", async (request) =>
    progress(await kyb.submitBeneficiaries(await load(request), body(request).beneficiaries)),
  );

  /** The beneficiaries and their child sessions' progress (refreshed from the children). */
  app.get("/api/widget/steps/beneficiaries", async (request) => {
    const s = await load(request);
    const after = (await kyb.settle(s.token)) ?? s;
    const list = (after.verification as SessionVerification).beneficiaries ?? [];
    return {
      status: after.status,
      beneficiaries: list.map((b) => ({
        id: b.id,
        first_name: b.first_name,
        last_name: b.last_name,
        roles: b.roles,
        share: b.share,
        required: b.required,
        status: b.status,
        link_sent_via: b.link_sent_via,
        link_error: b.link_error ?? null,
      })),
    };
  });

  app.post<{ Params: { id: string } }>("/api/widget/steps/beneficiaries/:id/resend", async (request) => {
    const s = await load(request);
    if (s.status !== "in_progress") throw new AppError("SESSION_CLOSED");
    // Only a link that could not be sent: the person's page must not be a way to flood someone's inbox.
    const known = (s.verification as SessionVerification).beneficiaries?.find(
      (x) => x.id === request.params.id,
    );
    if (!known) throw new AppError("BENEFICIARIES_INVALID", { message: "no such beneficiary" });
    if (known.link_sent_via !== null)
      throw new AppError("BENEFICIARIES_INVALID", { message: "the link was already sent" });
    const after = await kyb.sendLink(s, request.params.id);
    const b = (after.verification as SessionVerification).beneficiaries?.find(
      (x) => x.id === request.params.id,
    );
    return { link_sent_via: b?.link_sent_via ?? null, link_error: b?.link_error ?? null };
  });

  /** A questionnaire file or a registration document (image or PDF), streamed to the media store. */
  app.post<{ Params: { kind: string } }>("/api/widget/steps/files/:kind", async (request, reply) => {
    const s = await load(request);
    if (s.status !== "in_progress" || s.submittedAt !== null) throw new AppError("SESSION_CLOSED");
    const kind = request.params.kind;
    if (kind !== "questionnaire-file" && kind !== "company-document")
      throw new AppError("CAPTURE_NOT_ALLOWED", { message: `unknown file kind ${kind}` });
    const stepType = FILE_KINDS[kind];
    if (
      !s.effectiveSteps.some(
        (step) =>
          step.type === stepType || (kind === "questionnaire-file" && step.type === "operator-questionnaire"),
      )
    )
      throw new AppError("CAPTURE_NOT_ALLOWED");
    const upload = await receiveCheckedUpload(request, {
      fileLimitBytes: deps.uploadLimitBytes,
      roomBytes: mediaRoom(deps.sessionMediaLimitBytes, await sessions.listMedia(s)),
      sniff: sniffDocument,
      refusal: "send a JPEG, PNG, WebP image or a PDF",
    });
    const rec = await sessions.putMediaStream(s, kind, upload.stream, upload.contentType);
    await sessions.touch(s);
    await sessions.appendEvent(s, "file.stored", { kind, size: rec.size, mediaId: rec.id });
    return reply.code(201).send({ id: rec.id, kind, size: rec.size, contentType: rec.contentType });
  });
};
