import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * A session token: 40 characters of [0-9a-z] from the CSPRNG (about 206 bits), the format Identomat
 * clients expect. Bytes ≥ 252 are rejected so that `% 36` stays unbiased (252 = 7 × 36).
 */
export function randomToken(length = 40): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 252) out += ALPHABET[byte % 36];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A 24-hex-character id (96 bits), the shape of Identomat company and configuration ids. */
export function randomHexId(): string {
  return randomBytes(12).toString("hex");
}

export function isSessionToken(value: string): boolean {
  return /^[0-9a-z]{40}$/.test(value);
}
