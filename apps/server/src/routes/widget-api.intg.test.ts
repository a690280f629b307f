/** The widget's session-scoped API: opening, consent, step order, streamed captures, submission. */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { multipartBody } from "../testing/multipart.ts";
import { createTestApp, type TestApp } from "../testing/test-app.ts";

let t: TestApp;
let key: string;
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]),
  Buffer.alloc(2000, 7),
  Buffer.from([0xff, 0xd9]),
]);

beforeEach(async () => {
  t = await createTestApp({ UPLOAD_LIMIT_BYTES: "50000" });
  key = (await t.company()).company_key;
});
afterEach(async () => {
  await t.close();
});

async function begin(flags: Record<string, unknown> = {}): Promise<string> {
  const res = await t.http.inject({ method: "POST", url: "/begin/", payload: { company_key: key, flags } });
  return JSON.parse(res.body) as string;
}
const h = (token: string) => ({ "x-session-token": token });

async function upload(token: string, kind: string, data: Buffer) {
  const mp = multipartBody([], [["image", "capture.bin", data]]);
  return t.http.inject({
    method: "POST",
    url: `/api/widget/captures/${kind}`,
    body: mp.body,
    headers: { ...h(token), "content-type": mp.contentType },
  });
}

function mediaFiles(): string[] {
  const root = path.join(t.dataDir, "media");
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true })
    .map(String)
    .filter((f) => fs.statSync(path.join(root, f)).isFile());
}

