/**
 * Encryption at rest, checked from the outside: the raw database rows (every table), the raw SQLite
 * file and the stored media objects hold no name, document number, birth date, IP address or image
 * header; the API reads everything back transparently; the blind index finds the person; tampering
 * is detected; after `delete` and after the retention sweep nothing of the session is left. Runs on
 * SQLite and, when reachable, PostgreSQL; one session goes through the real engine.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { renderTd3DataPage, SAMPLE_TD3_FIELDS } from "@verimat/engine/fixtures";
import { isEncryptedMedia } from "@verimat/media";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PG_URL, postgresReachable } from "../../../../packages/db/test/test-databases.ts";
import { multipartBody } from "../testing/multipart.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";
import { startVerification, type VerificationWorker } from "../verification/start-verification.ts";

const faces = path.resolve(import.meta.dirname, "../../../../../shared/eval/faces");
if (!fs.existsSync(faces)) throw new Error(`test data missing: ${faces}`);

const IP = "203.0.113.77";
const AGENT = "EncTestAgent/7.1 (secret-device)";
/** What must never be readable at rest: the person on SAMPLE_TD3_FIELDS, the device, image headers. */
// Long enough that ciphertext or its base64 cannot contain them by chance (a 4-byte marker would
// turn up in a few MB of random bytes about once in a few hundred runs).
const SECRETS = ["MUSTERMANN", "C01X00T47", "8/12/1964", IP, "EncTestAgent", "secret-device"];
const PNG_SIGNATURE = Buffer.from("\x89PNG\r\n\x1a\n", "latin1");
const IMAGE_MARKERS = [
  PNG_SIGNATURE,
  Buffer.from("\0\0\0\x0dIHDR", "latin1"),
  Buffer.from("JFIF\0", "latin1"),
  Buffer.from("Exif\0\0", "latin1"),
];
const PERSON = {
  first_name: "ERIKA",
  last_name: "MUSTERMANN",
  document_number: "C01X00T47",
  birthday: "8/12/1964",
  age: 61,
  issuing_state: "D",
};

const targets: { name: string; env: () => Record<string, string>; file?: string }[] = [];
const sqliteFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "verimat-enc-db-")), "enc.db");
targets.push({ name: "sqlite", env: () => ({ DATABASE_URL: `sqlite:${sqliteFile}` }), file: sqliteFile });
if (await postgresReachable()) {
  targets.push({
    name: "postgres",
    env: () => ({ DATABASE_URL: PG_URL, PG_SCHEMA: `enc_${randomBytes(5).toString("hex")}` }),
  });
}

