/**
 * Dashboard accounts and logins. Passwords are argon2id hashes; a login is a random cookie value of
 * which only the SHA-256 is stored, with its own CSRF token. Repeated wrong passwords lock the account
 * for a while; "log out everywhere" revokes every login of the user.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import { AppError, type Clock, randomHexId } from "@verimat/core";
import type {
  DashboardLoginRecord,
  DashboardRepository,
  DashboardRole,
  DashboardUserRecord,
} from "@verimat/db";
import type { RateLimiter } from "../services/rate-limiter.ts";

export const DASHBOARD_ROLES = ["admin", "operator"] as const satisfies readonly DashboardRole[];

export function isDashboardRole(v: unknown): v is DashboardRole {
  return v === "admin" || v === "operator";
}

/**
 * OWASP's argon2id minimum (19 MiB, 2 passes): ~30 ms a hash, too slow to guess offline at scale.
 * argon2id is the library's default algorithm (its const enum cannot be imported under
 * verbatimModuleSyntax); the unit test checks the `$argon2id$` prefix.
 */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Compared against when the email is unknown, so the answer takes as long as for a real user. */
let dummyHash: Promise<string> | null = null;

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export interface UserServiceDeps {
  repo: DashboardRepository;
  clock: Clock;
  /** How long a login lasts. */
  loginTtlMs: number;
  /** Failed logins in a row that lock the account. */
  maxFailedLogins: number;
  lockoutMs: number;
  /**
   * Login attempts per client IP (any accounts): one token per attempt, taken before the password
   * is checked, so one address cannot walk through many accounts below each one's lock-out.
   * Absent: no per-IP limit.
   */
  ipLimiter?: RateLimiter;
}

export interface PublicUser {
  user_id: string;
  company_id: string;
  email: string;
  role: DashboardRole;
  disabled: boolean;
  created_at: string;
}

export function publicUser(u: DashboardUserRecord): PublicUser {
  return {
    user_id: u.id,
    company_id: u.companyId,
    email: u.email,
    role: u.role,
    disabled: u.disabledAt !== null,
    created_at: new Date(u.createdAt).toISOString(),
  };
}

export function hashLoginToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A readable one-time password: 16 characters from a 32-letter alphabet (80 bits). */
function generatePassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789AB";
  const bytes = randomBytes(16);
  let out = "";
  for (const b of bytes) out += alphabet[b % 32];
  return out;
}

export function validatePassword(password: string): void {
  if (password.length < 10 || password.length > 200) {
    throw new AppError("PARAM_INVALID", { message: "the password must be 10–200 characters" });
  }
}

