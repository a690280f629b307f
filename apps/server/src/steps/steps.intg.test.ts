/**
 * The step catalogue against the in-memory app: questionnaires (validation, conditions, files),
 * e-mail codes through a real local SMTP server, SMS codes through the company's callback to a local
 * receiver, the code rules (expiry, single use, wrong code, lock-out, send limits), geolocation, and a
 * KYB session whose two beneficiaries' child sessions finish one approved and one rejected. Runs on
 * SQLite and, when reachable (required on CI), on PostgreSQL in a throwaway schema, with parallel
 * guesses, parallel right codes and parallel KYB settles to exercise the compare-and-set writes.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { sql } from "kysely";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CallbackWorker, startCallbacks } from "../callbacks/start-callbacks.ts";
import { dashboardLogin } from "../testing/dashboard-login.ts";
import { type LocalSmtp, startLocalSmtp } from "../testing/local-smtp.ts";
import { multipartBody } from "../testing/multipart.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";
import { appTestDatabases } from "../testing/test-databases.ts";

let t: TestApp;
let smtp: LocalSmtp;
let companyKey: string;
/** Small limits, so the upload tests can go past them (the files of the other tests are tiny). */
const UPLOAD_LIMIT = 60_000;
const SESSION_MEDIA_LIMIT = 150_000;

const NO_KYC = { skip_document: true, skip_face: true, skip_agreement: true };

async function begin(
  steps: unknown[],
  flags: Record<string, unknown> = NO_KYC,
  key = companyKey,
): Promise<string> {
  const res = await t.http.inject({
    method: "POST",
    url: "/external-api/begin/",
    payload: { company_key: key, flags, steps },
  });
  expect(res.statusCode, res.body).toBe(200);
  return JSON.parse(res.body) as string;
}

