/** The `verimat callback …` commands over the callback service of an in-memory app. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../testing/test-app.ts";
import {
  listCallbacksCommand,
  replayCallbacksCommand,
  rotateCallbackSecretCommand,
  showCallbackCommand,
  signingSecretAfterUrlSet,
  testCallbackCommand,
} from "./callback-commands.ts";

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe("callback commands", () => {
  it("prints the signing secret once, lists, shows, replays and rotates", async () => {
    const c = await t.company();
    const cb = t.services.callbacks;
    await expect(testCallbackCommand(cb, { company: c.company_id })).rejects.toThrow(/no callback URL/);
    await t.services.companies.update(c.company_id, { callbackUrl: "https://receiver.example/hook" });
    cb.invalidate(c.company_id); // settings are cached for 1 s; the CLI is a fresh process anyway
    const first = await signingSecretAfterUrlSet(cb, c.company_id);
    expect(first.callback_signing_secret).toMatch(/^whsec_/);
    expect(await signingSecretAfterUrlSet(cb, c.company_id)).toEqual({});

    const ping = (await testCallbackCommand(cb, { company: c.company_id })) as { event_id: string };
    expect(ping.event_id).toMatch(/^evt_/);
    const listed = await listCallbacksCommand(cb, { company: c.company_id, status: "pending" });
    expect(listed).toMatchObject([{ event_id: ping.event_id, type: "ping", status: "pending" }]);
    await expect(listCallbacksCommand(cb, { company: c.company_id, status: "done" })).rejects.toThrow(
      /--status/,
    );
    await expect(listCallbacksCommand(cb, { company: c.company_id, limit: "x" })).rejects.toThrow(/--limit/);
    expect(await showCallbackCommand(cb, ping.event_id)).toMatchObject({
      event_id: ping.event_id,
      body: { type: "ping", id: ping.event_id },
      attempts_history: [],
    });
    await expect(showCallbackCommand(cb, "evt_nope")).rejects.toThrow(/no callback event/);

    await expect(replayCallbacksCommand(cb, { ids: [] })).rejects.toThrow(/event ids/);
    await expect(replayCallbacksCommand(cb, { ids: [], failed: true })).rejects.toThrow(/--company/);
    const other = await t.company();
    await expect(
      replayCallbacksCommand(cb, { ids: [ping.event_id], company: other.company_id }),
    ).rejects.toMatchObject({
      code: "CALLBACK_EVENT_NOT_FOUND",
    });
    expect(await replayCallbacksCommand(cb, { ids: [ping.event_id] })).toMatchObject([
      { event_id: ping.event_id },
    ]);

    const rotated = (await rotateCallbackSecretCommand(cb, { company: c.company_id })) as {
      callback_signing_secret: string;
    };
    expect(rotated.callback_signing_secret).toMatch(/^whsec_/);
    expect(rotated.callback_signing_secret).not.toBe(first.callback_signing_secret);
  });
});
