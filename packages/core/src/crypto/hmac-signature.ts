/**
 * Identomat's HMAC scheme: base64(HMAC-SHA256(secret, body)); for multipart bodies the MAC is chained,
 * each part keyed with the binary MAC of the previous one, text fields first, then file parts. The
 * header is `Authorization: signature="…"`. Verification is constant-time.
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** base64(HMAC chain) over `parts`; a single part is the plain scheme. */
export function signParts(secret: string | Buffer, parts: readonly (string | Uint8Array)[]): string {
  let key: Buffer = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
  if (parts.length === 0) parts = [""];
  for (const part of parts) {
    key = createHmac("sha256", key).update(part).digest();
  }
  return key.toString("base64");
}

export function signBody(secret: string | Buffer, body: string | Uint8Array): string {
  return signParts(secret, [body]);
}

/** Extracts the base64 code from `signature="…"` (quotes optional); null when absent or malformed. */
export function parseSignatureHeader(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^\s*signature\s*=\s*"?([A-Za-z0-9+/=_-]+)"?\s*$/i.exec(header);
  return m?.[1] ?? null;
}

export function formatSignatureHeader(code: string): string {
  return `signature="${code}"`;
}

/** Constant-time comparison of two base64 MACs (compares the decoded bytes of equal length). */
export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "base64");
  const b = Buffer.from(given, "base64");
  if (a.length !== 32 || b.length !== 32) return false;
  return timingSafeEqual(a, b);
}
