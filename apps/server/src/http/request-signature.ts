/**
 * HMAC verification of external-API requests and signing of their responses (Identomat's scheme),
 * plus our optional replay guard: with `Verimat-Timestamp: <unix seconds>` the timestamp is the first
 * link of the HMAC chain and must be within the configured window.
 * @module
 */
import { AppError, parseSignatureHeader, signaturesEqual, signParts } from "@verimat/core";

export const TIMESTAMP_HEADER = "verimat-timestamp";

export interface VerifyInput {
  secret: string;
  timestampRequired: boolean;
  authorization: string | undefined;
  timestamp: string | undefined;
  signedParts: readonly Buffer[];
  now: number;
  windowMs: number;
}

/** @throws AppError SIGNATURE_MISSING / SIGNATURE_INVALID / SIGNATURE_EXPIRED */
export function verifyRequestSignature(input: VerifyInput): void {
  const given = parseSignatureHeader(input.authorization);
  if (!given) throw new AppError("SIGNATURE_MISSING");
  let parts: readonly (Buffer | string)[] = input.signedParts;
  if (input.timestamp !== undefined || input.timestampRequired) {
    const ts = input.timestamp ?? "";
    if (!/^\d{1,12}$/.test(ts)) {
      throw new AppError("SIGNATURE_EXPIRED", {
        message: `A ${TIMESTAMP_HEADER} header (unix seconds) is required`,
      });
    }
    if (Math.abs(input.now - Number(ts) * 1000) > input.windowMs) throw new AppError("SIGNATURE_EXPIRED");
    parts = [ts, ...input.signedParts];
  }
  const expected = signParts(input.secret, parts);
  if (!signaturesEqual(expected, given)) throw new AppError("SIGNATURE_INVALID");
}