/** Every row of every table, as JSON text. */
async function dumpDatabase(db: Kysely<unknown>, dialect: string): Promise<Map<string, string>> {
  const tables =
    dialect === "sqlite"
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(
          db,
        );
  const out = new Map<string, string>();
  for (const { name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    out.set(name, JSON.stringify(rows.rows));
  }
  return out;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe.each(targets)("encryption at rest on $name", (target) => {
  let t: TestApp;
  let company: { company_id: string; company_key: string };
  let worker: VerificationWorker | null = null;

  beforeAll(async () => {
    t = await createTestApp(target.env());
    company = await t.company();
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await t?.close();
  });

  async function upload(h: Record<string, string>, kind: string, data: Buffer) {
    const mp = multipartBody([], [["image", "x", data]]);
    const up = await t.http.inject({
      method: "POST",
      url: `/api/widget/captures/${kind}`,
      body: mp.body,
      headers: { ...h, "content-type": mp.contentType },
    });
    expect(up.statusCode, up.body).toBe(201);
  }

  /** begin → open (IP, user agent) → consent → passport page + selfie uploaded. */
  async function capturedSession(): Promise<{ token: string; h: Record<string, string> }> {
    const begin = await t.http.inject({
      method: "POST",
      url: "/begin/",
      payload: { company_key: company.company_key, flags: { liveness: false, document_types: ["passport"] } },
    });
    const token = JSON.parse(begin.body) as string;
    const h = { "x-session-token": token };
    const opened = await t.http.inject({
      method: "GET",
      url: "/api/widget/session",
      headers: { ...h, "user-agent": AGENT },
      remoteAddress: IP,
    });
    expect(opened.statusCode).toBe(200);
    await t.http.inject({ method: "POST", url: "/api/widget/consent", headers: h, payload: { agree: true } });
    const page = await renderTd3DataPage(SAMPLE_TD3_FIELDS, {
      portrait: fs.readFileSync(path.join(faces, "deepface/img1.jpg")),
    });
    await upload(h, "passport", page.png);
    await upload(h, "face", fs.readFileSync(path.join(faces, "deepface/img2.jpg")));
    return { token, h };
  }

  /** A decided session without the engine: the decision's findings written as the engine writes them. */
  async function decidedSession(): Promise<string> {
    const { token } = await capturedSession();
    await t.services.sessions.transition(token, "approved", "engine", {
      verification: {
        documentType: "passport",
        person: PERSON,
        reasonCodes: [],
        similarity: 0.93,
        live: true,
      },
    });
    return token;
  }

  async function result(token: string) {
    return t.http.inject({
      method: "POST",
      url: "/external-api/result/",
      payload: { company_key: company.company_key, session_token: token },
    });
  }

  async function expectNothingReadable(): Promise<Map<string, string>> {
    const dump = await dumpDatabase(t.database.db as unknown as Kysely<unknown>, t.database.caps.dialect);
    for (const [table, text] of dump) {
      for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${table}`).toBe(false);
    }
    for (const file of filesUnder(path.join(t.dataDir, "media"))) {
      const bytes = fs.readFileSync(file);
      expect(isEncryptedMedia(bytes), file).toBe(true);
      expect(bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])), file).toBe(false);
      for (const marker of IMAGE_MARKERS) expect(bytes.includes(marker), file).toBe(false);
      for (const secret of SECRETS) expect(bytes.includes(Buffer.from(secret)), file).toBe(false);
    }
    if (target.file) {
      for (const file of [target.file, `${target.file}-wal`]) {
        if (!fs.existsSync(file)) continue;
        const bytes = fs.readFileSync(file);
        for (const secret of SECRETS)
          expect(bytes.includes(Buffer.from(secret)), `${secret} in ${file}`).toBe(false);
      }
    }
    return dump;
  }

  /** No row of any table and no media object names the session any more. */
  async function expectGone(token: string): Promise<void> {
    if (target.file) await sql`pragma wal_checkpoint(TRUNCATE)`.execute(t.database.db);
    const dump = await dumpDatabase(t.database.db as unknown as Kysely<unknown>, t.database.caps.dialect);
    for (const [table, text] of dump) expect(text.includes(token), `${token} still in ${table}`).toBe(false);
    expect(filesUnder(path.join(t.dataDir, "media")).filter((f) => f.includes(token))).toEqual([]);
    if (target.file) {
      const bytes = fs.readFileSync(target.file);
      expect(bytes.includes(Buffer.from(token)), "token left in the SQLite file").toBe(false);
    }
    expect((await result(token)).json()).toEqual("SESSION_NOT_FOUND");
  }

  it("stores nothing readable, reads everything back, and finds the person by blind index", async () => {
    const token = await decidedSession();
    const r = (await result(token)).json();
    expect(r).toMatchObject({
      result: "approved",
      name: "ERIKA MUSTERMANN",
      person: { document_number: "C01X00T47", birthday: "8/12/1964" },
      technicalDetails: { remoteAddress: IP, userAgent: AGENT },
    });
    const media = await t.http.inject({
      method: "POST",
      url: "/external-api/result/passport/",
      payload: { company_key: company.company_key, session_token: token },
    });
    expect(media.statusCode).toBe(200);
    expect(media.rawPayload.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);

    const dump = await expectNothingReadable();
    // Operational fields stay in clear for filters; the sealed copy is what the API reads.
    const row = await t.database.db
      .selectFrom("sessions")
      .select(["verification", "technical"])
      .where("token", "=", token)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.verification)).toMatchObject({
      documentType: "passport",
      documentCountry: "D",
      $sealed: expect.any(String),
    });
    expect(dump.get("session_keys")).toContain(token);

    for (const query of [
      { name: "mustermann" },
      { name: "Erika  Mustermann" },
      { documentNumber: "c01x00t47" },
    ]) {
      expect(
        (await t.services.sessions.searchByPerson(company.company_id, query)).map((s) => s.token),
      ).toEqual([token]);
    }
    const [found] = await t.services.sessions.searchByPerson(company.company_id, { name: "erika" });
    expect(found?.verification).toMatchObject({ person: { last_name: "MUSTERMANN" } });
    expect(await t.services.sessions.searchByPerson(company.company_id, { name: "Musterfrau" })).toEqual([]);
    const other = await t.company();
    expect(await t.services.sessions.searchByPerson(other.company_id, { name: "mustermann" })).toEqual([]);
  }, 60_000);

  it("detects a tampered sealed field instead of returning it", async () => {
    const token = await decidedSession();
    const row = await t.database.db
      .selectFrom("sessions")
      .select("verification")
      .where("token", "=", token)
      .executeTakeFirstOrThrow();
    const stored = JSON.parse(row.verification) as { $sealed: string };
    const at = 30;
    const flipped = `${stored.$sealed.slice(0, at)}${stored.$sealed[at] === "A" ? "B" : "A"}${stored.$sealed.slice(at + 1)}`;
    const setVerification = (v: string) =>
      t.database.db.updateTable("sessions").set({ verification: v }).where("token", "=", token).execute();
    await setVerification(JSON.stringify({ ...stored, $sealed: flipped }));
    const bad = await result(token);
    expect(bad.statusCode).toBe(500);
    expect(bad.json().error.code).toBe("INTERNAL");
    expect(bad.body).not.toContain("MUSTERMANN");
    // A sealed value moved from another session does not open either (bound to its row).
    const other = await decidedSession();
    const otherRow = await t.database.db
      .selectFrom("sessions")
      .select("verification")
      .where("token", "=", other)
      .executeTakeFirstOrThrow();
    await setVerification(otherRow.verification);
    expect((await result(token)).statusCode).toBe(500);
    await setVerification(row.verification);
    expect((await result(token)).json().name).toBe("ERIKA MUSTERMANN");
  }, 60_000);

  it("delete/ leaves nothing of the session: rows, keys, index, jobs, media", async () => {
    const keep = await decidedSession();
    const token = await decidedSession();
    // An operator's field correction is audited with the values it changed (dashboard).
    await t.database.db
      .insertInto("audit_log")
      .values({
        company_id: company.company_id,
        user_id: null,
        user_email: "operator@example.com",
        session_token: token,
        action: "session.correct",
        data: JSON.stringify({ changes: { last_name: { from: "MUSTERMAN", to: "MUSTERMANN" } } }),
        created_at: t.clock.now(),
      })
      .execute();
    const del = await t.http.inject({
      method: "POST",
      url: "/external-api/delete/",
      payload: { company_key: company.company_key, session_token: token },
    });
    expect(del.statusCode).toBe(200);
    await expectGone(token);
    await expectNothingReadable();
    // The other session is untouched and still readable.
    expect((await result(keep)).json().name).toBe("ERIKA MUSTERMANN");
  }, 60_000);

  it("the retention sweep deletes sessions past their company's retention, and only those", async () => {
    const old = await decidedSession();
    const otherCompany = await t.company();
    await t.services.companies.update(company.company_id, { retentionDays: 1 });
    t.clock.advance(36 * 3_600_000);
    const recent = await decidedSession();
    const noRetention = await t.http.inject({
      method: "POST",
      url: "/begin/",
      payload: { company_key: otherCompany.company_key },
    });
    t.clock.advance(1_000);
    const purged = await t.services.sessions.purgeExpiredRetention();
    expect(purged).toBeGreaterThanOrEqual(1);
    await expectGone(old);
    expect((await result(recent)).json().name).toBe("ERIKA MUSTERMANN");
    const stillThere = await t.database.db
      .selectFrom("sessions")
      .select("token")
      .where("token", "=", JSON.parse(noRetention.body) as string)
      .execute();
    expect(stillThere).toHaveLength(1);
    expect(await t.services.sessions.purgeExpiredRetention()).toBe(0);
    await t.services.companies.update(company.company_id, { retentionDays: null });
  }, 60_000);

  it.runIf(target.name === "sqlite")(
    "a session through the real engine: captures and analyses sealed, nothing left after delete",
    async () => {
      worker = startVerification({
        database: t.database,
        sessions: t.services.sessions,
        companies: t.services.companies,
        jobs: t.services.jobs,
        clock: t.clock,
        threads: 1,
        pollMs: 50,
        log: t.http.log,
      });
      const { token, h } = await capturedSession();
      for (const i of [1, 2])
        await t.http.inject({ method: "POST", url: `/api/widget/steps/${i}/complete`, headers: h });
      await t.http.inject({ method: "POST", url: "/api/widget/submit", headers: h });
      const deadline = Date.now() + 150_000;
      let r = (await result(token)).json();
      while (r.result === "in_progress" && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 200));
        r = (await result(token)).json();
      }
      expect(r).toMatchObject({ result: "approved", name: "ERIKA MUSTERMANN" });
      const analyses = await t.database.db
        .selectFrom("capture_analyses")
        .select("analysis")
        .where("session_token", "=", token)
        .execute();
      expect(analyses.length).toBe(2);
      for (const a of analyses) expect(JSON.parse(a.analysis)).toMatch(/^sf1\./);
      await expectNothingReadable();
      expect(
        (await t.services.sessions.searchByPerson(company.company_id, { documentNumber: "C01X00T47" })).map(
          (s) => s.token,
        ),
      ).toContain(token);
      await t.http.inject({
        method: "POST",
        url: "/external-api/delete/",
        payload: { company_key: company.company_key, session_token: token },
      });
      await expectGone(token);
    },
    180_000,
  );
});
