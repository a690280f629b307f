/**
 * Master-key rotation without downtime, on one SQLite file shared by successive app instances the way
 * rolling restarts share a database: data sealed under the old key stays readable while both keys are
 * configured, `rotateMasterKey` moves every company key and secret to the new key, after which the old
 * key can be removed (and alone no longer opens anything).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createKeyringSecretBox, createMasterKeyring, manualClock, masterKeyId } from "@verimat/core";
import { openDatabase } from "@verimat/db";
import { createFsMediaStore } from "@verimat/media";
import { afterAll, expect, it } from "vitest";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { multipartBody } from "../testing/multipart.ts";
import { assertMasterKeysCoverStoredKeys, keyStatus, rotateMasterKey } from "./key-rotation.ts";
import { loadMasterKeyring } from "./master-key.ts";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-rotation-"));
const dbUrl = `sqlite:${path.join(dataDir, "verimat.db")}`;
const config = loadConfig({ DATA_DIR: dataDir, DEMO: "0", LOG_LEVEL: "silent" });
const clock = manualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
const OLD = randomBytes(32);
const NEW = randomBytes(32);
const PNG = Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n", "latin1"), randomBytes(2000)]);

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function instance(keys: Buffer[]) {
  const database = await openDatabase({ url: dbUrl, dataDir });
  const masterKeys = createMasterKeyring(keys);
  const app = await buildApp({
    config,
    database,
    media: createFsMediaStore(path.join(dataDir, "media")),
    clock,
    masterKey: masterKeys.active.key,
    masterKeys,
    logger: false,
  });
  await app.http.ready();
  return {
    app,
    deps: { db: database.db, masterKeys, clock },
    async close() {
      await app.http.close();
      await database.close();
    },
  };
}

type Instance = Awaited<ReturnType<typeof instance>>;

async function result(i: Instance, companyKey: string, token: string) {
  return i.app.http.inject({
    method: "POST",
    url: "/external-api/result/",
    payload: { company_key: companyKey, session_token: token },
  });
}

async function media(i: Instance, companyKey: string, token: string) {
  return i.app.http.inject({
    method: "POST",
    url: "/external-api/result/face/",
    payload: { company_key: companyKey, session_token: token },
  });
}

/** A session with sealed technical details, a sealed verification and an encrypted capture. */
async function sealedSession(i: Instance, companyKey: string): Promise<string> {
  const begin = await i.app.http.inject({
    method: "POST",
    url: "/begin/",
    payload: { company_key: companyKey, flags: { liveness: false, document_types: ["passport"] } },
  });
  const token = JSON.parse(begin.body) as string;
  const h = { "x-session-token": token };
  await i.app.http.inject({
    method: "GET",
    url: "/api/widget/session",
    headers: h,
    remoteAddress: "198.51.100.9",
  });
  await i.app.http.inject({
    method: "POST",
    url: "/api/widget/consent",
    headers: h,
    payload: { agree: true },
  });
  const mp = multipartBody([], [["image", "x", PNG]]);
  const up = await i.app.http.inject({
    method: "POST",
    url: "/api/widget/captures/face",
    body: mp.body,
    headers: { ...h, "content-type": mp.contentType },
  });
  expect(up.statusCode, up.body).toBe(201);
  await i.app.services.sessions.transition(token, "approved", "engine", {
    verification: { person: { first_name: "ANNA", last_name: "ROTATIONSKI", document_number: "X1" } },
  });
  return token;
}

async function expectReadable(i: Instance, companyKey: string, token: string) {
  expect((await result(i, companyKey, token)).json()).toMatchObject({
    name: "ANNA ROTATIONSKI",
    technicalDetails: { remoteAddress: "198.51.100.9" },
  });
  const m = await media(i, companyKey, token);
  expect(m.statusCode).toBe(200);
  expect(m.rawPayload.equals(PNG)).toBe(true);
}

