/**
 * A session end to end through the widget API and the verification worker (a real engine thread):
 * begin → consent → passport photo page + selfie → submit → decision in the result API.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { renderTd3DataPage, SAMPLE_TD3_FIELDS } from "@verimat/engine/fixtures";
import { afterAll, beforeAll, expect, it } from "vitest";
import { multipartBody } from "../testing/multipart.ts";
import { createTestApp, startTestVerification, type TestApp } from "../testing/test-app.ts";
import type { VerificationWorker } from "./start-verification.ts";

const faces = path.resolve(import.meta.dirname, "../../../../../shared/eval/faces");
if (!existsSync(faces)) throw new Error(`test data missing: ${faces}`);

let t: TestApp;
let worker: VerificationWorker;
let key: string;

beforeAll(async () => {
  t = await createTestApp();
  key = (await t.company()).company_key;
  worker = startTestVerification(t);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await t?.close();
});

async function upload(
  h: Record<string, string>,
  kind: string,
  data: Buffer,
  fields: Array<[string, string]> = [],
) {
  const mp = multipartBody(fields, [["image", "x", data]]);
  const up = await t.http.inject({
    method: "POST",
    url: `/api/widget/captures/${kind}`,
    body: mp.body,
    headers: { ...h, "content-type": mp.contentType },
  });
  expect(up.statusCode, up.body).toBe(201);
}

async function session(
  selfie: string,
  options: { liveness?: boolean; beforeSubmit?: (h: Record<string, string>) => Promise<void> } = {},
) {
  const begin = await t.http.inject({
    method: "POST",
    url: "/begin/",
    payload: {
      company_key: key,
      flags: { liveness: options.liveness === true, document_types: ["passport"] },
    },
  });
  const token = JSON.parse(begin.body) as string;
  const h = { "x-session-token": token };
  await t.http.inject({ method: "GET", url: "/api/widget/session", headers: h });
  await t.http.inject({ method: "POST", url: "/api/widget/consent", headers: h, payload: { agree: true } });
  const page = await renderTd3DataPage(SAMPLE_TD3_FIELDS, {
    portrait: readFileSync(path.join(faces, "deepface/img1.jpg")),
  });
  await upload(h, "passport", page.png);
  await upload(h, "face", readFileSync(path.join(faces, selfie)));
  await options.beforeSubmit?.(h);
  for (const i of [1, 2])
    await t.http.inject({ method: "POST", url: `/api/widget/steps/${i}/complete`, headers: h });
  expect((await t.http.inject({ method: "POST", url: "/api/widget/submit", headers: h })).json().phase).toBe(
    "processing",
  );
  return token;
}

async function decided(token: string) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const r = (
      await t.http.inject({
        method: "POST",
        url: "/external-api/result/",
        payload: { company_key: key, session_token: token },
      })
    ).json();
    if (r.result !== "in_progress") return r;
    if (Date.now() > deadline) throw new Error("no decision in time");
    await new Promise((res) => setTimeout(res, 100));
  }
}

it("approves the passport holder and reports what it read", async () => {
  const token = await session("deepface/img2.jpg");
  const r = await decided(token);
  // Each capture was analysed once (on arrival or at the decision), and the analyses are kept.
  const rows = await t.database.db
    .selectFrom("capture_analyses")
    .select("media_id")
    .where("session_token", "=", token)
    .execute();
  expect(rows).toHaveLength(2);
  expect(r).toMatchObject({
    result: "approved",
    document_type: "passport",
    name: "ERIKA MUSTERMANN",
    face_images: 1,
    reject_reason: { value: "", description: "" },
    person: { last_name: "MUSTERMANN", document_number: "C01X00T47", age: 43 },
    id_card_front: { Surname_en_US: "MUSTERMANN" },
  });
  expect(r.similarity).toBeGreaterThan(0.85);
}, 120_000);

it("rejects someone else with face_mismatch", async () => {
  const token = await session("deepface/img3.jpg");
  const r = await decided(token);
  expect(r.result).toBe("rejected");
  expect(r.reject_reason.value).toBe("face_mismatch");
  expect(r.reason_codes).toContain("face_mismatch");
  const events = (await t.services.sessions.events(token)).map((e) => e.type);
  expect(events).toContain("session.completed");
}, 120_000);

it("rejects a replayed still photo as failing the liveness challenge", async () => {
  const still = readFileSync(path.join(faces, "deepface/img2.jpg"));
  const token = await session("deepface/img2.jpg", {
    liveness: true,
    beforeSubmit: async (h) => {
      const c = (
        await t.http.inject({ method: "POST", url: "/api/widget/liveness/challenge", headers: h })
      ).json();
      expect(c.prompts).toHaveLength(3);
      expect(c.nonce).toMatch(/^[0-9a-f]{32}$/);
      // A frozen photo held up to the camera: the same frame for the whole flash and prompt sequence.
      for (let i = 0; i < 8; i++) {
        await upload(h, "liveness-frame", still, [
          ["nonce", c.nonce],
          ["phase", "flash"],
          ["t", String(i * 150)],
        ]);
      }
      for (let i = 0; i < 8; i++) {
        await upload(h, "liveness-frame", still, [
          ["nonce", c.nonce],
          ["phase", "active"],
          ["t", String(i * 200)],
        ]);
      }
    },
  });
  const r = await decided(token);
  expect(r.result).toBe("rejected");
  expect(r.live).toBe(false);
  expect(r.reason_codes).toContain("liveness_failed");
}, 180_000);
