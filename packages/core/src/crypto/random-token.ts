import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * A session token: 40 characters of [0-9a-z] from the CSPRNG (about 206 bits), the format Identomat
 * clients expect. Bytes ≥ 252 are rejected so that `% 36` stays unbiased (252 = 7 × 36).
 */
export function randomToken(length = 40): string {
  let out = "";
  while (out.length < length) {
    const byte = nextRandomByte();
    if (byte < 252) out += ALPHABET[byte % 36];
  }
  return out;
}

/**
 * A session token in the same 40-character [0-9a-z] format, time-ordered: 9 characters of the
 * creation time in milliseconds (base 36), then 31 random characters (about 160 bits, what makes the
 * token unguessable). Tokens are the sessions table's primary key, so ordered tokens append to the
 * B-tree instead of dirtying a random page per insert: begin/'s insert costs about half as much.
 * The prefix reveals only the creation time, which whoever holds the token knows anyway.
 */
export function newSessionToken(now: number = Date.now()): string {
  return Math.max(0, Math.floor(now)).toString(36).padStart(9, "0").slice(-9) + randomToken(31);
}

// One CSPRNG call per 4 KiB instead of per token: the syscall dominated begin/'s token cost. Bytes
// are used once and the pool lives only in this module.
let pool = Buffer.alloc(0);
let poolAt = 0;
function nextRandomByte(): number {
  if (poolAt >= pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  return pool[poolAt++] ?? 0;
}

/** A 24-hex-character id (96 bits), the shape of Identomat company and configuration ids. */
export function randomHexId(): string {
  return randomBytes(12).toString("hex");
}

export function isSessionToken(value: string): boolean {
  return /^[0-9a-z]{40}$/.test(value);
}
