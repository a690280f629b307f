/**
 * One storage suite, run on every reachable dialect: the repositories must behave identically on
 * SQLite and PostgreSQL (types round-trip, scoping, compare-and-set, cascades, migrations idempotent).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRepositories, type DatabaseHandle, migrate } from "../src/index.ts";
import { insertCompany, sessionRecord as session } from "./fixtures.ts";
import { testDatabases } from "./test-databases.ts";

const dbs = await testDatabases();

describe.each(dbs)("storage on $name", (target) => {
  let h: DatabaseHandle & { dropSchema(): Promise<void> };
  let repos: ReturnType<typeof createRepositories>;
  const now = 1_795_000_000_000;

  beforeAll(async () => {
    h = await target.open();
    repos = createRepositories(h.db);
    for (const id of ["c1", "c2"]) {
      await insertCompany(repos, id, now, {
        allowedOrigins: ["https://a.example"],
        settings: { threshold: 0.7 },
      });
    }
  });

  afterAll(async () => {
    await h.close();
    await h.dropSchema();
  });

  it("re-running migrations is a no-op", async () => {
    await expect(migrate(h)).resolves.toBeUndefined();
  });

  it("round-trips companies with JSON settings and booleans", async () => {
    const c = await repos.companies.findById("c1");
    expect(c).toMatchObject({
      id: "c1",
      hmacRequired: false,
      allowedOrigins: ["https://a.example"],
      settings: { threshold: 0.7 },
    });
    expect(typeof c?.createdAt).toBe("number");
    expect(c?.createdAt).toBe(now);
  });

  it("finds a company by active key hash only", async () => {
    expect((await repos.companies.findByApiKeyHash("hash-c1"))?.id).toBe("c1");
    await repos.companies.rotateKey(
      "c1",
      { id: "k-c1b", companyId: "c1", keyHash: "hash-c1b", keyPrefix: "c1", createdAt: now, revokedAt: null },
      now + 1,
    );
    expect(await repos.companies.findByApiKeyHash("hash-c1")).toBeNull();
    expect((await repos.companies.findByApiKeyHash("hash-c1b"))?.id).toBe("c1");
    expect(await repos.companies.revokeKey("c1", "k-c1b", now + 2)).toBe(true);
    expect(await repos.companies.findByApiKeyHash("hash-c1b")).toBeNull();
  });

  it("round-trips sessions, scoped per company", async () => {
    await repos.sessions.insert(session("t".repeat(40), "c2"));
    const s = await repos.sessions.find("t".repeat(40));
    expect(s?.flags).toEqual({ liveness: true, unknown_flag: { nested: [1, "x"] } });
    expect(s?.openDeadline).toBe(1_800_000_000_000);
    expect(await repos.sessions.findForCompany("c1", "t".repeat(40))).toBeNull();
    expect((await repos.sessions.findForCompany("c2", "t".repeat(40)))?.token).toBe("t".repeat(40));
  });

  it("updates with compare-and-set: exactly one of two writers with the same version wins", async () => {
    const token = "u".repeat(40);
    await repos.sessions.insert(session(token, "c2"));
    const results = await Promise.all([
      repos.sessions.update(token, 0, { status: "approved" }, now),
      repos.sessions.update(token, 0, { status: "disagreed" }, now),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const after = await repos.sessions.find(token);
    expect(after?.version).toBe(1);
    expect(["approved", "disagreed"]).toContain(after?.status);
  });

  it("lists expiry candidates: unopened past deadline and idle opened sessions, not submitted ones", async () => {
    await repos.sessions.insert(session("e".repeat(40), "c1", { openDeadline: now - 1 }));
    await repos.sessions.insert(
      session("f".repeat(40), "c1", { openDeadline: now - 1, submittedAt: now - 5 }),
    );
    await repos.sessions.insert(
      session("g".repeat(40), "c1", { openedAt: now - 100_000, lastActivityAt: now - 100_000 }),
    );
    await repos.sessions.insert(
      session("h".repeat(40), "c1", { openedAt: now - 100_000, lastActivityAt: now - 10 }),
    );
    const due = await repos.sessions.listExpiryCandidates(now, 60_000, 100);
    const tokens = due.map((s) => s.token[0]).sort();
    expect(tokens).toEqual(["e", "g"]);
  });

  it("cascades media rows when a session is deleted and keeps events ordered", async () => {
    const token = "m".repeat(40);
    await repos.sessions.insert(session(token, "c1"));
    await repos.media.insert({
      id: "m1",
      sessionToken: token,
      companyId: "c1",
      kind: "face",
      storageKey: "k1",
      contentType: "image/jpeg",
      size: 10,
      sha256: "x",
      createdAt: now,
    });
    await repos.media.insert({
      id: "m2",
      sessionToken: token,
      companyId: "c1",
      kind: "face",
      storageKey: "k2",
      contentType: "image/jpeg",
      size: 12,
      sha256: "y",
      createdAt: now + 5,
    });
    expect((await repos.media.findLatest(token, "face"))?.id).toBe("m2");
    await repos.events.append({
      sessionToken: token,
      companyId: "c1",
      type: "a",
      data: { n: 1 },
      createdAt: now,
    });
    await repos.events.append({ sessionToken: token, companyId: "c1", type: "b", data: {}, createdAt: now });
    expect((await repos.events.list(token)).map((e) => e.type)).toEqual(["a", "b"]);
    expect(await repos.sessions.delete(token)).toBe(true);
    expect(await repos.media.listBySession(token)).toEqual([]);
  });

  it("rolls a failed transaction back completely", async () => {
    const token = "r".repeat(40);
    await expect(
      h.db.transaction().execute(async (trx) => {
        const r = createRepositories(trx);
        await r.sessions.insert(session(token, "c1"));
        await r.sessions.insert(session(token, "c1")); // duplicate primary key
      }),
    ).rejects.toThrow();
    expect(await repos.sessions.find(token)).toBeNull();
  });

  it("stores configurations per company", async () => {
    await repos.configurations.insert({
      id: "a".repeat(24),
      companyId: "c1",
      name: "KYC",
      flags: { liveness: true },
      steps: [{ type: "liveness" }],
      createdAt: now,
      updatedAt: now,
    });
    expect((await repos.configurations.find("c1", "a".repeat(24)))?.steps).toEqual([{ type: "liveness" }]);
    expect(await repos.configurations.find("c2", "a".repeat(24))).toBeNull();
  });
});

it("runs on PostgreSQL in CI", () => {
  // On these machines PostgreSQL is always up; if it is not, say so loudly rather than pass quietly.
  if (process.env.CI) expect(dbs.map((d) => d.name)).toContain("postgres");
  expect(dbs.map((d) => d.name)).toContain("sqlite");
});
