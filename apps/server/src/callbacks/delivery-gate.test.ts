/**
 * The delivery gate: API activity seen from a real HTTP server, and deliveries spaced while the API
 * is busy (only lower bounds on time: a loaded machine makes everything slower, never faster).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createDeliveryGate, trackApiActivity } from "./delivery-gate.ts";

describe("trackApiActivity", () => {
  it("is busy while a request is in flight and shortly after, then idle", async () => {
    let release: () => void = () => undefined;
    const server = http.createServer((_req, res) => {
      release = () => res.end("ok");
    });
    const activity = trackApiActivity(server, 30);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      expect(activity.busy()).toBe(false);
      const done = fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`).then((r) => r.text());
      await expect.poll(() => activity.active).toBe(1);
      expect(activity.busy()).toBe(true);
      release();
      expect(await done).toBe("ok");
      await expect.poll(() => activity.active).toBe(0);
      await expect.poll(() => activity.busy()).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe("createDeliveryGate", () => {
  it("spaces starts while the API is busy", async () => {
    const gate = createDeliveryGate({ api: { busy: () => true }, busyPerSecond: 50 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => gate.take()));
    // Six starts 20 ms apart: the last one no earlier than 100 ms after the first.
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it("lets every start through when the API is idle, and spaces them once it gets busy", async () => {
    let busy = false;
    const gate = createDeliveryGate({ api: { busy: () => busy }, busyPerSecond: 20 });
    await Promise.all(Array.from({ length: 200 }, () => gate.take()));
    busy = true;
    const started = performance.now();
    await Promise.all(Array.from({ length: 3 }, () => gate.take()));
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });
});
