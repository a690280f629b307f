/**
 * The operators' side of the video-call step, behind the dashboard's login (cookie; CSRF header on
 * writes) and a role that takes calls: the company's queue, accepting a call (one operator wins),
 * long-polling and sending signalling messages, capturing stills (stored as the session's media, type
 * sniffed, size-limited), leaving, and ending with an outcome that completes the step (audit-logged in
 * the same transaction). Only the operator who accepted a call may act on it.
 * @module
 */
import cookie from "@fastify/cookie";
import fastifyMultipart from "@fastify/multipart";
import { AppError, type Clock } from "@verimat/core";
import { createDashboardRepository, type DashboardRole, type Database } from "@verimat/db";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import { mediaRoom, receiveCheckedUpload, receiveFilePart } from "../http/checked-upload.ts";
import { sniffMediaType } from "../http/sniff-media.ts";
import { pollParams } from "../routes/widget-video-call-api.ts";
import type { SessionService } from "../services/session-service.ts";
import type { Operator, VideoCallService } from "../steps/video-call-service.ts";
import { requireDashboardLogin } from "./dashboard-routes.ts";
import type { UserService } from "./user-service.ts";

/** The EBML header every WebM (Matroska) file starts with. */
const WEBM_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

/** Roles that answer video calls (Identomat: operators, and administrators who can do everything). */
export const CALL_ROLES: readonly DashboardRole[] = ["admin", "operator"];

export interface DashboardVideoCallDeps {
  db: Kysely<Database>;
  clock: Clock;
  users: UserService;
  sessions: SessionService;
  calls: VideoCallService;
  stillLimitBytes: number;
  sessionMediaLimitBytes?: number;
  /** Largest recording chunk (default 16 MiB: 5 s of video is well under 2 MiB). */
  recordingChunkLimitBytes?: number;
  /** Roles allowed to take calls (default CALL_ROLES). */
  roles?: readonly string[];
}

