/**
 * The video-call step end to end in headless Chromium against the real app (served on a port): the
 * person's widget page joins the queue with Chromium's fake camera and microphone, an operator's
 * dashboard page in the same browser accepts the call, both pages connect over WebRTC with the
 * signalling relayed through the server's database (host candidates only, no STUN), the operator sees
 * the person's video playing (size known, frames advancing), captures a still and passes the step,
 * and the result and the session page carry the verdict and the still. The person is told the call is
 * recorded; a reload of the person's page mid-call rejoins it; the recording (decrypted by the API)
 * is WebM and plays on the session page. Screenshots: test-artifacts/dashboard/video-call-*.png.
 */
import fs from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../../server/src/testing/test-app.ts";
import { artifacts, type DashboardHarness, startDashboardHarness } from "./dashboard-harness.ts";

// The functions given to evaluate/waitForFunction run in the page. This program has no DOM types
// (they would change the types the engine is checked against), so the page's globals are typed here.
interface PageVideo {
  videoWidth: number;
  videoHeight: number;
  currentTime: number;
  readyState: number;
  srcObject: { getAudioTracks(): unknown[] } | null;
  getVideoPlaybackQuality(): { totalVideoFrames: number };
}
interface PageImage {
  complete: boolean;
  naturalWidth: number;
}
interface PageGlobals {
  document: {
    querySelector(selector: string): unknown;
    querySelectorAll(selector: string): Iterable<unknown>;
  };
  MediaStream: abstract new () => unknown;
}

let h: DashboardHarness;
let t: TestApp;
let base: string;
let company: { company_id: string; company_key: string };
let browser: Browser;

