/**
 * One-time codes for the phone-number and email steps. Codes are 6 random digits (crypto.randomInt),
 * live `ttlMs`, are single-use, lock after `maxAttempts` wrong tries, and are limited per session and
 * per destination per hour (plus a 30 s resend pause). Only an HMAC of each code is stored (keyed from
 * the master key, so a database dump alone does not give codes away by a 10⁶ brute force), and the
 * check compares in constant time. Wrong tries are counted with compare-and-set, so parallel guesses
 * cannot exceed the limit; the right code is consumed with a conditional update, so it works once.
 * @module
 */
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { AppError, type Clock, randomHexId } from "@verimat/core";
import type { Database } from "@verimat/db";
import type { Kysely } from "kysely";
import type { Channel } from "./delivery.ts";

export interface OtpSettings {
  ttlMs: number;
  maxAttempts: number;
  maxPerSession: number;
  maxPerDestination: number;
}

export interface OtpServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  masterKey: Buffer;
  settings: OtpSettings;
}

const WINDOW_MS = 3_600_000;
export const RESEND_PAUSE_MS = 30_000;

export function createOtpService(deps: OtpServiceDeps) {
  const { db, clock, settings } = deps;
  const key = createHmac("sha256", deps.masterKey).update("verimat:otp-code:v1").digest();

  const hashCode = (id: string, code: string) =>
    createHmac("sha256", key).update(`${id}:${code}`).digest("hex");
  // Keyed too: a plain hash of a phone number is reversed by trying every number.
  const hashDestination = (d: string) => createHmac("sha256", key).update(`destination:${d}`).digest("hex");

  function limited(retryAfterMs: number, message: string): AppError {
    return new AppError("OTP_RATE_LIMITED", {
      message,
      headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    });
  }

  async function latest(token: string, channel: Channel) {
    return db
      .selectFrom("otp_codes")
      .selectAll()
      .where("session_token", "=", token)
      .where("channel", "=", channel)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
  }

  return {
    /**
     * Issues a new code for the destination (any earlier code of the session's channel stops working:
     * only the latest one is checked). The caller sends `code`; it is never stored in clear.
     * @throws AppError OTP_RATE_LIMITED with Retry-After
     */
    async issue(
      token: string,
      channel: Channel,
      destination: string,
    ): Promise<{ id: string; code: string; expiresAt: number }> {
      const now = clock.now();
      const since = now - WINDOW_MS;
      const mine = await db
        .selectFrom("otp_codes")
        .select(["created_at"])
        .where("session_token", "=", token)
        .where("channel", "=", channel)
        .where("created_at", ">", since)
        .orderBy("created_at", "asc")
        .execute();
      const last = mine.at(-1);
      if (last && Number(last.created_at) > now - RESEND_PAUSE_MS)
        throw limited(
          Number(last.created_at) + RESEND_PAUSE_MS - now,
          "Wait a moment before asking for another code",
        );
      const first = mine[0];
      if (first && mine.length >= settings.maxPerSession)
        throw limited(
          Number(first.created_at) + WINDOW_MS - now,
          "Too many codes for this session; try again later",
        );
      const destinationHash = hashDestination(`${channel}:${destination}`);
      const forDestination = await db
        .selectFrom("otp_codes")
        .select(["created_at"])
        .where("destination_hash", "=", destinationHash)
        .where("created_at", ">", since)
        .orderBy("created_at", "asc")
        .execute();
      const firstD = forDestination[0];
      if (firstD && forDestination.length >= settings.maxPerDestination)
        throw limited(
          Number(firstD.created_at) + WINDOW_MS - now,
          "Too many codes for this destination; try again later",
        );
      const id = randomHexId();
      const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
      const expiresAt = now + settings.ttlMs;
      await db
        .insertInto("otp_codes")
        .values({
          id,
          session_token: token,
          channel,
          destination_hash: destinationHash,
          code_hash: hashCode(id, code),
          created_at: now,
          expires_at: expiresAt,
          consumed_at: null,
        })
        .execute();
      return { id, code, expiresAt };
    },

    /** The pending code's expiry (for the widget after a reload), or null. */
    async pending(token: string, channel: Channel): Promise<{ expiresAt: number } | null> {
      const row = await latest(token, channel);
      if (!row || row.consumed_at !== null || Number(row.expires_at) <= clock.now()) return null;
      if (row.attempts >= settings.maxAttempts) return null;
      return { expiresAt: Number(row.expires_at) };
    },

    /**
     * Checks a code against the session's latest one and consumes it.
     * @throws AppError OTP_NOT_REQUESTED / OTP_CODE_EXPIRED / OTP_LOCKED / OTP_CODE_WRONG
     */
    async verify(token: string, channel: Channel, code: unknown): Promise<void> {
      // A round lost to another guess means that guess counted (or consumed the code): after at most
      // maxAttempts lost rounds the code is locked, so this bound always ends in a definite answer.
      for (let round = 0; round <= settings.maxAttempts + 1; round++) {
        const row = await latest(token, channel);
        const now = clock.now();
        if (!row || row.consumed_at !== null) throw new AppError("OTP_NOT_REQUESTED");
        if (Number(row.expires_at) <= now) throw new AppError("OTP_CODE_EXPIRED");
        if (row.attempts >= settings.maxAttempts) throw new AppError("OTP_LOCKED");
        const given = typeof code === "string" && /^\d{6}$/.test(code.trim()) ? code.trim() : "";
        const expected = Buffer.from(row.code_hash, "hex");
        const actual = Buffer.from(hashCode(row.id, given), "hex");
        const right = given !== "" && expected.length === actual.length && timingSafeEqual(expected, actual);
        if (right) {
          const r = await db
            .updateTable("otp_codes")
            .set({ consumed_at: now })
            .where("id", "=", row.id)
            .where("consumed_at", "is", null)
            .where("attempts", "<", settings.maxAttempts)
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) === 1) return;
          continue; // consumed or locked meanwhile: the next round says which
        }
        const r = await db
          .updateTable("otp_codes")
          .set({ attempts: row.attempts + 1 })
          .where("id", "=", row.id)
          .where("attempts", "=", row.attempts)
          .where("consumed_at", "is", null)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) continue; // another guess counted first: count this one anew
        const left = settings.maxAttempts - row.attempts - 1;
        if (left <= 0) throw new AppError("OTP_LOCKED");
        throw new AppError("OTP_CODE_WRONG", {
          message: `The code is not correct; ${left} ${left === 1 ? "try" : "tries"} left`,
        });
      }
      throw new AppError("OTP_NOT_REQUESTED", { message: "The code changed meanwhile; request a new one" });
    },
  };
}

export type OtpService = ReturnType<typeof createOtpService>;
