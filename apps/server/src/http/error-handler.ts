/**
 * The one error edge: every thrown value becomes `{error:{code,message,requestId}}` with the status of
 * its code. Fastify's own errors (body too large, bad media type, unparsable JSON) are mapped to our
 * codes; anything unknown is a logged 500 that leaks nothing.
 * @module
 */
import { AppError, type ErrorCode, isAppError } from "@verimat/core";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "BODY_MALFORMED",
  FST_ERR_CTP_EMPTY_JSON_BODY: "BODY_MALFORMED",
  FST_ERR_CTP_INVALID_JSON_BODY: "BODY_MALFORMED",
  FST_ERR_VALIDATION: "PARAM_INVALID",
  FST_ERR_INVALID_URL: "ROUTE_NOT_FOUND",
  FST_ERR_BAD_URL: "ROUTE_NOT_FOUND",
  FST_ERR_ASYNC_CONSTRAINT: "ROUTE_NOT_FOUND",
  FST_REQ_FILE_TOO_LARGE: "UPLOAD_TOO_LARGE",
  FST_PARTS_LIMIT: "PARAM_INVALID",
  FST_FILES_LIMIT: "PARAM_INVALID",
  FST_FIELDS_LIMIT: "PARAM_INVALID",
  FST_INVALID_MULTIPART_CONTENT_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_NO_FORM_DATA: "PARAM_INVALID",
};

export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const fe = err as Partial<FastifyError> | undefined;
  const mapped = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return new AppError(mapped, { cause: err });
  if (fe?.statusCode === 400 && err instanceof SyntaxError)
    return new AppError("BODY_MALFORMED", { cause: err });
  if (fe?.statusCode === 413) return new AppError("BODY_TOO_LARGE", { cause: err });
  if (fe?.statusCode === 415) return new AppError("UNSUPPORTED_MEDIA_TYPE", { cause: err });
  if (typeof fe?.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError("PARAM_INVALID", { cause: err });
  }
  return new AppError("INTERNAL", { cause: err });
}

export function sendAppError(request: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  // A failed call carries no signature (Identomat's HMAC rule).
  reply.removeHeader("authorization");
  return reply
    .code(err.status)
    .type("application/json; charset=utf-8")
    .send({ error: { code: err.code, message: err.publicMessage, requestId: request.id } });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) {
      request.log.error({ err: error, code: appError.code }, "request failed");
    } else {
      request.log.info({ code: appError.code }, "request rejected");
    }
    return sendAppError(request, reply, appError);
  });
  app.setNotFoundHandler((request, reply) => sendAppError(request, reply, new AppError("ROUTE_NOT_FOUND")));
}
