import { AppError } from "@verimat/core";
import type { FastifyRequest } from "fastify";

/**
 * The raw body of a request. POST bodies come from the route's catch-all buffer parser; GET bodies
 * (an older Rust client sends JSON on GET) are not read by Fastify, so they are read here, with the
 * same size limit.
 */
export async function readRawBody(request: FastifyRequest, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(request.body)) return request.body;
  if (request.body !== undefined && request.body !== null) {
    throw new AppError("INTERNAL", { detail: "unexpected pre-parsed body" });
  }
  const raw = request.raw;
  if (raw.readableEnded) return Buffer.alloc(0);
  const declared = Number(raw.headers["content-length"] ?? 0);
  if (declared > limit) throw new AppError("BODY_TOO_LARGE");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of raw) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > limit) throw new AppError("BODY_TOO_LARGE");
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
