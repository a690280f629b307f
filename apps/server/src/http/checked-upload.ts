/**
 * One multipart upload, checked while it streams (never buffered whole): its type sniffed from the
 * first bytes (never the client's label), the per-file limit and the session's remaining room.
 * Both widget upload routes (captures, step files) take files this way; the recording chunks read
 * theirs through receiveFilePart.
 * @module
 */
import type { MultipartFile } from "@fastify/multipart";
import { AppError } from "@verimat/core";
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
  const { file, chunks } = await receiveFilePart(request, o.fileLimitBytes);
  let sniffed: string | null = null;
  async function* checked(): AsyncGenerator<Buffer> {
    let received = 0;
    let head = Buffer.alloc(0);
    for await (const buf of chunks) {
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
    if (file.file.truncated) throw new AppError("UPLOAD_TOO_LARGE");
    if (sniffed === null) throw new AppError("MEDIA_TYPE_INVALID");
  }
  return { file, stream: checked(), contentType: () => sniffed ?? "application/octet-stream" };
}

/**
 * The form's one file part and its bytes. The multipart parser's own errors (a form that is malformed
 * or ends early) are plain Errors without a code, which the error edge would answer with a 500: here
 * they become BODY_MALFORMED, the client's fault. Errors with a code (Fastify's limits) pass unchanged.
 */
export async function receiveFilePart(
  request: FastifyRequest,
  fileLimitBytes: number,
): Promise<{ file: MultipartFile; chunks: AsyncGenerator<Buffer> }> {
  const file = await request
    .file({ limits: { fileSize: fileLimitBytes, files: 1 } })
    .catch((err: unknown) => Promise.reject(malformed(err)));
  if (!file) throw new AppError("PARAM_MISSING", { message: "no file in the form" });
  const stream = file.file;
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (err) {
      throw malformed(err);
    }
  }
  return { file, chunks: chunks() };
}

function malformed(err: unknown): unknown {
  if (!(err instanceof Error) || "code" in err || "statusCode" in err) return err;
  return new AppError("BODY_MALFORMED", { message: "Malformed multipart body", cause: err });
}

/** What a session may still store under `limitBytes` (Infinity without a limit). */
export function mediaRoom(limitBytes: number | undefined, stored: readonly { size: number }[]): number {
  return limitBytes === undefined
    ? Number.POSITIVE_INFINITY
    : limitBytes - stored.reduce((n, m) => n + m.size, 0);
}