describe("widget API", () => {
  it("describes the session and opens it; unknown and expired tokens get their own codes", async () => {
    const token = await begin({
      language: "ka",
      document_types: ["passport"],
      return_url: "https://shop.example/back",
    });
    const res = await t.http.inject({
      method: "GET",
      url: "/api/widget/session",
      headers: { ...h(token), "user-agent": "Phone/1" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: "in_progress",
      phase: "capturing",
      language: "ka",
      currentStep: 0,
      documentTypes: ["passport"],
      returnUrl: "https://shop.example/back",
      steps: [
        { index: 0, type: "agreement", done: false },
        { type: "identity-document" },
        { type: "liveness" },
      ],
    });
    expect(res.headers["cache-control"]).toBe("no-store");
    expect((await t.services.sessions.find(token))?.technical.userAgent).toBe("Phone/1");
    // the query form works too
    expect(
      (await t.http.inject({ method: "GET", url: `/api/widget/session?session_token=${token}` })).statusCode,
    ).toBe(200);

    const unknown = await t.http.inject({
      method: "GET",
      url: "/api/widget/session",
      headers: h("0".repeat(40)),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("SESSION_UNKNOWN");
    const stale = await begin();
    t.clock.advance(16 * 60_000);
    const expired = await t.http.inject({ method: "GET", url: "/api/widget/session", headers: h(stale) });
    expect(expired.statusCode).toBe(410);
    expect(expired.json().error.code).toBe("SESSION_EXPIRED");
  });

  it("ends the session as disagreed when consent is refused", async () => {
    const token = await begin();
    const res = await t.http.inject({
      method: "POST",
      url: "/api/widget/consent",
      headers: h(token),
      payload: { agree: false },
    });
    expect(res.json()).toEqual({ status: "disagreed" });
    const r = await t.http.inject({
      method: "POST",
      url: "/external-api/result/",
      payload: { company_key: key, session_token: token },
    });
    expect(r.json().result).toBe("disagreed");
    expect((await upload(token, "card-front", JPEG)).json().error.code).toBe("SESSION_CLOSED");
  });

  it("moves through the steps in order only", async () => {
    const token = await begin();
    expect(
      (
        await t.http.inject({
          method: "POST",
          url: "/api/widget/consent",
          headers: h(token),
          payload: { agree: true },
        })
      ).json(),
    ).toMatchObject({ currentStep: 1 });
    const wrong = await t.http.inject({
      method: "POST",
      url: "/api/widget/steps/2/complete",
      headers: h(token),
    });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json().error.code).toBe("STEP_OUT_OF_ORDER");
    const ok = await t.http.inject({
      method: "POST",
      url: "/api/widget/steps/1/complete",
      headers: h(token),
    });
    expect(ok.json()).toEqual({ currentStep: 2 });
    const events = (await t.services.sessions.events(token)).map((e) => e.type);
    expect(events).toEqual(
      ["session.created", "session.opened", "step.completed", "step.completed"].filter(
        (e) => e !== "session.opened",
      ),
    );
  });

  it("streams a capture to storage and serves it through the result API", async () => {
    const token = await begin();
    const res = await upload(token, "card-front", JPEG);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ kind: "card-front", size: JPEG.length });
    const media = await t.http.inject({
      method: "POST",
      url: "/external-api/result/card-front/",
      payload: { company_key: key, session_token: token },
    });
    expect(media.headers["content-type"]).toBe("image/jpeg");
    expect(media.rawPayload.equals(JPEG)).toBe(true);
  });

  it("refuses what is not an image, captures the session does not ask for, and oversized files, storing nothing", async () => {
    const token = await begin();
    const bad = await upload(token, "card-front", Buffer.from("<html>not an image at all</html>"));
    expect(bad.statusCode).toBe(415);
    expect(bad.json().error.code).toBe("MEDIA_TYPE_INVALID");
    const notAsked = await upload(token, "general-document", JPEG);
    expect(notAsked.statusCode).toBe(403);
    expect(notAsked.json().error.code).toBe("CAPTURE_NOT_ALLOWED");
    const big = await upload(token, "passport", Buffer.concat([JPEG, Buffer.alloc(60_000)]));
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe("UPLOAD_TOO_LARGE");
    const video = await upload(
      token,
      "face",
      Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypmp42"), Buffer.alloc(100)]),
    );
    expect(video.json().error.code).toBe("MEDIA_TYPE_INVALID");
    expect(mediaFiles()).toEqual([]);
    const s = await t.services.sessions.find(token);
    if (!s) throw new Error("no session");
    expect(await t.services.sessions.listMedia(s)).toEqual([]);
  });

  it("answers a malformed or cut-short form with BODY_MALFORMED, storing nothing", async () => {
    const token = await begin();
    const part = '--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n';
    const bodies = [
      "\u0000", // no boundary at all
      "--b\r\n", // ends before the part's headers
      Buffer.concat([Buffer.from(part), JPEG]), // the file never ends
    ];
    for (const body of bodies) {
      const res = await t.http.inject({
        method: "POST",
        url: "/api/widget/captures/passport",
        body,
        headers: { ...h(token), "content-type": "multipart/form-data; boundary=b" },
      });
      expect([res.statusCode, res.json().error.code], String(body).slice(0, 20)).toEqual([
        400,
        "BODY_MALFORMED",
      ]);
    }
    expect(mediaFiles()).toEqual([]);
    expect(await upload(token, "passport", JPEG).then((r) => r.statusCode)).toBe(201);
  });

  it("issues liveness challenges only to liveness sessions and takes frames of the current one only", async () => {
    const plain = await begin({ liveness: false });
    const refused = await t.http.inject({
      method: "POST",
      url: "/api/widget/liveness/challenge",
      headers: h(plain),
    });
    expect(refused.json().error.code).toBe("CAPTURE_NOT_ALLOWED");
    const token = await begin({ liveness: true });
    const first = (
      await t.http.inject({ method: "POST", url: "/api/widget/liveness/challenge", headers: h(token) })
    ).json();
    const second = (
      await t.http.inject({ method: "POST", url: "/api/widget/liveness/challenge", headers: h(token) })
    ).json();
    expect(second.nonce).not.toBe(first.nonce);
    expect(second.flash.segments.length).toBeGreaterThanOrEqual(4);
    const frame = (nonce: string, phase = "active", tt = "100") => {
      const mp = multipartBody(
        [
          ["nonce", nonce],
          ["phase", phase],
          ["t", tt],
        ],
        [["image", "f.jpg", JPEG]],
      );
      return t.http.inject({
        method: "POST",
        url: "/api/widget/captures/liveness-frame",
        body: mp.body,
        headers: { ...h(token), "content-type": mp.contentType },
      });
    };
    expect((await frame(first.nonce)).json().error.code).toBe("PARAM_INVALID");
    expect((await frame(second.nonce, "sideways")).json().error.code).toBe("PARAM_INVALID");
    expect((await frame(second.nonce, "active", "-5")).json().error.code).toBe("PARAM_INVALID");
    expect((await frame(second.nonce)).statusCode).toBe(201);
  });

  it("submits once: one verification job, and the session no longer expires while it waits", async () => {
    const token = await begin();
    await t.http.inject({ method: "GET", url: "/api/widget/session", headers: h(token) });
    const first = await t.http.inject({ method: "POST", url: "/api/widget/submit", headers: h(token) });
    expect(first.json()).toEqual({ status: "in_progress", phase: "processing" });
    await t.http.inject({ method: "POST", url: "/api/widget/submit", headers: h(token) });
    const rows = await t.database.db.selectFrom("jobs").selectAll().where("queue", "=", "verify").execute();
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]?.payload ?? "{}")).toEqual({ token });
    t.clock.advance(3 * 60 * 60_000);
    const status = await t.http.inject({ method: "GET", url: "/api/widget/status", headers: h(token) });
    expect(status.json()).toEqual({ status: "in_progress", phase: "processing" });
    expect((await upload(token, "face", JPEG)).json().error.code).toBe("SESSION_CLOSED");
  });
});