export const dashboardVideoCallRoutes: FastifyPluginAsync<DashboardVideoCallDeps> = async (app, deps) => {
  const { users, sessions, calls } = deps;
  const roles = deps.roles ?? CALL_ROLES;
  await app.register(cookie);
  await app.register(fastifyMultipart, {
    limits: { fileSize: deps.stillLimitBytes, files: 1, fields: 2, fieldSize: 256, parts: 3 },
  });
  const operatorOf = new WeakMap<FastifyRequest, Operator>();

  app.addHook("onRequest", async (request, reply) => {
    if (!request.url.startsWith("/dashboard/api/video-calls")) return;
    const found = await requireDashboardLogin(users, request, reply);
    if (!roles.includes(found.user.role))
      throw new AppError("DASHBOARD_FORBIDDEN", { message: "Your role does not take video calls" });
    operatorOf.set(request, { id: found.user.id, email: found.user.email, companyId: found.user.companyId });
  });

  const op = (request: FastifyRequest): Operator => {
    const o = operatorOf.get(request);
    if (!o) throw new AppError("DASHBOARD_AUTH_REQUIRED");
    return o;
  };

  const audit = (o: Operator, action: string, sessionToken: string, data: Record<string, unknown>) =>
    createDashboardRepository(deps.db).appendAudit({
      companyId: o.companyId,
      userId: o.id,
      userEmail: o.email,
      sessionToken,
      action,
      data,
      createdAt: deps.clock.now(),
    });

  app.get("/dashboard/api/video-calls", async (request) => calls.queue(op(request)));

  app.post<{ Params: { id: string } }>("/dashboard/api/video-calls/:id/accept", async (request) => {
    const o = op(request);
    const call = await calls.accept(o, request.params.id);
    await audit(o, "video_call.accept", call.session_token, { call_id: call.call_id });
    return { call };
  });

  app.get<{ Params: { id: string } }>("/dashboard/api/video-calls/:id/poll", async (request) => {
    const { after, waitMs } = pollParams(request.query);
    return calls.operatorPoll(op(request), request.params.id, after, waitMs, () => request.raw.destroyed);
  });

  app.post<{ Params: { id: string } }>("/dashboard/api/video-calls/:id/signals", async (request) =>
    calls.operatorSignal(op(request), request.params.id, request.body),
  );

  /** A still frame of the person (multipart `file`: JPEG, PNG or WebP, sniffed from its bytes). */
  app.post<{ Params: { id: string } }>("/dashboard/api/video-calls/:id/stills", async (request, reply) => {
    const o = op(request);
    const { call, session } = await calls.liveSession(o, request.params.id);
    const upload = await receiveCheckedUpload(request, {
      fileLimitBytes: deps.stillLimitBytes,
      roomBytes: mediaRoom(deps.sessionMediaLimitBytes, await sessions.listMedia(session)),
      sniff: (head) => {
        const t = sniffMediaType(head);
        return t?.startsWith("image/") ? t : null;
      },
      refusal: "send a JPEG, PNG or WebP image",
    });
    const rec = await sessions.putMediaStream(session, "video-call-still", upload.stream, upload.contentType);
    await calls.noteStill(call, session, rec.id, rec.size);
    await audit(o, "video_call.still", session.token, { call_id: call.id, media_id: rec.id });
    return reply
      .code(201)
      .send({ media_id: rec.id, kind: rec.kind, size: rec.size, content_type: rec.contentType });
  });

  /**
   * One chunk of the call's recording, as the operator's MediaRecorder produced it (multipart `file`;
   * `seq` from 1 in the query, each the next one; a new chunk 1 — the operator's page was reloaded —
   * starts the call's next recording). The first chunk must be WebM (EBML header, sniffed);
   * later ones continue it. Streamed into the session's `video-call-recording` (encrypted, one object
   * per chunk), within the chunk limit and the session's media limit; a refused chunk stores nothing.
   */
  app.post<{ Params: { id: string }; Querystring: { seq?: string } }>(
    "/dashboard/api/video-calls/:id/recording",
    async (request, reply) => {
      const o = op(request);
      const seq = Number(request.query.seq);
      if (!Number.isInteger(seq) || seq < 1 || seq > 100_000)
        throw new AppError("PARAM_INVALID", { message: "seq must be a whole number ≥ 1" });
      const { call, session } = await calls.recordingTarget(o, request.params.id);
      // Chunk 1 starts a recording (again after the operator's page was reloaded: a new recorder makes
      // a new WebM file, kept as the call's next recording); later chunks extend the latest one.
      if (seq > 1 && call.recording_media_id === null)
        throw new AppError("MEDIA_CHUNK_OUT_OF_ORDER", { message: "expected chunk 1" });
      const limit = deps.recordingChunkLimitBytes ?? 16 * 1024 * 1024;
      const room = mediaRoom(deps.sessionMediaLimitBytes, await sessions.listMedia(session));
      if (room <= 0) throw new AppError("SESSION_MEDIA_LIMIT");
      if (!request.isMultipart())
        throw new AppError("UNSUPPORTED_MEDIA_TYPE", { message: "send the chunk as multipart/form-data" });
      const { file, chunks } = await receiveFilePart(request, limit);
      async function* checked(): AsyncGenerator<Buffer> {
        let received = 0;
        let head: Buffer | null = seq === 1 ? Buffer.alloc(0) : null;
        for await (const buf of chunks) {
          received += buf.length;
          if (received > room) throw new AppError("SESSION_MEDIA_LIMIT");
          if (head !== null) {
            head = Buffer.concat([head, buf]);
            if (head.length < 4) continue;
            if (!head.subarray(0, 4).equals(WEBM_MAGIC))
              throw new AppError("MEDIA_TYPE_INVALID", { message: "the recording must be WebM" });
            yield head;
            head = null;
            continue;
          }
          yield buf;
        }
        if (file.file.truncated) throw new AppError("UPLOAD_TOO_LARGE");
        if (head !== null || received === 0)
          throw new AppError("MEDIA_TYPE_INVALID", { message: "an empty or cut recording chunk" });
      }
      const rec = await sessions.appendMediaChunk(
        session,
        "video-call-recording",
        seq === 1 ? null : call.recording_media_id,
        seq,
        checked(),
        () => "video/webm",
      );
      if (seq === 1) {
        await calls.noteRecording(call, session, rec.id);
        await audit(o, "video_call.recording", session.token, { call_id: call.id, media_id: rec.id });
      }
      return reply.code(201).send({ media_id: rec.id, seq, size: rec.size });
    },
  );

  app.post<{ Params: { id: string } }>("/dashboard/api/video-calls/:id/leave", async (request) => {
    const o = op(request);
    const call = await calls.operatorLeave(o, request.params.id);
    return { call };
  });

  /** Ends the call with `{ outcome: "passed" | "failed", note? }`; completes the step. */
  app.post<{ Params: { id: string } }>("/dashboard/api/video-calls/:id/end", async (request) => {
    const o = op(request);
    const out = await calls.finish(o, request.params.id, request.body, async (trx, record, sessionToken) => {
      await createDashboardRepository(trx).appendAudit({
        companyId: o.companyId,
        userId: o.id,
        userEmail: o.email,
        sessionToken,
        action: "video_call.end",
        // Not the note: free text about the person, kept only in the session's sealed findings (the
        // audit log is in clear, and this entry is written inside the call's transaction).
        data: { call_id: request.params.id, outcome: record.outcome, has_note: record.note !== "" },
        createdAt: deps.clock.now(),
      });
    });
    return { call: out.call, video_call: out.record };
  });
};
