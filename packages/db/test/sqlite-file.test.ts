/** The embedded default on a real file: WAL checkpoints happen off the serving connection, data survives reopening. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { createRepositories, openDatabase } from "../src/index.ts";
import { insertCompany } from "./fixtures.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-sqlite-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it("checkpoints the WAL in the background and keeps every row across a reopen", async () => {
  const h = await openDatabase({ dataDir: dir });
  const file = path.join(dir, "verimat.db");
  const repos = createRepositories(h.db);
  const now = Date.now();
  await insertCompany(repos, "c", now);
  const sizeBefore = fs.statSync(file).size;
  for (let i = 0; i < 300; i++) {
    await repos.events.append({
      sessionToken: "t",
      companyId: "c",
      type: "x",
      data: { i, pad: "y".repeat(500) },
      createdAt: now,
    });
  }
  // The serving connection does not checkpoint; the background one copies the WAL into the file.
  const deadline = Date.now() + 5_000;
  while (fs.statSync(file).size <= sizeBefore && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  expect(fs.statSync(file).size).toBeGreaterThan(sizeBefore + 100_000);
  await h.close();

  const again = await openDatabase({ dataDir: dir });
  expect(await createRepositories(again.db).events.list("t")).toHaveLength(300);
  await again.close();
});
