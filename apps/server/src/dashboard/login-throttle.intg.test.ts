/**
 * Dashboard logins are limited per client IP as well as per account: one address trying many
 * accounts (each below its own lock-out) is refused with DASHBOARD_ACCOUNT_LOCKED and Retry-After,
 * other addresses are not; with Redis the budget is shared by every API process.
 */

import { manualClock } from "@verimat/core";
import { createDashboardRepository, openDatabase } from "@verimat/db";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  dropPrefix,
  REDIS_URL,
  requireRedisOrSkip,
  uniquePrefix,
} from "../../../../packages/jobs/test/test-queues.ts";
import { createRedisRateLimiter } from "../services/redis-rate-limiter.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";
import { createUserService } from "./user-service.ts";

const PASSWORD = "correct horse battery";

describe("per-IP login throttle (in memory)", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ DASHBOARD_LOGIN_IP_PER_MINUTE: "4", DASHBOARD_MAX_FAILED_LOGINS: "3" });
    const c = await t.company({ name: "A" });
    for (const email of ["a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test"])
      await t.services.dashboardUsers.create({
        companyId: c.company_id,
        email,
        role: "operator",
        password: PASSWORD,
      });
  });
  afterEach(async () => {
    await t.close();
  });

  const attempt = (email: string, password: string, remoteAddress: string) =>
    t.http.inject({
      method: "POST",
      url: "/dashboard/api/login",
      payload: { email, password },
      remoteAddress,
    });

  it("refuses an address that tries many accounts, with the lock-out's code; other addresses go on", async () => {
    // One wrong password on each of four accounts (and an unknown one): no account reaches its lock-out.
    for (const email of ["a@x.test", "b@x.test", "c@x.test", "nobody@x.test"]) {
      const r = await attempt(email, "wrong password", "203.0.113.9");
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe("DASHBOARD_LOGIN_FAILED");
    }
    // The fifth attempt from that address is refused before any password is checked, even a right one.
    const fifth = await attempt("e@x.test", PASSWORD, "203.0.113.9");
    expect(fifth.statusCode).toBe(429);
    expect(fifth.json().error.code).toBe("DASHBOARD_ACCOUNT_LOCKED");
    expect(Number(fifth.headers["retry-after"])).toBe(15);
    // The accounts are not locked: another address logs in to one of them.
    expect((await attempt("a@x.test", PASSWORD, "198.51.100.7")).statusCode).toBe(200);
    // A token comes back every 15 s (4 a minute).
    t.clock.advance(15_000);
    expect((await attempt("e@x.test", PASSWORD, "203.0.113.9")).statusCode).toBe(200);
    expect((await attempt("e@x.test", PASSWORD, "203.0.113.9")).statusCode).toBe(429);
  });

  it("keeps the per-account lock-out as before", async () => {
    for (let i = 0; i < 2; i++)
      expect((await attempt("a@x.test", "wrong password", `192.0.2.${i}`)).statusCode).toBe(401);
    const third = await attempt("a@x.test", "wrong password", "192.0.2.50");
    expect(third.statusCode).toBe(429);
    expect(third.json().error.code).toBe("DASHBOARD_ACCOUNT_LOCKED");
  });
});

const withRedis = await requireRedisOrSkip();
describe.runIf(withRedis)("per-IP login throttle shared in Redis", () => {
  const prefix = uniquePrefix();
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await dropPrefix(prefix);
  });

  it("two API processes draw from one budget per address", async () => {
    const db = await openDatabase({ url: ":memory:", dataDir: "/tmp" });
    try {
      const clock = manualClock(Date.UTC(2026, 10, 25, 12));
      const repo = createDashboardRepository(db.db);
      const processes = [1, 2].map(() => {
        const c = new Redis(REDIS_URL);
        clients.push(c);
        return createUserService({
          repo,
          clock,
          loginTtlMs: 3_600_000,
          maxFailedLogins: 5,
          lockoutMs: 600_000,
          ipLimiter: createRedisRateLimiter(c, 3, { prefix }),
        });
      });
      const codes: string[] = [];
      for (let i = 0; i < 4; i++) {
        const svc = processes[i % 2];
        if (!svc) throw new Error("no process");
        codes.push(
          await svc.login(`u${i}@x.test`, "wrong password", "203.0.113.9").then(
            () => "ok",
            (e: { code?: string }) => e.code ?? "?",
          ),
        );
      }
      expect(codes).toEqual([
        "DASHBOARD_LOGIN_FAILED",
        "DASHBOARD_LOGIN_FAILED",
        "DASHBOARD_LOGIN_FAILED",
        "DASHBOARD_ACCOUNT_LOCKED",
      ]);
    } finally {
      await db.close();
    }
  });
});