export function createUserService(deps: UserServiceDeps) {
  const { repo, clock } = deps;
  return {
    /**
     * Creates a user of the company. Without a password a one-time password is generated and
     * returned (shown once, never stored in the clear).
     * @throws AppError DASHBOARD_USER_EXISTS, PARAM_INVALID
     */
    async create(input: {
      companyId: string;
      email: string;
      role: DashboardRole;
      password?: string | undefined;
    }): Promise<{ user: DashboardUserRecord; password?: string }> {
      const email = input.email.trim().toLowerCase();
      if (!EMAIL.test(email))
        throw new AppError("PARAM_INVALID", { message: "email is not an email address" });
      if (!isDashboardRole(input.role))
        throw new AppError("PARAM_INVALID", { message: "role must be admin or operator" });
      const generated = input.password === undefined ? generatePassword() : undefined;
      const password = input.password ?? generated ?? "";
      validatePassword(password);
      if (await repo.findUserByEmail(email)) throw new AppError("DASHBOARD_USER_EXISTS");
      const now = clock.now();
      const user: DashboardUserRecord = {
        id: randomHexId(),
        companyId: input.companyId,
        email,
        passwordHash: await hash(password, ARGON2),
        role: input.role,
        failedLogins: 0,
        lockedUntil: null,
        disabledAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await repo.insertUser(user);
      return generated ? { user, password: generated } : { user };
    },

    /**
     * Checks the password and opens a login. A wrong password counts towards the lock-out; a locked
     * account is refused even with the right password until the lock passes. With `ip`, the client's
     * address spends one attempt of its budget first (`ipLimiter`); an exhausted budget is refused with
     * the same code as a locked account, before any account is looked up.
     * @throws AppError DASHBOARD_LOGIN_FAILED, DASHBOARD_ACCOUNT_LOCKED
     */
    async login(
      emailInput: string,
      password: string,
      ip?: string,
    ): Promise<{ token: string; login: DashboardLoginRecord; user: DashboardUserRecord }> {
      const now = clock.now();
      if (ip !== undefined && deps.ipLimiter) {
        const taken = await deps.ipLimiter.take(`dashboard-login:${ip}`, now);
        if (!taken.allowed)
          throw new AppError("DASHBOARD_ACCOUNT_LOCKED", {
            headers: { "retry-after": String(Math.max(1, Math.ceil(taken.retryAfterMs / 1_000))) },
          });
      }
      const email = emailInput.trim().toLowerCase();
      const user = email.length <= 320 ? await repo.findUserByEmail(email) : null;
      if (!user) {
        dummyHash ??= hash(randomBytes(16).toString("hex"), ARGON2);
        await verify(await dummyHash, password.slice(0, 200)).catch(() => false);
        throw new AppError("DASHBOARD_LOGIN_FAILED");
      }
      const locked = (u: DashboardUserRecord) => {
        const seconds = Math.max(1, Math.ceil(((u.lockedUntil ?? now) - now) / 1_000));
        return new AppError("DASHBOARD_ACCOUNT_LOCKED", { headers: { "retry-after": String(seconds) } });
      };
      if (user.lockedUntil !== null && user.lockedUntil > now) throw locked(user);
      const ok = password.length <= 200 && (await verify(user.passwordHash, password).catch(() => false));
      if (!ok || user.disabledAt !== null) {
        if (!ok) {
          const after = await repo.recordFailedLogin(
            user.id,
            deps.maxFailedLogins,
            now + deps.lockoutMs,
            now,
          );
          if (after?.lockedUntil !== null && after?.lockedUntil !== undefined && after.lockedUntil > now)
            throw locked(after);
        }
        throw new AppError("DASHBOARD_LOGIN_FAILED");
      }
      if (user.failedLogins > 0 || user.lockedUntil !== null) await repo.resetFailedLogins(user.id, now);
      const token = randomBytes(32).toString("base64url");
      const login: DashboardLoginRecord = {
        idHash: hashLoginToken(token),
        userId: user.id,
        csrfToken: randomBytes(24).toString("base64url"),
        createdAt: now,
        expiresAt: now + deps.loginTtlMs,
        revokedAt: null,
      };
      await repo.insertLogin(login);
      return { token, login, user };
    },

    /** The live login behind a cookie value, or null (unknown, expired, revoked, user disabled). */
    async authenticate(
      token: string,
    ): Promise<{ login: DashboardLoginRecord; user: DashboardUserRecord } | null> {
      if (token.length < 20 || token.length > 100) return null;
      const found = await repo.findLogin(hashLoginToken(token), clock.now());
      if (!found || found.user.disabledAt !== null) return null;
      return found;
    },

    /** Constant-time check of the request's CSRF header against the login's token. */
    csrfMatches(login: DashboardLoginRecord, given: string | undefined): boolean {
      if (!given) return false;
      const a = Buffer.from(login.csrfToken);
      const b = Buffer.from(given);
      return a.length === b.length && timingSafeEqual(a, b);
    },

    logout: (login: DashboardLoginRecord) => repo.revokeLogin(login.idHash, clock.now()),
    logoutEverywhere: (userId: string) => repo.revokeUserLogins(userId, clock.now()),
    list: (companyId: string) => repo.listUsers(companyId),
    count: (companyId: string) => repo.countUsers(companyId),
    findByEmail: (email: string) => repo.findUserByEmail(email.trim().toLowerCase()),

    /** Disables (or re-enables) a user of the company; disabling also ends their logins. */
    async setDisabled(companyId: string, userId: string, disabled: boolean): Promise<void> {
      const now = clock.now();
      if (!(await repo.setDisabled(companyId, userId, disabled ? now : null, now)))
        throw new AppError("DASHBOARD_NOT_FOUND");
      if (disabled) await repo.revokeUserLogins(userId, now);
    },

    /** Checks a user's current password (no lock-out bookkeeping: the user is logged in already). */
    async verifyPassword(user: DashboardUserRecord, password: string): Promise<boolean> {
      return password.length <= 200 && (await verify(user.passwordHash, password).catch(() => false));
    },

    async changePassword(userId: string, password: string): Promise<void> {
      validatePassword(password);
      await repo.setPassword(userId, await hash(password, ARGON2), clock.now());
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
