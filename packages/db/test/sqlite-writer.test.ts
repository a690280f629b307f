/** Bulk inserts through the SQLite writer thread: committed before they resolve, visible at once, errors kept. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { createRepositories, openDatabase, sessionRow } from "../src/index.ts";
import { insertCompany, sessionRecord as session } from "./fixtures.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-writer-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it("commits before resolving, keeps every row across a reopen, and reports constraint errors", async () => {
  const h = await openDatabase({ dataDir: dir });
  const insert = h.bulkInsert;
  if (!insert) throw new Error("a SQLite file database offers bulk inserts");
  const repos = createRepositories(h.db);
  const now = Date.now();
  await insertCompany(repos, "c", now);

  // Concurrent batches, each read back through the serving connection as soon as it resolves.
  const batches = Array.from({ length: 20 }, (_, b) =>
    Array.from({ length: 16 }, (_, i) => session(`t-${b}-${i}-`.padEnd(40, "0"), "c")),
  );
  await Promise.all(
    batches.map(async (list) => {
      await insert("sessions", list.map(sessionRow));
      const first = list[0];
      if (!first) throw new Error("empty batch");
      const found = await repos.sessions.find(first.token);
      expect(found?.flags).toEqual({ liveness: true, unknown_flag: { nested: [1, "x"] } });
      expect(found?.effectiveSteps).toEqual([{ type: "agreement", flags: {} }]);
    }),
  );

  // A batch with an unknown company fails whole (foreign keys are on in the writer), nothing of it stored.
  const bad = [session("good".padEnd(40, "1"), "c"), session("orphan".padEnd(40, "2"), "nope")];
  await expect(insert("sessions", bad.map(sessionRow))).rejects.toMatchObject({
    code: "SQLITE_CONSTRAINT_FOREIGNKEY",
  });
  expect(await repos.sessions.find("good".padEnd(40, "1"))).toBeNull();
  // A duplicate token is refused, the first row kept.
  await expect(
    insert("sessions", [sessionRow(session("t-0-0-".padEnd(40, "0"), "c"))]),
  ).rejects.toMatchObject({
    code: expect.stringMatching(/^SQLITE_CONSTRAINT/),
  });
  await expect(insert("bad table", [{ a: 1 }])).rejects.toThrow(/invalid table/);

  // Inserts handed over right before close are committed by it.
  const last = insert("sessions", [sessionRow(session("last".padEnd(40, "3"), "c"))]);
  await h.close();
  await last;
  const again = await openDatabase({ dataDir: dir, sqliteWriterThread: false });
  try {
    expect(again.bulkInsert).toBeUndefined();
    const count = await again.db
      .selectFrom("sessions")
      .select((e) => e.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(20 * 16 + 1);
  } finally {
    await again.close();
  }
});
