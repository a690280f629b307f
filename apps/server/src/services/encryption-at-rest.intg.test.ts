/**
 * Encryption at rest, checked from the outside: the raw database rows (every table), the raw SQLite
 * file and the stored media objects hold no name, document number, birth date, IP address or image
 * header; the API reads everything back transparently; the blind index finds the person; tampering
 * is detected; after `delete` and after the retention sweep nothing of the session is left. Runs on
 * SQLite and, when reachable, PostgreSQL; one session goes through the real engine.
 *
 * The step catalogue's personal data is filled through the widget API and the dashboard API (with a
 * callback receiver taking the one-time codes and beneficiary links): questionnaire answers, the
 * verified phone and e-mail, geolocation, KYB company data and beneficiaries (names, e-mail
 * addresses; a beneficiary's name in the parent's reject reason), an operator's comment and
 * correction (result_comment, timeline, audit log) and the callback bodies carrying contacts and
 * codes — none of it readable at rest, all of it found by the dashboard search (blind index), and a
 * KYB session's delete and the retention sweep take its beneficiaries' sessions with it.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { renderTd3DataPage, SAMPLE_TD3_FIELDS } from "@verimat/engine/fixtures";
import { isEncryptedMedia } from "@verimat/media";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PG_URL, postgresReachable } from "../../../../packages/db/test/test-databases.ts";
import { type CallbackWorker, startCallbacks } from "../callbacks/start-callbacks.ts";
import { dashboardLogin } from "../testing/dashboard-login.ts";
import { multipartBody } from "../testing/multipart.ts";
import { createTestApp, startTestVerification, type TestApp } from "../testing/test-app.ts";
import type { VerificationWorker } from "../verification/start-verification.ts";

const faces = path.resolve(import.meta.dirname, "../../../../../shared/eval/faces");
if (!fs.existsSync(faces)) throw new Error(`test data missing: ${faces}`);

const IP = "203.0.113.77";
const AGENT = "EncTestAgent/7.1 (secret-device)";
/** What must never be readable at rest: the person on SAMPLE_TD3_FIELDS, the device, image headers. */
// Long enough that ciphertext or its base64 cannot contain them by chance (a 4-byte marker would
// turn up in a few MB of random bytes about once in a few hundred runs).
const SECRETS = ["MUSTERMANN", "C01X00T47", "8/12/1964", IP, "EncTestAgent", "secret-device"];
/** The step catalogue's personal data (filled through the widget and dashboard APIs). */
const STEP_SECRETS = {
  answer: "Deputy-Minister-Of-Quokkas",
  phone: "+995555771234",
  email: "erika.quokka@example.de",
  latitude: 41.715137,
  longitude: 44.827096,
  companyName: "Zephyrine Holdings",
  registration: "RG-8812-4471",
  beneficiaryFirst: "Tamarinda",
  beneficiaryLast: "Okropiridze",
  beneficiaryEmail: "tamarinda@zephyrine.ge",
  comment: "Scratched-Laminate-Remark",
  corrected: "MUSTERMANN-QUOKKA",
};
SECRETS.push(
  STEP_SECRETS.answer,
  STEP_SECRETS.phone.slice(1),
  STEP_SECRETS.email,
  String(STEP_SECRETS.latitude),
  String(STEP_SECRETS.longitude),
  STEP_SECRETS.companyName,
  "8812-4471",
  STEP_SECRETS.beneficiaryFirst,
  STEP_SECRETS.beneficiaryLast,
  STEP_SECRETS.comment,
);
const PNG_SIGNATURE = Buffer.from("\x89PNG\r\n\x1a\n", "latin1");
const IMAGE_MARKERS = [
  PNG_SIGNATURE,
  Buffer.from("\0\0\0\x0dIHDR", "latin1"),
  Buffer.from("JFIF\0", "latin1"),
  Buffer.from("Exif\0\0", "latin1"),
  Buffer.from("%PDF-1.", "latin1"),
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
    // Callbacks reach the test's receiver on 127.0.0.1.
    t = await createTestApp({ ...target.env(), ALLOW_PRIVATE_CALLBACKS: "1" });
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
    // One row may name the token: the `session.deleted` callback event that tells the company (a
    // company with a callback URL), whose body holds ids and the status only.
    const notices = await t.database.db
      .selectFrom("callback_events")
      .select(["type", "body"])
      .where("session_token", "=", token)
      .execute();
    for (const n of notices) {
      expect(n.type).toBe("session.deleted");
      expect(Object.keys(JSON.parse(n.body) as object).sort()).toEqual(
        ["callbackApiKey", "created", "data", "id", "sessionId", "status", "timestamp", "type"].sort(),
      );
    }
    for (const [table, text] of dump) {
      const rows = JSON.parse(text) as Record<string, unknown>[];
      const left = table === "callback_events" ? rows.filter((r) => r.type !== "session.deleted") : rows;
      expect(JSON.stringify(left).includes(token), `${token} still in ${table}`).toBe(false);
    }
    expect(filesUnder(path.join(t.dataDir, "media")).filter((f) => f.includes(token))).toEqual([]);
    if (target.file && notices.length === 0) {
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

  describe("the step catalogue, the dashboard and callbacks", () => {
    let shop: { company_id: string; company_key: string };
    let receiver: Server;
    let cbWorker: CallbackWorker;
    const received: Record<string, unknown>[] = [];
    const NO_KYC = { skip_document: true, skip_face: true, skip_agreement: true };
    let kyc = "";
    let kyb = "";
    let children: string[] = [];
    let login = { cookie: "", csrf: "" };

    beforeAll(async () => {
      receiver = createServer((req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => {
          body += d.toString();
        });
        req.on("end", () => {
          received.push(JSON.parse(body) as Record<string, unknown>);
          res.writeHead(200).end("ok");
        });
      });
      await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
      shop = await t.company({ name: "Step shop" });
      // Codes and beneficiary links go through the company's own provider (Identomat's callbacks).
      await t.services.companies.update(shop.company_id, {
        callbackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        callbackKey: "cb-key",
        settings: { sms_provider: "callback", email_provider: "callback" },
      });
      t.services.callbacks.invalidate(shop.company_id);
      cbWorker = startCallbacks({
        callbacks: t.services.callbacks,
        jobs: t.services.jobs,
        clock: t.clock,
        timeoutMs: 5_000,
        pollMs: 20,
      });
      await t.services.dashboardUsers.create({
        companyId: shop.company_id,
        email: "operator@shop.test",
        role: "admin",
        password: "correct horse battery",
      });
      login = await dashboardLogin(t.http, "operator@shop.test", "correct horse battery");
    });

    afterAll(async () => {
      await cbWorker?.stop();
      await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    });

    const widget = async (token: string, url: string, payload?: Record<string, unknown>) => {
      const res = await t.http.inject({
        method: payload === undefined ? "GET" : "POST",
        url,
        headers: { "x-session-token": token },
        ...(payload === undefined ? {} : { payload }),
      });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      return res.json() as Record<string, unknown>;
    };
    const dashboard = (method: "GET" | "POST", url: string, payload?: Record<string, unknown>) =>
      t.http.inject({
        method,
        url,
        headers: { cookie: login.cookie, "x-csrf-token": login.csrf },
        ...(payload === undefined ? {} : { payload }),
      });
    const beginSteps = async (steps: unknown[]) => {
      const res = await t.http.inject({
        method: "POST",
        url: "/external-api/begin/",
        payload: { company_key: shop.company_key, flags: NO_KYC, steps },
      });
      expect(res.statusCode, res.body).toBe(200);
      return JSON.parse(res.body) as string;
    };
    /** The code of the latest one-time-password callback of the session (the company's provider). */
    const codeFor = async (token: string, type: string): Promise<string> => {
      const end = Date.now() + 20_000;
      for (;;) {
        const event = received.filter((e) => e.type === type && e.sessionId === token).at(-1);
        const code = /\b(\d{6})\b/.exec(String(event?.text ?? ""))?.[1];
        if (code) return code;
        if (Date.now() > end) throw new Error(`no ${type} callback for ${token}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const stepResult = async (token: string) =>
      (
        await t.http.inject({
          method: "POST",
          url: "/external-api/result/",
          payload: { company_key: shop.company_key, session_token: token },
        })
      ).json() as Record<string, unknown>;

    it("questionnaire, phone, e-mail and geolocation through the widget; review and correction through the dashboard", async () => {
      kyc = await beginSteps([
        {
          type: "user-questionnaire",
          key: "pep",
          questions: [{ key: "role", type: "text", required: true }],
        },
        { type: "phone-number" },
        { type: "email" },
        { type: "geolocation" },
      ]);
      await widget(kyc, "/api/widget/steps/questionnaire", { answers: { role: STEP_SECRETS.answer } });
      await widget(kyc, "/api/widget/steps/otp/send", { destination: STEP_SECRETS.phone });
      const smsCode = await codeFor(kyc, "one-time-password-request");
      await widget(kyc, "/api/widget/steps/otp/verify", { code: smsCode });
      await widget(kyc, "/api/widget/steps/otp/send", { destination: STEP_SECRETS.email });
      const mailCode = await codeFor(kyc, "email-one-time-password-request");
      await widget(kyc, "/api/widget/steps/otp/verify", { code: mailCode });
      await widget(kyc, "/api/widget/steps/geolocation", {
        consent: true,
        latitude: STEP_SECRETS.latitude,
        longitude: STEP_SECRETS.longitude,
        accuracy: 20,
      });
      await widget(kyc, "/api/widget/submit", {});
      // The engine's findings (as the engine writes them), then an operator's correction and review.
      const s = await t.services.sessions.find(kyc);
      await t.services.sessions.transition(kyc, "manual_check", "engine", {
        verification: {
          ...(s?.verification ?? {}),
          documentType: "passport",
          person: PERSON,
          reasonCodes: ["face_mismatch"],
        },
      });
      const corrected = await dashboard("POST", `/dashboard/api/sessions/${kyc}/corrections`, {
        fields: { last_name: STEP_SECRETS.corrected },
      });
      expect(corrected.statusCode, corrected.body).toBe(200);
      const reviewed = await dashboard("POST", `/dashboard/api/sessions/${kyc}/review`, {
        decision: "approve",
        comment: STEP_SECRETS.comment,
      });
      expect(reviewed.statusCode, reviewed.body).toBe(200);

      // Everything reads back through the APIs.
      const r = await stepResult(kyc);
      expect(r).toMatchObject({
        result: "approved",
        result_comment: STEP_SECRETS.comment,
        person: { last_name: STEP_SECRETS.corrected, phone: STEP_SECRETS.phone, email: STEP_SECRETS.email },
        questionnaires: [{ key: "pep", questions: [{ key: "role", answer: STEP_SECRETS.answer }] }],
        geolocation: { latitude: STEP_SECRETS.latitude, longitude: STEP_SECRETS.longitude },
      });
      const detail = (await dashboard("GET", `/dashboard/api/sessions/${kyc}`)).json() as {
        audit: { action: string; data: Record<string, unknown> }[];
        timeline: { type: string; data: Record<string, unknown> }[];
      };
      expect(detail.audit.map((a) => [a.action, a.data])).toEqual([
        [
          "session.review",
          { from: "manual_check", to: "approved", reason_code: "", comment: STEP_SECRETS.comment },
        ],
        ["session.correct", { changes: { last_name: { from: "MUSTERMANN", to: STEP_SECRETS.corrected } } }],
      ]);
      expect(detail.timeline.find((e) => e.type === "session.reviewed")?.data).toMatchObject({
        commented: true,
      });
      const log = (await dashboard("GET", "/dashboard/api/audit")).json() as { items: { data: unknown }[] };
      expect(JSON.stringify(log.items)).toContain(STEP_SECRETS.comment);

      // At rest: the comment, the audit data and the code callbacks' bodies are sealed.
      const row = await t.database.db
        .selectFrom("sessions")
        .select(["result_comment"])
        .where("token", "=", kyc)
        .executeTakeFirstOrThrow();
      expect(row.result_comment).toMatch(/^sf1\./);
      const audits = await t.database.db
        .selectFrom("audit_log")
        .select("data")
        .where("session_token", "=", kyc)
        .execute();
      expect(audits.length).toBe(2);
      for (const a of audits) expect(Object.keys(JSON.parse(a.data) as object)).toEqual(["$sealed"]);
      const bodies = await t.database.db
        .selectFrom("callback_events")
        .select(["type", "body"])
        .where("session_token", "=", kyc)
        .execute();
      const secretBodies = bodies.filter((b) => b.type.includes("one-time-password"));
      expect(secretBodies.length).toBe(2);
      for (const b of secretBodies) expect(b.body).toMatch(/^sf1\./);
      await expectNothingReadable();
    }, 120_000);

    it("KYB company data and beneficiaries: sealed, reject reason without names in clear", async () => {
      kyb = await beginSteps([
        { type: "company-data", flags: { fields: ["company_name", "registration_number", "country"] } },
        { type: "beneficiaries", flags: { min: 1, child_flags: { skip_agreement: true } } },
      ]);
      await widget(kyb, "/api/widget/steps/company-data", {
        fields: {
          company_name: `${STEP_SECRETS.companyName} LLC`,
          registration_number: STEP_SECRETS.registration,
          country: "GE",
        },
      });
      await widget(kyb, "/api/widget/steps/beneficiaries", {
        beneficiaries: [
          {
            first_name: STEP_SECRETS.beneficiaryFirst,
            last_name: STEP_SECRETS.beneficiaryLast,
            roles: ["owner"],
            share: 100,
            email: STEP_SECRETS.beneficiaryEmail,
          },
        ],
      });
      await widget(kyb, "/api/widget/submit", {});
      const parent = await stepResult(kyb);
      const [b] = parent.beneficiaries as { session_token: string }[];
      if (!b) throw new Error("one beneficiary expected");
      children = [b.session_token];
      await t.services.sessions.transition(b.session_token, "rejected", "engine", {
        verification: {
          documentType: "passport",
          person: { first_name: STEP_SECRETS.beneficiaryFirst, last_name: STEP_SECRETS.beneficiaryLast },
          rejectReason: { value: "face_mismatch", description: "The faces differ" },
          reasonCodes: ["face_mismatch"],
        },
      });
      await t.services.kyb.settle(kyb);
      expect(await stepResult(kyb)).toMatchObject({
        result: "rejected",
        reject_reason: {
          value: "beneficiary_not_verified",
          description: `Not verified: ${STEP_SECRETS.beneficiaryFirst} ${STEP_SECRETS.beneficiaryLast}`,
        },
        company_data: { fields: { registration_number: STEP_SECRETS.registration } },
      });
      const row = await t.database.db
        .selectFrom("sessions")
        .select("verification")
        .where("token", "=", kyb)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.verification)).toMatchObject({
        rejectReason: { value: "beneficiary_not_verified" },
        $sealed: expect.any(String),
      });
      // The link went through the company's callback; its body (name, e-mail, link) is sealed.
      const end = Date.now() + 20_000;
      const link = () =>
        received.find((e) => e.sessionId === b.session_token && String(e.type).startsWith("share-"));
      while (!link() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(link()).toMatchObject({
        type: "share-session-link-via-email",
        email: STEP_SECRETS.beneficiaryEmail,
      });
      await expectNothingReadable();
    }, 120_000);

    it("the dashboard search finds them by blind index: contact, corrected name, company, registration number, beneficiary", async () => {
      const search = async (q: string) => {
        const res = await dashboard("GET", `/dashboard/api/sessions?q=${encodeURIComponent(q)}`);
        expect(res.statusCode, res.body).toBe(200);
        return (res.json() as { items: { session_token: string }[] }).items.map((i) => i.session_token);
      };
      expect(await search(STEP_SECRETS.email.toUpperCase())).toEqual([kyc]);
      expect(await search("+995 555 77 12 34")).toEqual([kyc]);
      expect(await search("mustermann-quokka")).toEqual([kyc]);
      expect(await search("Erika")).toEqual([kyc]);
      expect(await search("c01x00t47")).toEqual([kyc]);
      expect(await search("zephyrine holdings")).toEqual([kyb]);
      expect(await search("rg 8812 4471")).toEqual([kyb]);
      expect(await search(STEP_SECRETS.beneficiaryEmail)).toEqual([kyb]);
      // The beneficiary's name: the parent (its list) and the child (its own person).
      expect((await search("okropiridze tamarinda")).sort()).toEqual([kyb, ...children].sort());
      expect(await search("nobody@example.de")).toEqual([]);
      // Another company's operator finds nothing.
      expect(
        (await t.services.sessions.searchByPerson(company.company_id, { email: STEP_SECRETS.email })).length,
      ).toBe(0);
    }, 60_000);

    it("deleting the KYB session deletes its beneficiaries' sessions; nothing of either is left", async () => {
      const del = await t.http.inject({
        method: "POST",
        url: "/external-api/delete/",
        payload: { company_key: shop.company_key, session_token: kyb },
      });
      expect(del.statusCode, del.body).toBe(200);
      await expectGone(kyb);
      for (const child of children) await expectGone(child);
      // The other session of the company stays readable.
      expect((await stepResult(kyc)).result_comment).toBe(STEP_SECRETS.comment);
    }, 60_000);
  });

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
    // A KYB session with one beneficiary (no callback or SMTP here: the link is recorded as not sent).
    const kybBegin = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: {
        company_key: company.company_key,
        flags: { skip_document: true, skip_face: true, skip_agreement: true },
        steps: [{ type: "beneficiaries", flags: { min: 1 } }],
      },
    });
    const kybParent = JSON.parse(kybBegin.body) as string;
    const listed = await t.http.inject({
      method: "POST",
      url: "/api/widget/steps/beneficiaries",
      headers: { "x-session-token": kybParent },
      payload: {
        beneficiaries: [
          { first_name: "Retained", last_name: "Owner", roles: ["owner"], share: 100, email: "o@x.test" },
        ],
      },
    });
    expect(listed.statusCode, listed.body).toBe(200);
    const kybChildren = await t.database.db
      .selectFrom("sessions")
      .select("token")
      .where("parent_session_id", "=", kybParent)
      .execute();
    expect(kybChildren).toHaveLength(1);
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
    await expectGone(kybParent);
    for (const c of kybChildren) await expectGone(c.token);
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
      worker = startTestVerification(t);
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
