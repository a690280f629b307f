/**
 * Keeps callback deliveries from slowing the API when both share a process (role all). One delivery
 * is cheap, but a backlog drained as fast as the receiver answers keeps the event loop busy with job
 * claims, SQLite writes and HTTP parsing, and every API request waits behind that work (bench/callbacks
 * before this gate: begin/ p50 from ~1 ms to 38–110 ms while 10,000 events drained). The API comes
 * first:
 *
 * - while the API is serving (a request in flight, or one ended less than `quietMs` ago), deliveries
 *   start at most `busyPerSecond` times a second (spaced evenly), so they take a small, fixed share
 *   of the loop and never stop;
 * - when the API is idle they run as fast as the runner's concurrency (CALLBACK_CONCURRENCY) allows;
 * - every start first yields to the event loop (setImmediate), so I/O already waiting runs first.
 *
 * Worker processes (role worker) have no API to protect and use no gate.
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";

export interface ApiActivity {
  /** True while a request is in flight or one ended less than `quietMs` ago. */
  busy(): boolean;
}

/** Watches an HTTP server's requests (alongside Fastify's own handler; it changes nothing). */
export function trackApiActivity(
  server: Pick<Server, "on">,
  quietMs = 50,
): ApiActivity & { readonly active: number } {
  let active = 0;
  let lastEnd = Number.NEGATIVE_INFINITY;
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    active++;
    res.once("close", () => {
      active--;
      lastEnd = performance.now();
    });
  });
  return {
    busy: () => active > 0 || performance.now() - lastEnd < quietMs,
    get active() {
      return active;
    },
  };
}

export interface DeliveryGateOptions {
  api: ApiActivity;
  /** Delivery starts per second while the API is busy. @default 100 */
  busyPerSecond?: number;
}

export interface DeliveryGate {
  /** Resolves when a delivery may start. */
  take(): Promise<void>;
}

export function createDeliveryGate(options: DeliveryGateOptions): DeliveryGate {
  const spacingMs = 1_000 / (options.busyPerSecond ?? 100);
  let nextStart = 0;
  const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  return {
    async take() {
      await immediate();
      for (;;) {
        const now = performance.now();
        if (!options.api.busy()) {
          nextStart = now;
          return;
        }
        // Busy: each start reserves the next free slot, `spacingMs` after the previous one.
        if (nextStart <= now) {
          nextStart = Math.max(now, nextStart) + spacingMs;
          return;
        }
        await sleep(Math.max(1, nextStart - now));
      }
    },
  };
}