it("MASTER_KEYS: the first key is active, the others (and MASTER_KEY) still accepted", () => {
  const ring = loadMasterKeyring({
    masterKey: OLD.toString("base64"),
    masterKeys: [NEW.toString("base64")],
    dataDir,
  });
  expect(ring.active.id).toBe(masterKeyId(NEW));
  expect(ring.all.map((k) => k.id)).toEqual([masterKeyId(NEW), masterKeyId(OLD)]);
  const parsed = loadConfig({
    DATA_DIR: dataDir,
    MASTER_KEYS: ` new:${NEW.toString("base64")} , ${OLD.toString("base64")}`,
  });
  expect(parsed.masterKeys).toEqual([NEW.toString("base64"), OLD.toString("base64")]);
  expect(() => loadMasterKeyring({ masterKey: undefined, masterKeys: ["c2hvcnQ="], dataDir })).toThrow(
    /MASTER_KEYS entry 1/,
  );
});

it("rotates the master key while serving: old data readable throughout, old key removable after", async () => {
  // Before: only the old key.
  const before = await instance([OLD]);
  const plain = await before.app.services.companies.create({ name: "Plain", hmac: false });
  const hmac = await before.app.services.companies.create({ name: "Signed", hmac: true });
  const token = await sealedSession(before, plain.company_key);
  await expectReadable(before, plain.company_key, token);
  await before.close();

  // Rolling restart with MASTER_KEYS="new,old": old data still opens; new companies' keys use the new key.
  const both = await instance([NEW, OLD]);
  await expectReadable(both, plain.company_key, token);
  const later = await both.app.services.companies.create({ name: "Later", hmac: false });
  const laterToken = await sealedSession(both, later.company_key);
  const mid = await keyStatus(both.deps);
  expect(mid.rotationComplete).toBe(false);
  expect(mid.companyKeys[masterKeyId(OLD)]).toBeGreaterThan(0);
  expect(mid.companyKeys[masterKeyId(NEW)]).toBeGreaterThan(0);
  expect(mid.secretsNotUnderActiveKey).toBe(1);

  const rotated = await rotateMasterKey(both.deps);
  expect(rotated.companyKeys).toBe(mid.companyKeys[masterKeyId(OLD)]);
  expect(rotated.secrets).toBe(1);
  expect(rotated.status.rotationComplete).toBe(true);
  expect(Object.keys(rotated.status.companyKeys)).toEqual([masterKeyId(NEW)]);
  // Idempotent.
  expect((await rotateMasterKey(both.deps)).companyKeys).toBe(0);
  await expectReadable(both, plain.company_key, token);
  await both.close();

  // The old key leaves the configuration: everything still opens under the new key alone.
  const after = await instance([NEW]);
  await expectReadable(after, plain.company_key, token);
  await expectReadable(after, later.company_key, laterToken);
  const sealed = await after.deps.db
    .selectFrom("companies")
    .select("secret_key_sealed")
    .where("id", "=", hmac.company_id)
    .executeTakeFirstOrThrow();
  expect(createKeyringSecretBox(after.deps.masterKeys).open(sealed.secret_key_sealed ?? "")).toBe(
    hmac.secret_key,
  );
  await after.close();

  // And the old key alone opens nothing any more.
  const oldOnly = await instance([OLD]);
  const r = await result(oldOnly, plain.company_key, token);
  expect(r.statusCode).toBe(500);
  expect(r.body).not.toContain("ROTATIONSKI");
  // A process started like this refuses to run rather than failing on every read.
  await expect(assertMasterKeysCoverStoredKeys(oldOnly.deps.db, oldOnly.deps.masterKeys)).rejects.toThrow(
    /not configured/,
  );
  await assertMasterKeysCoverStoredKeys(oldOnly.deps.db, createMasterKeyring([NEW]));
  await oldOnly.close();
}, 60_000);

it("a new company data-key version serves new sessions while older sessions keep theirs", async () => {
  const i = await instance([NEW]);
  const c = await i.app.services.companies.create({ name: "Versions", hmac: false });
  const first = await sealedSession(i, c.company_key);
  const { createVault } = await import("./vault.ts");
  expect(await createVault(i.deps).rotateCompanyDataKey(c.company_id)).toBe(2);
  await i.close();
  const j = await instance([NEW]);
  const second = await sealedSession(j, c.company_key);
  const versions = await j.deps.db
    .selectFrom("session_keys")
    .select(["session_token", "data_key_version"])
    .where("company_id", "=", c.company_id)
    .execute();
  expect(Object.fromEntries(versions.map((v) => [v.session_token, v.data_key_version]))).toEqual({
    [first]: 1,
    [second]: 2,
  });
  await expectReadable(j, c.company_key, first);
  await expectReadable(j, c.company_key, second);
  await j.close();
}, 60_000);
