/**
 * Both signature schemes: Identomat's request/response HMAC (`Authorization: signature="<base64>"`,
 * optionally chained after a `Verimat-Timestamp`) and Verimat's callback signature
 * (`Verimat-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`).
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { VerimatSignatureError } from "./errors.ts";
import type { CallbackEvent } from "./types.ts";

/** base64 HMAC-SHA256 chain over `parts` (one part: the plain scheme). */
export function signParts(secret: string, parts: readonly (string | Uint8Array)[]): string {
  let key: Buffer = Buffer.from(secret, "utf8");
  for (const part of parts.length === 0 ? [""] : parts) key = createHmac("sha256", key).update(part).digest();
  return key.toString("base64");
}

/** The `Authorization` value for a request body (and optional `Verimat-Timestamp` value). */
export function signRequest(secret: string, body: string | Uint8Array, timestamp?: string): string {
  return `signature="${signParts(secret, timestamp === undefined ? [body] : [timestamp, body])}"`;
}

/** True if `authorization` is the server's signature of the response `body`. */
export function verifyResponse(
  secret: string,
  body: string | Uint8Array,
  authorization: string | null,
): boolean {
  const m = authorization ? /^\s*signature\s*=\s*"?([A-Za-z0-9+/=]+)"?\s*$/i.exec(authorization) : null;
  if (!m?.[1]) return false;
  const a = Buffer.from(signParts(secret, [body]), "base64");
  const b = Buffer.from(m[1], "base64");
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface VerifyCallbackOptions {
  /** Accepted age of the signature's timestamp, in seconds. @default 300 */
  toleranceSeconds?: number;
  /** Current time in ms (tests). */
  now?: number;
}

/**
 * Checks a callback's `Verimat-Signature` against the raw body (the exact bytes received, before any
 * JSON parsing) and returns the parsed event. Pass several secrets during a rotation.
 * @throws VerimatSignatureError when no signature matches or the timestamp is too old.
 * @example
 *   const event = verifyCallback(process.env.VERIMAT_SECRET, req.headers["verimat-signature"], rawBody);
 */
export function verifyCallback(
  secrets: string | readonly string[],
  header: string | null | undefined,
  rawBody: string | Uint8Array,
  options: VerifyCallbackOptions = {},
): CallbackEvent {
  const body = typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8");
  let t: number | null = null;
  const given: Buffer[] = [];
  for (const part of (header ?? "").split(",")) {
    const [k, v] = part.split("=", 2).map((s) => s.trim());
    if (k === "t" && v && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === "v1" && v && /^[0-9a-f]{64}$/.test(v)) given.push(Buffer.from(v, "hex"));
  }
  if (t === null || given.length === 0)
    throw new VerimatSignatureError("SIGNATURE_MISSING", "no Verimat-Signature header", 0);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300))
    throw new VerimatSignatureError("SIGNATURE_EXPIRED", "the callback signature is too old", 0);
  let ok = false;
  for (const secret of typeof secrets === "string" ? [secrets] : secrets) {
    const expected = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${t}.${body}`).digest();
    for (const g of given) if (timingSafeEqual(expected, g)) ok = true;
  }
  if (!ok) throw new VerimatSignatureError("SIGNATURE_INVALID", "the callback signature does not match", 0);
  return JSON.parse(body) as CallbackEvent;
}