beforeAll(async () => {
  h = await startDashboardHarness({
    users: [{ email: "ops@acme.test", role: "operator" }],
    widget: true,
    chromiumArgs: [
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  ({ t, base, company, browser } = h);
});

afterAll(async () => {
  await h?.close();
});

describe("video call: widget ↔ dashboard", () => {
  it("the operator sees the person's live video, captures a still and passes the step", async () => {
    const begin = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: {
        company_key: company.company_key,
        flags: { skip_document: true, skip_face: true, skip_agreement: true, language: "en" },
        steps: [{ type: "video-call", wait_minutes: 5 }],
      },
    });
    expect(begin.statusCode, begin.body).toBe(200);
    const token = begin.json() as string;

    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await context.grantPermissions(["camera", "microphone"], { origin: base });
    const person = await context.newPage();
    const operator = await context.newPage();
    for (const p of [person, operator]) p.setDefaultTimeout(20_000);
    const errors: string[] = [];
    const outside: string[] = [];
    for (const p of [person, operator]) {
      p.on("pageerror", (e) => errors.push(e.message));
      p.on("request", (r) => {
        if (!r.url().startsWith(base) && !r.url().startsWith("data:") && !r.url().startsWith("blob:"))
          outside.push(r.url());
      });
    }
    try {
      // The person joins the queue and waits, seeing their place in it.
      await person.goto(`${base}/?session_token=${token}`);
      await person.click("[data-action=join-call]");
      await person.waitForSelector("[data-screen=video-call-waiting] [data-position='1']");
      // The person is told the call is recorded.
      await person.waitForSelector("[data-screen=video-call-waiting] [data-recorded]");
      await person.screenshot({ path: path.join(artifacts, "video-call-waiting.png") });

      // The operator logs in, finds the person in the queue and accepts.
      await h.logIn(operator, "ops@acme.test");
      await operator.click("nav a[href='#/video-calls']");
      await operator.waitForSelector("[data-action=accept-call]");
      await operator.click("[data-action=accept-call]");

      // Both ends connect; the operator's remote video plays with real frames.
      await operator.waitForSelector("[data-call-state=connected]", { timeout: 30_000 });
      await person.waitForSelector("[data-screen=video-call-live]");
      await operator.waitForFunction(
        () => {
          const v = (globalThis as unknown as PageGlobals).document.querySelector(
            "video[data-video=remote]",
          ) as PageVideo | null;
          return v !== null && v.videoWidth > 0 && v.currentTime > 0.3;
        },
        undefined,
        { timeout: 30_000 },
      );
      const frames = await operator.evaluate(async () => {
        const v = (globalThis as unknown as PageGlobals).document.querySelector(
          "video[data-video=remote]",
        ) as PageVideo | null;
        if (!v) return null;
        const q1 = v.getVideoPlaybackQuality().totalVideoFrames;
        const t1 = v.currentTime;
        await new Promise((r) => setTimeout(r, 1_000));
        return {
          width: v.videoWidth,
          height: v.videoHeight,
          framesAdvanced: v.getVideoPlaybackQuality().totalVideoFrames - q1,
          timeAdvanced: v.currentTime - t1,
          hasAudio:
            v.srcObject instanceof (globalThis as unknown as PageGlobals).MediaStream &&
            (v.srcObject?.getAudioTracks().length ?? 0) > 0,
        };
      });
      expect(frames).not.toBeNull();
      expect(frames?.width).toBeGreaterThan(0);
      expect(frames?.height).toBeGreaterThan(0);
      expect(frames?.framesAdvanced).toBeGreaterThan(0);
      expect(frames?.timeAdvanced).toBeGreaterThan(0);
      expect(frames?.hasAudio).toBe(true);
      // The person sees the operator too.
      await person.waitForFunction(() => {
        const v = (globalThis as unknown as PageGlobals).document.querySelector(
          "video.vc-remote",
        ) as PageVideo | null;
        return v !== null && v.videoWidth > 0;
      });
      await person.screenshot({ path: path.join(artifacts, "video-call-person.png") });

      // A reload mid-call rejoins the same call on a new connection (the operator offers again).
      await person.reload();
      await person.waitForSelector("[data-screen=video-call-live]");
      await person.waitForFunction(() => {
        const v = (globalThis as unknown as PageGlobals).document.querySelector(
          "video.vc-remote",
        ) as PageVideo | null;
        return v !== null && v.videoWidth > 0 && v.currentTime > 0.3;
      });
      await operator.waitForSelector("[data-call-state=connected]");
      // The recording runs across the reconnection: chunks are being stored.
      await operator.waitForSelector("[data-recording=on]", { timeout: 30_000 });

      // A still of the person, stored as the session's media and shown back.
      await operator.click("[data-action=capture-still]");
      await operator.waitForSelector("[data-list=stills] li img");
      await operator.waitForFunction(() => {
        const img = (globalThis as unknown as PageGlobals).document.querySelector(
          "[data-list=stills] li img",
        ) as PageImage | null;
        return img?.complete && img.naturalWidth > 0;
      });
      await operator.screenshot({ path: path.join(artifacts, "video-call-operator.png") });

      await operator.fill("textarea[name=note]", "Face matches the document shown");
      await operator.click("[data-action=pass-call]");
      await operator.waitForSelector("[data-call-state=ended-passed]");
      await operator.waitForSelector("[data-recording=saved]");
      // The person's widget moves on past the step (nothing else to do: the session is submitted).
      await person.waitForSelector("[data-screen=final-finished]");
      await person.screenshot({ path: path.join(artifacts, "video-call-done.png") });
      // The session page shows the verdict and the still.
      await operator.goto(`${base}/dashboard/#/sessions/${token}`);
      await operator.waitForSelector("[data-video-call=passed]");
      await operator.waitForFunction(() => {
        const img = (globalThis as unknown as PageGlobals).document.querySelector(
          "[data-video-call] img",
        ) as PageImage | null;
        return img?.complete && img.naturalWidth > 0;
      });
      // The recording is on the session page, playable.
      await operator.waitForFunction(() => {
        const v = (globalThis as unknown as PageGlobals).document.querySelector(
          "[data-media-kind=video-call-recording] video",
        ) as PageVideo | null;
        return v !== null && v.readyState >= 1;
      });
      await operator.locator("[data-video-call]").scrollIntoViewIfNeeded();
      await operator.screenshot({ path: path.join(artifacts, "video-call-session.png") });
    } finally {
      await context.close();
    }
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);

    const res = await t.http.inject({
      method: "POST",
      url: "/external-api/result/",
      payload: { company_key: company.company_key, session_token: token },
    });
    const result = res.json() as { video_call?: { outcome: string; note: string; stills: string[] } };
    expect(result.video_call).toMatchObject({
      outcome: "passed",
      note: "Face matches the document shown",
      operator: "ops@acme.test",
      recording: expect.any(String),
    });
    expect(result.video_call?.stills).toHaveLength(1);
    const still = await t.http.inject({
      method: "POST",
      url: "/external-api/result/video-call-still/",
      payload: { company_key: company.company_key, session_token: token },
    });
    expect(still.headers["content-type"]).toBe("image/jpeg");
    expect(still.rawPayload.length).toBeGreaterThan(1_000);
    // The recording, decrypted by the API: WebM (EBML header), not empty.
    const recording = await t.http.inject({
      method: "POST",
      url: "/external-api/result/video-call-recording/",
      payload: { company_key: company.company_key, session_token: token },
    });
    expect(recording.headers["content-type"]).toBe("video/webm");
    expect(recording.rawPayload.length).toBeGreaterThan(10_000);
    expect(recording.rawPayload.subarray(0, 4).toString("hex")).toBe("1a45dfa3");
    fs.writeFileSync(path.join(artifacts, "video-call-recording.webm"), recording.rawPayload);
  }, 150_000);

  it("nobody answers: the widget says so and offers to retry; an operator or a person who leaves is noticed", async () => {
    const begin = await t.http.inject({
      method: "POST",
      url: "/external-api/begin/",
      payload: {
        company_key: company.company_key,
        flags: { skip_document: true, skip_face: true, skip_agreement: true, language: "ka" },
        steps: [{ type: "video-call", wait_minutes: 1 }],
      },
    });
    const token = begin.json() as string;
    const context = await browser.newContext({ viewport: { width: 900, height: 800 } });
    await context.grantPermissions(["camera", "microphone"], { origin: base });
    const person = await context.newPage();
    person.setDefaultTimeout(20_000);
    const errors: string[] = [];
    person.on("pageerror", (e) => errors.push(e.message));
    try {
      await person.goto(`${base}/?session_token=${token}`);
      await person.click("[data-action=join-call]");
      await person.waitForSelector("[data-screen=video-call-waiting]");
      // The app's clock is a test clock: a minute passes without an operator.
      t.clock.advance(61_000);
      await person.waitForSelector("[data-screen=video-call-timeout]");
      // In the session's language (Georgian).
      expect(await person.locator("[data-screen=video-call-timeout] h1").textContent()).toBe(
        "არავინ უპასუხა",
      );
      await person.screenshot({ path: path.join(artifacts, "video-call-timeout.png") });
      await person.click("[data-action=retry-call]");
      await person.waitForSelector("[data-screen=video-call-waiting]");

      // An operator takes the call and leaves without a verdict: the person is told and may rejoin.
      const operator = {
        id: (await t.services.dashboardUsers.list(company.company_id))[0]?.id ?? "",
        email: "ops@acme.test",
        companyId: company.company_id,
      };
      const waiting = (await t.services.videoCalls.queue(operator)).waiting.find(
        (c) => c.session_token === token,
      );
      expect(waiting).toBeDefined();
      await t.services.videoCalls.accept(operator, waiting?.call_id ?? "");
      await person.waitForSelector("[data-screen=video-call-live]");
      await t.services.videoCalls.operatorLeave(operator, waiting?.call_id ?? "");
      await person.waitForSelector("[data-screen=video-call-operator-left]");
      await person.screenshot({ path: path.join(artifacts, "video-call-operator-left.png") });
      // The camera is off once the call is over.
      expect(
        await person.evaluate(() =>
          [...(globalThis as unknown as PageGlobals).document.querySelectorAll("video")].every(
            (v) => (v as PageVideo).srcObject === null,
          ),
        ),
      ).toBe(true);

      // The person joins again and closes the page during the call: the operator's side learns it.
      await person.click("[data-action=retry-call]");
      await person.waitForSelector("[data-screen=video-call-waiting]");
      const again = (await t.services.videoCalls.queue(operator)).waiting.find(
        (c) => c.session_token === token,
      );
      await t.services.videoCalls.accept(operator, again?.call_id ?? "");
      await person.waitForSelector("[data-screen=video-call-live]");
      await person.close({ runBeforeUnload: true });
      let seen: { call: { status: string; end_reason: string | null } } | null = null;
      for (let i = 0; i < 50 && seen?.call.status !== "ended"; i++) {
        seen = await t.services.videoCalls.operatorPoll(operator, again?.call_id ?? "", 0, 0, () => false);
        // A closed page may have been a reload: it has a few seconds to come back.
        t.clock.advance(2_000);
        if (seen.call.status !== "ended") await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen?.call).toMatchObject({ status: "ended", end_reason: "person_left" });
    } finally {
      await context.close();
    }
    expect(errors).toEqual([]);
  }, 120_000);
});
