/**
 * One multipart upload, checked while it streams (never buffered whole): its type sniffed from the
 * first bytes (never the client's label), the per-file limit and the session's remaining room.
 * Both widget upload routes (captures, step files) take files this way.
 * @module
 */
import type { MultipartFile } from "@fastify/multipart";
import { AppError, isAppError } from "@verimat/core";
import type { FastifyRequest } from "fastify";

/** Bytes needed to tell every accepted type apart. */
const SNIFF_BYTES = 12;

export interface CheckedUpload {
  /** The form part (its fields arrive before the file). */
  file: MultipartFile;
  /** The file's bytes; throws MEDIA_TYPE_INVALID, UPLOAD_TOO_LARGE or SESSION_MEDIA_LIMIT mid-stream. */
  stream: AsyncGenerator<Buffer>;
  /** The sniffed content type, known once the first bytes went through. */
  contentType(): string;
}

export async function receiveCheckedUpload(
  request: FastifyRequest,
  o: {
    fileLimitBytes: number;
    /** Bytes the session may still store (Infinity without a per-session limit). */
    roomBytes: number;
    /** The content type of an accepted file from its first bytes, or null to refuse it. */
    sniff: (head: Buffer) => string | null;
    /** What MEDIA_TYPE_INVALID says when `sniff` refuses. */
    refusal?: string;
  },
): Promise<CheckedUpload> {
  if (!request.isMultipart())
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", { message: "send the file as multipart/form-data" });
  if (o.roomBytes <= 0) throw new AppError("SESSION_MEDIA_LIMIT");
  const file = await request
    .file({ limits: { fileSize: o.fileLimitBytes, files: 1 } })
    .catch((err: unknown) => Promise.reject(asMultipartError(err)));
  if (!file) throw new AppError("PARAM_MISSING", { message: "no file in the form" });
  let sniffed: string | null = null;
  async function* checked(part: MultipartFile): AsyncGenerator<Buffer> {
    try {
      let received = 0;
      let head = Buffer.alloc(0);
      for await (const chunk of part.file) {
        const buf = chunk as Buffer;
        received += buf.length;
        if (received > o.roomBytes) throw new AppError("SESSION_MEDIA_LIMIT");
        if (sniffed === null) {
          head = Buffer.concat([head, buf]);
          if (head.length < SNIFF_BYTES) continue;
          sniffed = o.sniff(head);
          if (!sniffed)
            throw new AppError("MEDIA_TYPE_INVALID", o.refusal === undefined ? {} : { message: o.refusal });
          yield head;
          continue;
        }
        yield buf;
      }
      // Over the limit the parser stops the stream early and marks it truncated.
      if (part.file.truncated) throw new AppError("UPLOAD_TOO_LARGE");
      if (sniffed === null) throw new AppError("MEDIA_TYPE_INVALID");
    } catch (err) {
      throw asMultipartError(err);
    }
  }
  return { file, stream: checked(file), contentType: () => sniffed ?? "application/octet-stream" };
}

/**
 * The multipart parser's own errors — a form that is malformed or ends early — are plain Errors
 * without a code, which the error edge would answer with a 500: they are the client's, a 400.
 * Errors that already carry a code (ours, Fastify's limits) pass unchanged.
 */
export function asMultipartError(err: unknown): unknown {
  if (isAppError(err) || !(err instanceof Error) || "code" in err || "statusCode" in err) return err;
  return new AppError("BODY_MALFORMED", { message: "Malformed multipart body", cause: err });
}

/** What a session may still store under `limitBytes` (Infinity without a limit). */
export function mediaRoom(limitBytes: number | undefined, stored: readonly { size: number }[]): number {
  return limitBytes === undefined
    ? Number.POSITIVE_INFINITY
    : limitBytes - stored.reduce((n, m) => n + m.size, 0);
}