async function call(token: string, method: "GET" | "POST", url: string, payload?: unknown) {
  const res = await t.http.inject({
    method,
    url,
    headers: { "x-session-token": token },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  const json = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {};
  const error = (json.error as { code?: string; message?: string } | undefined) ?? null;
  return {
    status: res.statusCode,
    json,
    code: error?.code ?? null,
    message: error?.message ?? "",
    headers: res.headers,
  };
}

async function result(token: string, key = companyKey) {
  const res = await t.http.inject({
    method: "POST",
    url: "/external-api/result/",
    payload: { company_key: key, session_token: token },
  });
  return JSON.parse(res.body) as Record<string, unknown> & {
    person: Record<string, unknown>;
    questionnaires: { key: string; questions: { key: string; answer: unknown }[] }[];
  };
}

async function upload(token: string, kind: string, bytes: Buffer, type = "bin") {
  const form = multipartBody([], [["file", `doc.${type.split("/")[1]}`, bytes]]);
  const res = await t.http.inject({
    method: "POST",
    url: `/api/widget/steps/files/${kind}`,
    headers: { "x-session-token": token, "content-type": form.contentType },
    payload: form.body,
  });
  return { status: res.statusCode, json: JSON.parse(res.body) as { id?: string; error?: { code: string } } };
}

const QUESTIONS = [
  { key: "pep", type: "yes-no", required: true, label: { en: "Are you a politically exposed person?" } },
  { key: "pep_role", type: "text", required: true, when: { question: "pep", equals: true } },
  {
    key: "purpose",
    type: "single-choice",
    required: true,
    options: [{ value: "savings" }, { value: "trading" }],
  },
  { key: "proof", type: "file" },
];

const databases = await appTestDatabases({
  required: process.env.CI === "true" || process.env.REQUIRE_POSTGRES === "1",
});

describe.each(databases)("step catalogue on $name", (database) => {
  let env: Record<string, string> = {};
  beforeAll(async () => {
    smtp = await startLocalSmtp();
    env = database.env();
    t = await createTestApp({
      ...env,
      SMTP_URL: smtp.url,
      SMTP_FROM: "Verimat <codes@verimat.test>",
      ALLOW_PRIVATE_CALLBACKS: "1",
      PUBLIC_URL: "https://verify.example.test",
      UPLOAD_LIMIT_BYTES: String(UPLOAD_LIMIT),
      SESSION_MEDIA_LIMIT_BYTES: String(SESSION_MEDIA_LIMIT),
    });
    companyKey = (await t.company()).company_key;
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
    await database.drop(env);
  });

  describe("user questionnaire", () => {
    it("validates answers on the server, keeps the answered ones in the result and completes only then", async () => {
      const token = await begin([{ type: "user-questionnaire", key: "kyc-extra", questions: QUESTIONS }]);
      expect((await call(token, "POST", "/api/widget/steps/0/complete")).code).toBe("STEP_NEEDS_INPUT");
      expect((await call(token, "POST", "/api/widget/submit")).code).toBe("STEP_NEEDS_INPUT");

      const missing = await call(token, "POST", "/api/widget/steps/questionnaire", {
        answers: { pep: true, purpose: "savings" },
      });
      expect([missing.status, missing.code, missing.message]).toEqual([
        400,
        "QUESTIONNAIRE_ANSWER_MISSING",
        "pep_role: an answer is required",
      ]);
      const wrong = await call(token, "POST", "/api/widget/steps/questionnaire", {
        answers: { pep: false, purpose: "gambling" },
      });
      expect([wrong.code, wrong.message]).toEqual([
        "QUESTIONNAIRE_ANSWER_INVALID",
        "purpose: must be one of the options",
      ]);

      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#fff" } })
        .png()
        .toBuffer();
      const notAnImage = await upload(
        token,
        "questionnaire-file",
        Buffer.from("hello world, not a file"),
        "text/plain",
      );
      expect(notAnImage.json.error?.code).toBe("MEDIA_TYPE_INVALID");
      const file = await upload(token, "questionnaire-file", png, "image/png");
      expect(file.status).toBe(201);

      const ok = await call(token, "POST", "/api/widget/steps/questionnaire", {
        answers: { pep: false, pep_role: "hidden by the condition", purpose: "savings", proof: file.json.id },
      });
      expect(ok.json).toEqual({ currentStep: 1 });
      const r = await result(token);
      expect(r.questionnaires).toEqual([
        {
          key: "kyc-extra",
          questions: [
            { key: "pep", answer: false },
            { key: "purpose", answer: "savings" },
            { key: "proof", answer: { file: file.json.id } },
          ],
        },
      ]);
      // The step is done: a second answer is refused, the session can be submitted.
      expect((await call(token, "POST", "/api/widget/steps/questionnaire", { answers: {} })).code).toBe(
        "STEP_NOT_IN_SESSION",
      );
      expect((await call(token, "POST", "/api/widget/submit")).status).toBe(200);
    });

    it("refuses a malformed questionnaire at begin/ with the step named", async () => {
      const res = await t.http.inject({
        method: "POST",
        url: "/external-api/begin/",
        payload: {
          company_key: companyKey,
          steps: [{ type: "user-questionnaire", questions: [{ key: "x", type: "single-choice" }] }],
        },
      });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain("step 0 question x: options are required");
    });
  });

  describe("upload limits of the step files", () => {
    /** Files of the session in the media store (a refused upload must leave none behind). */
    function storedObjects(token: string): string[] {
      const root = path.join(t.dataDir, "media");
      if (!fs.existsSync(root)) return [];
      return (fs.readdirSync(root, { recursive: true }) as string[]).filter(
        (p) => p.includes(token) && fs.statSync(path.join(root, p)).isFile(),
      );
    }
    const png = (size: number) =>
      Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.alloc(size - 16, 7)]);
    const pdf = (size: number) => Buffer.concat([Buffer.from("%PDF-1.4\n%"), Buffer.alloc(size - 10, 32)]);

    it("a questionnaire file over UPLOAD_LIMIT_BYTES: 413 UPLOAD_TOO_LARGE, nothing stored", async () => {
      const token = await begin([
        { type: "user-questionnaire", questions: [{ key: "proof", type: "file" }] },
      ]);
      const big = await upload(token, "questionnaire-file", png(UPLOAD_LIMIT + 10_000), "image/png");
      expect([big.status, big.json.error?.code]).toEqual([413, "UPLOAD_TOO_LARGE"]);
      const s = await t.services.sessions.find(token);
      if (!s) throw new Error("session gone");
      expect(await t.services.sessions.listMedia(s)).toEqual([]);
      expect(storedObjects(token)).toEqual([]);
      // Within the limit the same kind of file is taken.
      expect((await upload(token, "questionnaire-file", png(UPLOAD_LIMIT - 1_000), "image/png")).status).toBe(
        201,
      );
      expect(storedObjects(token)).toHaveLength(1);
    });

    it("registration documents past SESSION_MEDIA_LIMIT_BYTES: 413 SESSION_MEDIA_LIMIT, nothing stored", async () => {
      const token = await begin([{ type: "company-data", flags: { min_documents: 1 } }]);
      const size = 55_000; // three of them: 165 000 > 150 000
      expect((await upload(token, "company-document", pdf(size), "application/pdf")).status).toBe(201);
      expect((await upload(token, "company-document", pdf(size), "application/pdf")).status).toBe(201);
      const over = await upload(token, "company-document", pdf(size), "application/pdf");
      expect([over.status, over.json.error?.code]).toEqual([413, "SESSION_MEDIA_LIMIT"]);
      const s = await t.services.sessions.find(token);
      if (!s) throw new Error("session gone");
      expect((await t.services.sessions.listMedia(s)).map((m) => m.size)).toEqual([size, size]);
      expect(storedObjects(token)).toHaveLength(2);
      // What still fits is taken; a file over the room left is refused the same way.
      expect((await upload(token, "company-document", pdf(30_000), "application/pdf")).status).toBe(201);
      const full = await upload(token, "company-document", pdf(20_000), "application/pdf");
      expect([full.status, full.json.error?.code]).toEqual([413, "SESSION_MEDIA_LIMIT"]);
      expect(storedObjects(token)).toHaveLength(3);
    });
  });

  describe("Selfie with ID and Proof of address as builder steps", () => {
    it("a saved flow's steps become the widget's capture steps, which take their captures", async () => {
      const c = await t.company({ name: "Builder" });
      const config = await t.services.configurations.create(c.company_id, {
        name: "Address check",
        flags: { skip_document: true, skip_face: true, skip_agreement: true },
        steps: [
          { type: "selfie-with-id", flags: { allow_face_doc_upload: true } },
          { type: "proof-of-address", flags: { allow_general_document_upload: true } },
        ],
      });
      const res = await t.http.inject({
        method: "POST",
        url: "/external-api/begin/",
        payload: { company_key: c.company_key, config_id: config.id },
      });
      expect(res.statusCode, res.body).toBe(200);
      const token = JSON.parse(res.body) as string;
      const s = await t.services.sessions.find(token);
      expect(s?.effectiveSteps.map((x) => [x.type, x.flags])).toEqual([
        ["face-document", { allow_face_doc_upload: true }],
        [
          "general-document",
          {
            allow_general_document_upload: true,
            general_document_types: ["bank_statement", "utility_bill"],
            allow_capture: true,
            allow_upload: true,
          },
        ],
      ]);
      const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#ccc" } })
        .jpeg()
        .toBuffer();
      for (const kind of ["face-document", "general-document"]) {
        const form = multipartBody([], [["image", "capture.jpg", jpeg]]);
        const up = await t.http.inject({
          method: "POST",
          url: `/api/widget/captures/${kind}`,
          headers: { "x-session-token": token, "content-type": form.contentType },
          payload: form.body,
        });
        expect(up.statusCode, `${kind}: ${up.body}`).toBe(201);
      }
      // A capture the flow does not ask for is still refused.
      const form = multipartBody([], [["image", "capture.jpg", jpeg]]);
      const passport = await t.http.inject({
        method: "POST",
        url: "/api/widget/captures/passport",
        headers: { "x-session-token": token, "content-type": form.contentType },
        payload: form.body,
      });
      expect(passport.statusCode).toBe(403);
    });
  });

  describe("language step", () => {
    it("records the chosen language, which the widget then gets as the session's language", async () => {
      const token = await begin([{ type: "language", flags: { languages: ["en", "ka"] } }], {
        ...NO_KYC,
        language: "en",
      });
      expect((await call(token, "POST", "/api/widget/steps/language", { language: "de" })).code).toBe(
        "PARAM_INVALID",
      );
      expect((await call(token, "POST", "/api/widget/steps/language", { language: "ka" })).json).toEqual({
        currentStep: 1,
        language: "ka",
      });
      expect((await call(token, "GET", "/api/widget/session")).json.language).toBe("ka");
    });
  });

  function codeIn(text: string): string {
    const m = /\b(\d{6})\b/.exec(text);
    if (!m?.[1]) throw new Error(`no code in ${text}`);
    return m[1];
  }

  describe("e-mail codes over SMTP", () => {
    it("sends the code to a real SMTP server; a wrong code is refused, the right one verifies the address once", async () => {
      const token = await begin([{ type: "email" }]);
      const bad = await call(token, "POST", "/api/widget/steps/otp/send", { destination: "not-an-address" });
      expect(bad.code).toBe("OTP_DESTINATION_INVALID");
      const sent = await call(token, "POST", "/api/widget/steps/otp/send", {
        destination: "Nino@Example.GE",
      });
      expect(sent.status, sent.message).toBe(200);
      expect(sent.json.destination).toBe("Nino@example.ge");
      const mail = await smtp.waitFor("Nino@example.ge");
      expect(mail.from).toBe("codes@verimat.test");
      const code = codeIn(mail.text);
      // Not in logs or responses: only the recipient has it.
      expect(JSON.stringify(sent.json)).not.toContain(code);
      const wrongCode = code === "000000" ? "111111" : "000000";
      const wrong = await call(token, "POST", "/api/widget/steps/otp/verify", { code: wrongCode });
      expect([wrong.code, wrong.message]).toEqual([
        "OTP_CODE_WRONG",
        "The code is not correct; 4 tries left",
      ]);
      expect((await call(token, "POST", "/api/widget/steps/otp/verify", { code })).json).toEqual({
        currentStep: 1,
      });
      expect((await result(token)).person.email).toBe("Nino@example.ge");
      // Single use: the same code does not verify anything again.
      const done = await t.services.sessions.find(token);
      if (!done) throw new Error("session gone");
      await expect(t.services.steps.verifyCode(done, code)).rejects.toMatchObject({
        code: "STEP_NOT_IN_SESSION",
      });
    });

    it("expires codes, locks after five wrong tries, and limits sends per session and per address", async () => {
      const token = await begin([{ type: "email" }]);
      await call(token, "POST", "/api/widget/steps/otp/send", { destination: "giorgi@example.ge" });
      const first = codeIn((await smtp.waitFor("giorgi@example.ge")).text);
      t.clock.advance(10 * 60_000 + 1);
      expect((await call(token, "POST", "/api/widget/steps/otp/verify", { code: first })).code).toBe(
        "OTP_CODE_EXPIRED",
      );

      const resend = await call(token, "POST", "/api/widget/steps/otp/send", {
        destination: "giorgi@example.ge",
      });
      expect(resend.status).toBe(200);
      // Asking again at once: the 30 s pause, with Retry-After.
      const again = await call(token, "POST", "/api/widget/steps/otp/send", {
        destination: "giorgi@example.ge",
      });
      expect([again.status, again.code, again.headers["retry-after"]]).toEqual([
        429,
        "OTP_RATE_LIMITED",
        "30",
      ]);
      await smtp.waitFor("giorgi@example.ge", new RegExp(`(?!${first})\\b\\d{6}\\b`));
      const second = codeIn(smtp.mails.filter((m) => m.to.includes("giorgi@example.ge")).at(-1)?.text ?? "");
      const wrong = second === "999999" ? "999998" : "999999";
      const codes: (string | null)[] = [];
      for (let i = 0; i < 5; i++)
        codes.push((await call(token, "POST", "/api/widget/steps/otp/verify", { code: wrong })).code);
      expect(codes).toEqual([
        "OTP_CODE_WRONG",
        "OTP_CODE_WRONG",
        "OTP_CODE_WRONG",
        "OTP_CODE_WRONG",
        "OTP_LOCKED",
      ]);
      // Locked: even the right code no longer works.
      expect((await call(token, "POST", "/api/widget/steps/otp/verify", { code: second })).code).toBe(
        "OTP_LOCKED",
      );

      // Per session: 5 codes an hour (2 sent so far).
      for (let i = 0; i < 3; i++) {
        t.clock.advance(31_000);
        expect(
          (await call(token, "POST", "/api/widget/steps/otp/send", { destination: "giorgi@example.ge" }))
            .status,
        ).toBe(200);
      }
      t.clock.advance(31_000);
      const capped = await call(token, "POST", "/api/widget/steps/otp/send", {
        destination: "giorgi@example.ge",
      });
      expect([capped.code, capped.message]).toEqual([
        "OTP_RATE_LIMITED",
        "Too many codes for this session; try again later",
      ]);

      // Per address: a fresh session cannot send a sixth code to the same address within the hour.
      const other = await begin([{ type: "email" }]);
      const blocked = await call(other, "POST", "/api/widget/steps/otp/send", {
        destination: "giorgi@example.ge",
      });
      expect([blocked.code, blocked.message]).toEqual([
        "OTP_RATE_LIMITED",
        "Too many codes for this destination; try again later",
      ]);
      t.clock.advance(3_600_000);
      const later = await begin([{ type: "email" }]);
      const sentLater = await call(later, "POST", "/api/widget/steps/otp/send", {
        destination: "giorgi@example.ge",
      });
      expect(sentLater.status).toBe(200);
    });
    it("parallel guesses cannot pass the attempt limit, and parallel right codes verify once (compare-and-set)", async () => {
      const token = await begin([{ type: "email" }]);
      await call(token, "POST", "/api/widget/steps/otp/send", { destination: "parallel@example.ge" });
      const code = codeIn((await smtp.waitFor("parallel@example.ge")).text);
      const wrong = code === "123456" ? "654321" : "123456";
      const guesses = await Promise.all(
        Array.from({ length: 12 }, () =>
          call(token, "POST", "/api/widget/steps/otp/verify", { code: wrong }),
        ),
      );
      const counts = (list: { code: string | null }[]) => {
        const m: Record<string, number> = {};
        for (const r of list) m[String(r.code)] = (m[String(r.code)] ?? 0) + 1;
        return m;
      };
      // Five tries counted exactly: four "wrong, n left", the fifth and every later one "locked".
      expect(counts(guesses)).toEqual({ OTP_CODE_WRONG: 4, OTP_LOCKED: 8 });
      const rows = await t.database.db
        .selectFrom("otp_codes")
        .select(["attempts", "consumed_at"])
        .where("session_token", "=", token)
        .execute();
      expect(rows.map((r) => [Number(r.attempts), r.consumed_at])).toEqual([[5, null]]);

      const other = await begin([{ type: "email" }]);
      await call(other, "POST", "/api/widget/steps/otp/send", { destination: "twice@example.ge" });
      const right = codeIn((await smtp.waitFor("twice@example.ge")).text);
      const s = await t.services.sessions.find(other);
      if (!s) throw new Error("session gone");
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, () => t.services.steps.verifyCode(s, right)),
      );
      // One request verifies the address; the others find the code used (or the step done meanwhile).
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      for (const o of outcomes)
        if (o.status === "rejected")
          expect(["OTP_NOT_REQUESTED", "STEP_OUT_OF_ORDER", "STEP_NOT_IN_SESSION"]).toContain(
            (o.reason as { code?: string }).code,
          );
      expect((await result(other)).person.email).toBe("twice@example.ge");
      const used = await t.database.db
        .selectFrom("otp_codes")
        .select(["consumed_at"])
        .where("session_token", "=", other)
        .execute();
      expect(used.map((r) => Number(r.consumed_at) > 0)).toEqual([true]);
    });
  });

  describe("SMS codes through the company's own provider (callback)", () => {
    let receiver: http.Server;
    let received: Record<string, unknown>[];
    let worker: CallbackWorker;

    beforeAll(async () => {
      received = [];
      receiver = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>);
          res.writeHead(200).end("{}");
        });
      });
      await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
      worker = startCallbacks({
        callbacks: t.services.callbacks,
        jobs: t.services.jobs,
        clock: t.clock,
        timeoutMs: 2_000,
        pollMs: 10,
      });
    });
    afterAll(async () => {
      await worker.stop();
      await new Promise<void>((r) => receiver.close(() => r()));
    });

    it("posts one-time-password-request with the text and number; the code from it verifies the phone", async () => {
      const c = await t.company({ name: "Own SMS" });
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/sms`;
      await t.services.companies.update(c.company_id, {
        callbackUrl: url,
        callbackKey: "cb-key",
        settings: { sms_provider: "callback" },
      });
      const token = await begin([{ type: "phone-number" }], NO_KYC, c.company_key);
      const sent = await call(token, "POST", "/api/widget/steps/otp/send", {
        destination: "+995 555 12 34 56",
      });
      expect(sent.status, sent.message).toBe(200);
      const end = Date.now() + 5_000;
      let event: Record<string, unknown> | undefined;
      while (!event && Date.now() < end) {
        event = received.find((e) => e.type === "one-time-password-request" && e.sessionId === token);
        if (!event) await new Promise((r) => setTimeout(r, 20));
      }
      expect(event).toMatchObject({
        callbackApiKey: "cb-key",
        phoneNumber: "+995555123456",
        sessionId: token,
      });
      const code = codeIn(String(event?.text));
      expect((await call(token, "POST", "/api/widget/steps/otp/verify", { code })).json).toEqual({
        currentStep: 1,
      });
      const r = await t.http.inject({
        method: "POST",
        url: "/external-api/result/",
        payload: { company_key: c.company_key, session_token: token },
      });
      expect((JSON.parse(r.body) as { person: Record<string, unknown> }).person.phone).toBe("+995555123456");
    });

    it("answers OTP_CHANNEL_UNAVAILABLE when there is no SMS provider and no callback", async () => {
      const token = await begin([{ type: "phone-number" }]);
      expect(
        (await call(token, "POST", "/api/widget/steps/otp/send", { destination: "+995555123457" })).code,
      ).toBe("OTP_CHANNEL_UNAVAILABLE");
    });
  });

  describe("geolocation", () => {
    it("records position and accuracy with consent, the position's country, and the IP country (unknown for loopback)", async () => {
      const token = await begin([{ type: "geolocation" }]);
      const bad = await call(token, "POST", "/api/widget/steps/geolocation", {
        consent: true,
        latitude: 100,
        longitude: 0,
      });
      expect(bad.code).toBe("GEOLOCATION_INVALID");
      const ok = await call(token, "POST", "/api/widget/steps/geolocation", {
        consent: true,
        latitude: 41.7151,
        longitude: 44.8271,
        accuracy: 35,
      });
      expect(ok.json).toEqual({ currentStep: 1 });
      const r = (await result(token)) as unknown as { geolocation: Record<string, unknown> };
      expect(r.geolocation).toMatchObject({
        consent: true,
        latitude: 41.7151,
        accuracy: 35,
        positionCountry: "GE",
        ipCountry: "",
        countryMismatch: null,
      });
    });

    it("takes the IP country of IPv6 and IPv4-mapped clients; a position elsewhere is a mismatch signal", async () => {
      const at = async (remoteAddress: string, latitude: number, longitude: number) => {
        const token = await begin([{ type: "geolocation" }]);
        const res = await t.http.inject({
          method: "POST",
          url: "/api/widget/steps/geolocation",
          remoteAddress,
          headers: { "x-session-token": token },
          payload: { consent: true, latitude, longitude, accuracy: 20 },
        });
        expect(res.statusCode, res.body).toBe(200);
        const r = (await result(token)) as unknown as {
          geolocation: Record<string, unknown>;
          signals?: Record<string, unknown>;
        };
        return r.geolocation;
      };
      // www.ripe.net's IPv6 address, a position in Amsterdam: both NL.
      expect(await at("2001:67c:2e8:22::c100:68b", 52.3676, 4.9041)).toMatchObject({
        positionCountry: "NL",
        ipCountry: "NL",
        countryMismatch: false,
      });
      // An IPv4 client as a dual-stack socket reports it (Google DNS, US), a position in Tbilisi.
      expect(await at("::ffff:8.8.8.8", 41.7151, 44.8271)).toMatchObject({
        positionCountry: "GE",
        ipCountry: "US",
        countryMismatch: true,
      });
    });

    it("a required position cannot be refused", async () => {
      const token = await begin([{ type: "geolocation", flags: { required: true } }]);
      const r = await call(token, "POST", "/api/widget/steps/geolocation", {
        consent: false,
        error: "denied",
      });
      expect([r.code, r.message]).toEqual(["GEOLOCATION_INVALID", "this step needs the position"]);
    });
  });

  describe("KYB", () => {
    it("company data and two beneficiaries: child sessions with links by e-mail; the parent waits for both and reflects one approved and one rejected", async () => {
      const parent = await begin([
        {
          type: "company-data",
          flags: {
            fields: ["company_name", "registration_number", "country", "legal_form"],
            min_documents: 1,
          },
        },
        { type: "beneficiaries", flags: { child_flags: { skip_agreement: true } } },
      ]);
      const noDoc = await call(parent, "POST", "/api/widget/steps/company-data", {
        fields: {
          company_name: "Acme LLC",
          registration_number: "404123456",
          country: "GE",
          legal_form: "LLC",
        },
      });
      expect([noDoc.code, noDoc.message]).toEqual(["COMPANY_DATA_INVALID", "documents: at least 1 required"]);
      const pdf = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n");
      const doc = await upload(parent, "company-document", pdf, "application/pdf");
      expect(doc.status).toBe(201);
      const company = await call(parent, "POST", "/api/widget/steps/company-data", {
        fields: {
          company_name: "Acme LLC",
          registration_number: "404123456",
          country: "GE",
          legal_form: "LLC",
        },
        documents: [doc.json.id],
      });
      expect(company.json).toEqual({ currentStep: 1 });

      const invalid = await call(parent, "POST", "/api/widget/steps/beneficiaries", {
        beneficiaries: [{ first_name: "Nino", last_name: "B", roles: ["owner"], email: "nino@acme.ge" }],
      });
      expect(invalid.code).toBe("BENEFICIARIES_INVALID");
      const listed = await call(parent, "POST", "/api/widget/steps/beneficiaries", {
        beneficiaries: [
          {
            first_name: "Nino",
            last_name: "Beridze",
            roles: ["owner", "director"],
            share: 60,
            email: "nino@acme.ge",
          },
          {
            first_name: "Giorgi",
            last_name: "Kapanadze",
            roles: ["owner"],
            share: 40,
            email: "giorgi@acme.ge",
          },
        ],
      });
      expect(listed.json).toEqual({ currentStep: 2 });

      const progress = await call(parent, "GET", "/api/widget/steps/beneficiaries");
      const people = progress.json.beneficiaries as {
        first_name: string;
        status: string;
        link_sent_via: string;
      }[];
      expect(people.map((p) => [p.first_name, p.status, p.link_sent_via])).toEqual([
        ["Nino", "in_progress", "email"],
        ["Giorgi", "in_progress", "email"],
      ]);
      const r0 = (await result(parent)) as unknown as {
        company_data: { fields: Record<string, string>; documents: string[] };
        beneficiaries: { id: string; session_token: string; first_name: string }[];
      };
      expect(r0.company_data).toEqual({
        fields: {
          company_name: "Acme LLC",
          registration_number: "404123456",
          country: "GE",
          legal_form: "LLC",
        },
        documents: [doc.json.id],
      });
      const [nino, giorgi] = r0.beneficiaries;
      if (!nino || !giorgi) throw new Error("two beneficiaries expected");
      // Each child is a KYC session of the same company, linked to the parent, with its link sent by e-mail.
      const child = await t.services.sessions.find(nino.session_token);
      expect(child?.parentSessionId).toBe(parent);
      expect(child?.effectiveSteps.map((s) => s.type)).toEqual(["identity-document", "liveness"]);
      const mail = await smtp.waitFor("nino@acme.ge");
      const resend = await call(parent, "POST", `/api/widget/steps/beneficiaries/${nino.id}/resend`, {});
      expect([resend.code, resend.message]).toEqual(["BENEFICIARIES_INVALID", "the link was already sent"]);
      expect(mail.text).toContain(`https://verify.example.test/?session_token=${nino.session_token}`);

      // The representative is done; the parent waits for its beneficiaries (no engine decision).
      const jobsBefore = await t.services.jobs.counts("verify");
      expect((await call(parent, "POST", "/api/widget/submit")).status).toBe(200);
      expect(await t.services.jobs.counts("verify")).toEqual(jobsBefore);
      await t.services.kyb.settle(parent);
      expect((await result(parent)).result).toBe("in_progress");

      await t.services.sessions.transition(nino.session_token, "approved", "operator");
      await t.services.kyb.settle(parent);
      expect((await result(parent)).result).toBe("in_progress");
      await t.services.sessions.transition(giorgi.session_token, "rejected", "operator", {
        verification: { rejectReason: { value: "face_mismatch", description: "The faces differ" } },
      });
      await t.services.kyb.settle(parent);

      const final = (await result(parent)) as unknown as {
        result: string;
        reject_reason: { value: string; description: string };
        beneficiaries: {
          first_name: string;
          status: string;
          result: { result: string; reject_reason: { value: string } };
        }[];
      };
      expect(final.result).toBe("rejected");
      expect(final.reject_reason).toEqual({
        value: "beneficiary_not_verified",
        description: "Not verified: Giorgi Kapanadze",
      });
      expect(
        final.beneficiaries.map((b) => [
          b.first_name,
          b.status,
          b.result.result,
          b.result.reject_reason.value,
        ]),
      ).toEqual([
        ["Nino", "approved", "approved", ""],
        ["Giorgi", "rejected", "rejected", "face_mismatch"],
      ]);
    });

    it("parallel settles decide the parent exactly once", async () => {
      const parent = await begin([{ type: "beneficiaries", flags: { min: 1 } }]);
      await call(parent, "POST", "/api/widget/steps/beneficiaries", {
        beneficiaries: [{ first_name: "Lela", last_name: "K", roles: ["director"], email: "lela@acme.ge" }],
      });
      await call(parent, "POST", "/api/widget/submit");
      const child = ((await result(parent)) as unknown as { beneficiaries: { session_token: string }[] })
        .beneficiaries[0]?.session_token;
      await t.services.sessions.transition(String(child), "approved", "operator");
      await Promise.all(Array.from({ length: 6 }, () => t.services.kyb.settle(parent)));
      expect((await result(parent)).result).toBe("approved");
      const decided = (await t.services.sessions.events(parent)).filter((e) => e.data.to === "approved");
      expect(decided).toHaveLength(1);
    });

    it("the parent is decided by the children's transitions alone (listener), approved when all are approved", async () => {
      const parent = await begin([{ type: "beneficiaries", flags: { min: 1 } }]);
      await call(parent, "POST", "/api/widget/steps/beneficiaries", {
        beneficiaries: [{ first_name: "Ana", last_name: "M", roles: ["director"], email: "ana@acme.ge" }],
      });
      await call(parent, "POST", "/api/widget/submit");
      const token = ((await result(parent)) as unknown as { beneficiaries: { session_token: string }[] })
        .beneficiaries[0]?.session_token;
      await t.services.sessions.transition(String(token), "approved", "operator");
      const end = Date.now() + 3_000;
      let status = "in_progress";
      while (status === "in_progress" && Date.now() < end) {
        status = String((await result(parent)).result);
        if (status === "in_progress") await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe("approved");
      expect(await t.services.kyb.settleDue()).toBe(0);
    });
  });

  describe("dashboard: operator questionnaire and KYB tree", () => {
    it("an operator of the company fills the operator questionnaire (checked like answers) and sees the tree; others cannot", async () => {
      const c = await t.company({ name: "Dash" });
      const other = await t.company({ name: "Other" });
      await t.services.dashboardUsers.create({
        companyId: c.company_id,
        email: "op@dash.test",
        role: "operator",
        password: "correct horse battery",
      });
      await t.services.dashboardUsers.create({
        companyId: other.company_id,
        email: "op@other.test",
        role: "operator",
        password: "correct horse battery",
      });
      const login = (email: string) => dashboardLogin(t.http, email, "correct horse battery");
      const token = await begin(
        [
          {
            type: "operator-questionnaire",
            key: "call-notes",
            questions: [
              { key: "video_ok", type: "yes-no", required: true },
              { key: "notes", type: "text", when: { question: "video_ok", equals: false }, required: true },
            ],
          },
          { type: "beneficiaries", flags: { min: 1 } },
        ],
        NO_KYC,
        c.company_key,
      );
      // The person's widget passes over the operator questionnaire (it is not theirs to fill).
      expect((await call(token, "POST", "/api/widget/steps/0/complete")).json).toEqual({ currentStep: 1 });
      await call(token, "POST", "/api/widget/steps/beneficiaries", {
        beneficiaries: [{ first_name: "Ana", last_name: "M", roles: ["director"], email: "ana@dash.ge" }],
      });

      const op = await login("op@dash.test");
      const url = `/dashboard/api/sessions/${token}/operator-questionnaires/0`;
      const noCsrf = await t.http.inject({
        method: "POST",
        url,
        headers: { cookie: op.cookie },
        payload: { answers: {} },
      });
      expect(noCsrf.statusCode).toBe(403);
      const post = (answers: unknown) =>
        t.http.inject({
          method: "POST",
          url,
          headers: { cookie: op.cookie, "x-csrf-token": op.csrf },
          payload: { answers },
        });
      const missing = await post({ video_ok: false });
      expect([missing.statusCode, (missing.json() as { error: { code: string } }).error.code]).toEqual([
        400,
        "QUESTIONNAIRE_ANSWER_MISSING",
      ]);
      expect((await post({ video_ok: false, notes: "Poor light, second call booked" })).statusCode).toBe(200);
      expect((await result(token, c.company_key)).questionnaires).toEqual([
        {
          key: "call-notes",
          questions: [
            { key: "video_ok", answer: false },
            { key: "notes", answer: "Poor light, second call booked" },
          ],
        },
      ]);

      const tree = await t.http.inject({
        method: "GET",
        url: `/dashboard/api/sessions/${token}/steps`,
        headers: { cookie: op.cookie },
      });
      const body = tree.json() as {
        operator_questionnaires: { index: number; answers: unknown[] }[];
        beneficiaries: { first_name: string; status: string; session_token: string }[];
      };
      expect(body.operator_questionnaires.map((q) => [q.index, q.answers.length])).toEqual([[0, 2]]);
      expect(body.beneficiaries.map((b) => [b.first_name, b.status])).toEqual([["Ana", "in_progress"]]);
      const child = await t.http.inject({
        method: "GET",
        url: `/dashboard/api/sessions/${body.beneficiaries[0]?.session_token}/steps`,
        headers: { cookie: op.cookie },
      });
      expect((child.json() as { parent_session_id: string }).parent_session_id).toBe(token);

      const stranger = await login("op@other.test");
      const hidden = await t.http.inject({
        method: "GET",
        url: `/dashboard/api/sessions/${token}/steps`,
        headers: { cookie: stranger.cookie },
      });
      expect(hidden.statusCode).toBe(404);
      const anonymous = await t.http.inject({ method: "GET", url: `/dashboard/api/sessions/${token}/steps` });
      expect(anonymous.statusCode).toBe(401);
    });

    it("writes the operator's answers and their audit entry in one transaction: no entry, no answers", async () => {
      const c = await t.company({ name: "Audited" });
      await t.services.dashboardUsers.create({
        companyId: c.company_id,
        email: "op@audited.test",
        role: "operator",
        password: "correct horse battery",
      });
      const signedIn = await dashboardLogin(t.http, "op@audited.test", "correct horse battery");
      const headers = { cookie: signedIn.cookie, "x-csrf-token": signedIn.csrf };
      const token = await begin(
        [
          {
            type: "operator-questionnaire",
            key: "review-notes",
            questions: [
              { key: "address_ok", type: "yes-no", required: true },
              { key: "notes", type: "text" },
            ],
          },
        ],
        NO_KYC,
        c.company_key,
      );
      const post = (answers: unknown) =>
        t.http.inject({
          method: "POST",
          url: `/dashboard/api/sessions/${token}/operator-questionnaires/0`,
          headers,
          payload: { answers },
        });
      const detail = async () =>
        (await t.http.inject({ method: "GET", url: `/dashboard/api/sessions/${token}`, headers })).json() as {
          audit: { action: string; by: string; data: Record<string, unknown> }[];
          timeline: { type: string }[];
        };

      expect((await post({ address_ok: true, notes: "Utility bill matches" })).statusCode).toBe(200);
      const first = await detail();
      expect(first.audit).toEqual([
        {
          action: "session.questionnaire",
          by: "op@audited.test",
          at: expect.any(String),
          // Which questions were answered, not the answers (free text stays in the sealed session).
          data: { index: 0, key: "review-notes", answered: ["address_ok", "notes"] },
        },
      ]);
      expect(first.timeline.filter((e) => e.type === "operator.questionnaire")).toHaveLength(1);

      // The audit table refuses writes: the new answers are not kept either.
      const fail =
        database.name === "sqlite"
          ? [
              sql`create trigger audit_fails before insert on audit_log begin select raise(abort, 'audit down'); end`,
            ]
          : [
              sql`create function audit_fails() returns trigger language plpgsql as $$ begin raise exception 'audit down'; end $$`,
              sql`create trigger audit_fails before insert on audit_log for each row execute function audit_fails()`,
            ];
      for (const q of fail) await q.execute(t.database.db);
      try {
        expect((await post({ address_ok: false })).statusCode).toBe(500);
      } finally {
        if (database.name === "sqlite") await sql`drop trigger audit_fails`.execute(t.database.db);
        else {
          await sql`drop trigger audit_fails on audit_log`.execute(t.database.db);
          await sql`drop function audit_fails()`.execute(t.database.db);
        }
      }
      expect((await result(token, c.company_key)).questionnaires).toEqual([
        {
          key: "review-notes",
          questions: [
            { key: "address_ok", answer: true },
            { key: "notes", answer: "Utility bill matches" },
          ],
        },
      ]);
      const after = await detail();
      expect(after.audit).toHaveLength(1);
      expect(after.timeline.filter((e) => e.type === "operator.questionnaire")).toHaveLength(1);
    });
  });
});
