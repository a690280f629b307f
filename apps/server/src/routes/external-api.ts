/**
 * The server-to-server contract: begin, result, media, delete — under `/external-api/…`, with begin
 * also at `/begin/`; GET and POST; with or without trailing (or doubled) slashes. Contract errors keep
 * Identomat's bare JSON strings ("COMPANY_KEY_INVALID", "SESSION_NOT_FOUND") and `{argumentError}`
 * for media; everything else uses the project's error shape.
 * @module
 */

import type { Clock } from "@verimat/core";
import { AppError, formatSignatureHeader, signBody } from "@verimat/core";
import type { CompanyRecord } from "@verimat/db";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { jsonParam, type Params, parseApiRequest, stringParam } from "../http/api-params.ts";
import { readRawBody } from "../http/read-raw-body.ts";
import { TIMESTAMP_HEADER, verifyRequestSignature } from "../http/request-signature.ts";
import type { CompanyService } from "../services/company-service.ts";
import type { RateLimiter } from "../services/rate-limiter.ts";
import { isMediaKind, MEDIA_KINDS, type SessionService } from "../services/session-service.ts";

export interface ExternalApiDeps {
  companies: CompanyService;
  sessions: SessionService;
  rateLimiter: RateLimiter;
  clock: Clock;
  bodyLimitBytes: number;
  hmacTimestampWindowMs: number;
}

interface Authed {
  company: CompanyRecord;
  params: Params;
  secret: string | null;
}

const CONTRACT_STATUS = { COMPANY_KEY_INVALID: 401, SESSION_NOT_FOUND: 404 } as const;

export const externalApiRoutes: FastifyPluginAsync<ExternalApiDeps> = async (app, deps) => {
  const { companies, sessions, rateLimiter, clock } = deps;

  // Every body arrives raw: the HMAC covers the exact bytes, and the encoding is decided from the
  // content (a JSON body labelled as a form is JSON).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: deps.bodyLimitBytes }, (_req, body, done) => {
    done(null, body);
  });

  function sendContract(reply: FastifyReply, code: keyof typeof CONTRACT_STATUS): FastifyReply {
    return reply
      .code(CONTRACT_STATUS[code])
      .type("application/json; charset=utf-8")
      .send(JSON.stringify(code));
  }

  /** Sends a successful JSON body, signed when the company has an HMAC secret. */
  function sendSigned(
    reply: FastifyReply,
    secret: string | null,
    body: Buffer | string,
    type: string,
  ): FastifyReply {
    if (secret) reply.header("authorization", formatSignatureHeader(signBody(secret, body)));
    return reply.code(200).type(type).send(body);
  }

  /**
   * Parses the request, finds the company by key and checks the HMAC. Returns null after sending
   * COMPANY_KEY_INVALID.
   */
  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Authed | null> {
    const body = await readRawBody(request, deps.bodyLimitBytes);
    const q = request.raw.url?.indexOf("?") ?? -1;
    const rawQuery = q >= 0 ? (request.raw.url ?? "").slice(q + 1) : "";
    const parsed = await parseApiRequest(
      rawQuery,
      body,
      request.headers["content-type"],
      deps.bodyLimitBytes,
    );
    const key = stringParam(parsed.params, "company_key");
    const company = key ? await companies.authenticate(key) : null;
    if (!company) {
      sendContract(reply, "COMPANY_KEY_INVALID");
      return null;
    }
    const secret = companies.secretOf(company);
    const authorization = request.headers.authorization;
    if (secret && (company.hmacRequired || authorization !== undefined)) {
      const ts = request.headers[TIMESTAMP_HEADER];
      verifyRequestSignature({
        secret,
        timestampRequired: company.hmacTimestampRequired,
        authorization,
        timestamp: Array.isArray(ts) ? ts[0] : ts,
        signedParts: parsed.signedParts,
        now: clock.now(),
        windowMs: deps.hmacTimestampWindowMs,
      });
      // Only what the signature covers counts: unsigned query parameters cannot change a signed call.
      if (stringParam(parsed.signedParams, "company_key") !== key) {
        throw new AppError("SIGNATURE_INVALID", { message: "company_key must be inside the signed request" });
      }
      return { company, params: parsed.signedParams, secret };
    }
    return { company, params: parsed.params, secret };
  }

  const begin = async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = await authenticate(request, reply);
    if (!auth) return reply;
    const limit = await rateLimiter.take(`begin:${auth.company.id}`, clock.now());
    if (!limit.allowed) {
      throw new AppError("RATE_LIMITED", {
        headers: { "retry-after": String(Math.ceil(limit.retryAfterMs / 1000)) },
      });
    }
    const token = await sessions.begin(auth.company, {
      flags: jsonParam(auth.params, "flags"),
      steps: jsonParam(auth.params, "steps"),
      configId: stringParam(auth.params, "config_id"),
      parentSessionId: stringParam(auth.params, "parent_session_id"),
    });
    return sendSigned(reply, auth.secret, JSON.stringify(token), "application/json; charset=utf-8");
  };

  const result = async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = await authenticate(request, reply);
    if (!auth) return reply;
    const token = stringParam(auth.params, "session_token");
    const s = token ? await sessions.findForCompany(auth.company, token) : null;
    if (!s) return sendContract(reply, "SESSION_NOT_FOUND");
    return sendSigned(
      reply,
      auth.secret,
      JSON.stringify(sessions.buildResult(s)),
      "application/json; charset=utf-8",
    );
  };

  const mediaRoute = async (request: FastifyRequest<{ Params: { kind: string } }>, reply: FastifyReply) => {
    const kind = request.params.kind;
    const auth = await authenticate(request, reply);
    if (!auth) return reply;
    const argumentError = (status: number, message: string) =>
      reply.code(status).type("application/json; charset=utf-8").send({ argumentError: message });
    if (!isMediaKind(kind)) return argumentError(404, `unknown media kind; one of ${MEDIA_KINDS.join(", ")}`);
    const token = stringParam(auth.params, "session_token");
    if (!token) return argumentError(400, "session_token is required");
    const s = await sessions.findForCompany(auth.company, token);
    if (!s) return argumentError(404, "SESSION_NOT_FOUND");
    const item = await sessions.getMedia(s, kind);
    if (!item) return argumentError(404, `the session has no ${kind}`);
    reply.header("cache-control", "no-store");
    return sendSigned(reply, auth.secret, item.bytes, item.record.contentType);
  };

  const del = async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = await authenticate(request, reply);
    if (!auth) return reply;
    const token = stringParam(auth.params, "session_token");
    const s = token ? await sessions.findForCompany(auth.company, token) : null;
    if (!s) return sendContract(reply, "SESSION_NOT_FOUND");
    await sessions.delete(s);
    return sendSigned(
      reply,
      auth.secret,
      JSON.stringify("SESSION_DELETED"),
      "application/json; charset=utf-8",
    );
  };

  const methods: ("GET" | "POST")[] = ["GET", "POST"];
  for (const url of ["/begin", "/external-api/begin"]) app.route({ method: methods, url, handler: begin });
  app.route({ method: methods, url: "/external-api/result", handler: result });
  app.route({ method: methods, url: "/external-api/result/:kind", handler: mediaRoute });
  app.route({ method: methods, url: "/external-api/delete", handler: del });
};
