/**
 * The video call's recording against the in-memory app: the accepting operator's dashboard sends the
 * recorder's chunks in order and they are appended to the session's `video-call-recording` (one
 * encrypted object each: no WebM header in the stored bytes), served whole by the external API's media
 * endpoint and the dashboard; out-of-order chunks, a first chunk that is not WebM, the session's media
 * limit and other operators are refused with stable codes and leave nothing stored; `record: false`
 * refuses recording; deleting the session or the retention sweep removes it. Also: a reloaded widget page rejoins its live call.
 */

import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardLogin, type DashboardLogin as Login } from "../testing/dashboard-login.ts";
import { multipartBody } from "../testing/multipart.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";
import { appTestDatabases } from "../testing/test-databases.ts";

const PASSWORD = "correct horse battery";
const NO_KYC = { skip_document: true, skip_face: true, skip_agreement: true, language: "en" };
const WEBM = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
const OFFER = { kind: "offer", data: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" } };

let t: TestApp;
let company: { company_id: string; company_key: string };
let op: Login;
let op2: Login;

/** Every stored object's bytes under the test's media folder. */
function storedObjects(): Buffer[] {
  const root = path.join(t.dataDir, "media");
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .map((f) => path.join(root, f))
    .filter((f) => fs.statSync(f).isFile())
    .map((f) => fs.readFileSync(f));
}

const login = (email: string): Promise<Login> => dashboardLogin(t.http, email, PASSWORD);

async function widget(token: string, url: string, payload: unknown = {}) {
  const res = await t.http.inject({
    method: "POST",
    url,
    headers: { "x-session-token": token },
    payload: payload as Record<string, unknown>,
  });
  return res.json() as Record<string, unknown> & { error?: { code: string } };
}

async function dash(who: Login, method: "GET" | "POST", url: string, payload?: unknown) {
  const res = await t.http.inject({
    method,
    url,
    headers: { cookie: who.cookie, "x-csrf-token": who.csrf },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return res.json() as Record<string, unknown> & { error?: { code: string } };
}

async function chunk(who: Login, callId: string, seq: number, bytes: Buffer) {
  const form = multipartBody([], [["file", "chunk.webm", bytes]]);
  const res = await t.http.inject({
    method: "POST",
    url: `/dashboard/api/video-calls/${callId}/recording?seq=${seq}`,
    headers: { cookie: who.cookie, "x-csrf-token": who.csrf, "content-type": form.contentType },
    payload: form.body,
  });
  const json = res.json() as { media_id?: string; size?: number; error?: { code: string } };
  return { status: res.statusCode, code: json.error?.code ?? null, json };
}

/** A session at its video-call step with a call accepted by `op`. */
async function liveCall(step: Record<string, unknown> = {}): Promise<{ token: string; callId: string }> {
  const begin = await t.http.inject({
    method: "POST",
    url: "/external-api/begin/",
    payload: { company_key: company.company_key, flags: NO_KYC, steps: [{ type: "video-call", ...step }] },
  });
  const token = begin.json() as string;
  const joined = (await widget(token, "/api/widget/video-call/join")).call as { call_id: string };
  await dash(op, "POST", `/dashboard/api/video-calls/${joined.call_id}/accept`, {});
  return { token, callId: joined.call_id };
}

async function mediaOf(token: string, kind: string) {
  const res = await t.http.inject({
    method: "POST",
    url: `/external-api/result/${kind}/`,
    payload: { company_key: company.company_key, session_token: token },
  });
  return res;
}

const databases = await appTestDatabases({
  required: process.env.CI === "true" || process.env.REQUIRE_POSTGRES === "1",
});

describe.each(databases)("video-call recording on $name", (database) => {
  let env: Record<string, string> = {};
  beforeAll(async () => {
    env = database.env();
    t = await createTestApp({ ...env, SESSION_MEDIA_LIMIT_BYTES: "150000" });
    company = await t.company({ name: "Recorded" });
    for (const email of ["op@rec.test", "op2@rec.test"])
      await t.services.dashboardUsers.create({
        companyId: company.company_id,
        email,
        role: "operator",
        password: PASSWORD,
      });
    op = await login("op@rec.test");
    op2 = await login("op2@rec.test");
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await database.drop(env);
  });

  it("appends chunks in order, encrypted at rest; limits and strangers are refused with nothing half-stored", async () => {
    const { token, callId } = await liveCall();
    const view = (await dash(op, "GET", `/dashboard/api/video-calls/${callId}/poll?wait=0`)).call;
    expect(view).toMatchObject({ status: "active", record: true });
    const one = Buffer.concat([WEBM, randomBytes(40_000)]);
    const two = randomBytes(50_000);
    const three = randomBytes(20_000);

    // Order: the first chunk must come first and be WebM.
    expect((await chunk(op, callId, 2, two)).code).toBe("MEDIA_CHUNK_OUT_OF_ORDER");
    expect((await chunk(op, callId, 1, randomBytes(30_000))).code).toBe("MEDIA_TYPE_INVALID");
    // Only the operator who accepted the call.
    expect((await chunk(op2, callId, 1, one)).code).toBe("VIDEO_CALL_NOT_ACTIVE");
    expect(storedObjects()).toHaveLength(0);

    const first = await chunk(op, callId, 1, one);
    expect(first.status).toBe(201);
    expect((await chunk(op, callId, 0, one)).code).toBe("PARAM_INVALID");
    expect((await chunk(op, callId, 3, three)).code).toBe("MEDIA_CHUNK_OUT_OF_ORDER");
    expect((await chunk(op, callId, 2, two)).json).toMatchObject({
      media_id: first.json.media_id,
      size: 90_004,
    });

    // Over the session's media limit (150 000 bytes): a stable code, and the chunk is not kept.
    const before = storedObjects().length;
    const big = await chunk(op, callId, 3, randomBytes(70_000));
    expect([big.status, big.code]).toEqual([413, "SESSION_MEDIA_LIMIT"]);
    expect(storedObjects()).toHaveLength(before);
    expect((await chunk(op, callId, 3, three)).json.size).toBe(110_004);

    // The call ends; its last chunk may still follow for a minute, then nothing more.
    const ended = await dash(op, "POST", `/dashboard/api/video-calls/${callId}/end`, { outcome: "passed" });
    // The verdict names the recording.
    expect(ended.video_call).toMatchObject({ recording: first.json.media_id });
    expect((await chunk(op, callId, 4, Buffer.from("tail"))).status).toBe(201);
    t.clock.advance(61_000);
    expect((await chunk(op, callId, 5, Buffer.from("late"))).code).toBe("VIDEO_CALL_NOT_ACTIVE");

    // At rest: one object per chunk, none holding the WebM header (or any chunk's plaintext).
    const objects = storedObjects();
    expect(objects).toHaveLength(4);
    for (const o of objects) {
      expect(o.subarray(0, 4).equals(WEBM)).toBe(false);
      expect(o.includes(one.subarray(4, 64))).toBe(false);
    }
    // Served whole and in order by the external API.
    const res = await mediaOf(token, "video-call-recording");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("video/webm");
    expect(res.rawPayload.equals(Buffer.concat([one, two, three, Buffer.from("tail")]))).toBe(true);

    // Deleting the session removes it.
    const del = await t.http.inject({
      method: "POST",
      url: "/external-api/delete/",
      payload: { company_key: company.company_key, session_token: token },
    });
    expect(del.statusCode).toBe(200);
    expect(storedObjects()).toHaveLength(0);
  });

  it("a chunk whose form is cut short is refused with BODY_MALFORMED and nothing is kept", async () => {
    const { callId } = await liveCall();
    const before = storedObjects().length;
    const part = '--b\r\nContent-Disposition: form-data; name="file"; filename="chunk.webm"\r\n\r\n';
    const res = await t.http.inject({
      method: "POST",
      url: `/dashboard/api/video-calls/${callId}/recording?seq=1`,
      headers: {
        cookie: op.cookie,
        "x-csrf-token": op.csrf,
        "content-type": "multipart/form-data; boundary=b",
      },
      payload: Buffer.concat([Buffer.from(part), WEBM, randomBytes(20_000)]),
    });
    expect([res.statusCode, res.json().error.code]).toEqual([400, "BODY_MALFORMED"]);
    expect(storedObjects()).toHaveLength(before);
    expect((await chunk(op, callId, 1, Buffer.concat([WEBM, randomBytes(1000)]))).status).toBe(201);
  });

  it("an operator whose page was reloaded starts the call's next recording; the latest is served", async () => {
    const { token, callId } = await liveCall();
    const a = Buffer.concat([WEBM, randomBytes(2_000)]);
    const b = Buffer.concat([WEBM, randomBytes(3_000)]);
    const first = await chunk(op, callId, 1, a);
    expect((await chunk(op, callId, 2, Buffer.from("more"))).status).toBe(201);
    t.clock.advance(1_000);
    const second = await chunk(op, callId, 1, b);
    expect(second.json.media_id).not.toBe(first.json.media_id);
    expect((await chunk(op, callId, 3, Buffer.from("x"))).code).toBe("MEDIA_CHUNK_OUT_OF_ORDER");
    expect((await chunk(op, callId, 2, Buffer.from("tail"))).json.size).toBe(3_008);
    const res = await mediaOf(token, "video-call-recording");
    expect(res.rawPayload.equals(Buffer.concat([b, Buffer.from("tail")]))).toBe(true);
    const ended = await dash(op, "POST", `/dashboard/api/video-calls/${callId}/end`, { outcome: "failed" });
    expect(ended.video_call).toMatchObject({ recording: second.json.media_id });
  });

  it("record: false refuses recording; the person's view says whether the call is recorded", async () => {
    const { token, callId } = await liveCall({ record: false });
    const state = await t.http.inject({
      method: "GET",
      url: "/api/widget/video-call",
      headers: { "x-session-token": token },
    });
    expect((state.json() as { call: { record: boolean } }).call.record).toBe(false);
    const r = await chunk(op, callId, 1, Buffer.concat([WEBM, randomBytes(100)]));
    expect([r.status, r.code]).toEqual([409, "VIDEO_CALL_RECORDING_OFF"]);
  });

  it("a reload mid-call: the page leaving keeps the call for a grace period; the page back rejoins it", async () => {
    const { token, callId } = await liveCall();
    await dash(op, "POST", `/dashboard/api/video-calls/${callId}/signals`, OFFER);
    await widget(token, `/api/widget/video-call/${callId}/leave`, { maybe_reload: true });
    t.clock.advance(5_000);
    const back = await widget(token, `/api/widget/video-call/${callId}/rejoin`);
    // The operator's earlier offer is skipped; the operator is asked for a new one.
    expect(back).toMatchObject({ call: { status: "active" }, after: 1 });
    const seen = await dash(op, "GET", `/dashboard/api/video-calls/${callId}/poll?after=0&wait=0`);
    expect((seen.signals as { kind: string }[]).map((s) => s.kind)).toEqual(["rejoin"]);
    // A page that never comes back: the call ends as person_left after the grace.
    await widget(token, `/api/widget/video-call/${callId}/leave`, { maybe_reload: true });
    t.clock.advance(11_000);
    const gone = await dash(op, "GET", `/dashboard/api/video-calls/${callId}/poll?after=1&wait=0`);
    expect(gone.call).toMatchObject({ status: "ended", end_reason: "person_left" });
    expect((await widget(token, `/api/widget/video-call/${callId}/rejoin`)).error?.code).toBe(
      "VIDEO_CALL_NOT_ACTIVE",
    );
  });

  // Last: it moves the clock on by days (the logins expire).
  it("the retention sweep removes a recording with its session", async () => {
    const { callId } = await liveCall();
    expect((await chunk(op, callId, 1, Buffer.concat([WEBM, randomBytes(1_000)]))).status).toBe(201);
    expect(storedObjects().length).toBeGreaterThan(0);
    await t.services.companies.update(company.company_id, { retentionDays: 1 });
    t.clock.advance(2 * 86_400_000);
    await t.services.sessions.purgeExpiredRetention();
    expect(storedObjects()).toHaveLength(0);
    await t.services.companies.update(company.company_id, { retentionDays: null });
  });
});
