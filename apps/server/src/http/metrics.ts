/**
 * Prometheus metrics (prom-client), one registry per app: request rates and latencies per route,
 * queue depth per queue and state (read from the queue at scrape time), job durations per stage,
 * verification outcomes, and the process defaults (CPU, memory, event-loop lag).
 *
 * The per-request cost is one hook and a Map lookup: label children are cached per
 * method/route/status, so a request never builds a label object.
 * @module
 */
import type { WorkQueue } from "@verimat/jobs";
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The queues whose depth is reported (others are counted only when they exist in the backend). */
export const METRIC_QUEUES = ["analyze", "verify", "callback"] as const;

export interface Metrics {
  registry: Registry;
  /** Wraps a job handler: observes its duration under `stage`, with outcome ok / error. */
  timeJob<A extends unknown[], R>(
    stage: string,
    handler: (...args: A) => Promise<R>,
  ): (...args: A) => Promise<R>;
  /** Counts one decided session by its resulting status. */
  verificationOutcome(status: string): void;
}

export function createMetrics(deps: { jobs: WorkQueue; defaults?: boolean }): Metrics {
  const registry = new Registry();
  if (deps.defaults !== false) collectDefaultMetrics({ register: registry, prefix: "verimat_" });
  const jobSeconds = new Histogram({
    name: "verimat_job_duration_seconds",
    help: "Duration of background jobs per stage (analyze, verify, callback) and outcome",
    labelNames: ["stage", "outcome"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  const outcomes = new Counter({
    name: "verimat_verification_outcomes_total",
    help: "Verifications decided, by resulting session status",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "verimat_queue_jobs",
    help: "Jobs per queue and state (queued, running, done, failed), read at scrape time",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        METRIC_QUEUES.map(async (queue) => {
          const c = await deps.jobs.counts(queue).catch(() => null);
          if (!c) return;
          for (const [state, n] of Object.entries(c)) this.set({ queue, state }, n);
        }),
      );
    },
  });
  return {
    registry,
    timeJob(stage, handler) {
      return async (...args) => {
        const end = jobSeconds.startTimer({ stage });
        try {
          const r = await handler(...args);
          end({ outcome: "ok" });
          return r;
        } catch (err) {
          end({ outcome: "error" });
          throw err;
        }
      };
    },
    verificationOutcome(status) {
      outcomes.inc({ status });
    },
  };
}

/** Request metrics on every route, and GET /metrics in the Prometheus text format. */
export function registerHttpMetrics(http: FastifyInstance, metrics: Metrics): void {
  const requests = new Counter({
    name: "verimat_http_requests_total",
    help: "HTTP requests by method, route and status code",
    labelNames: ["method", "route", "status"] as const,
    registers: [metrics.registry],
  });
  const seconds = new Histogram({
    name: "verimat_http_request_duration_seconds",
    help: "HTTP request latency by method and route",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics.registry],
  });
  type Child = { count: { inc(): void }; time: { observe(v: number): void } };
  const children = new Map<string, Child>();
  http.addHook("onResponse", (request, reply, done) => {
    // The route pattern, never the raw URL: tokens in paths or queries must not become label values.
    const route = request.routeOptions.url ?? "unmatched";
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let c = children.get(key);
    if (!c) {
      c = {
        count: requests.labels(request.method, route, String(reply.statusCode)),
        time: seconds.labels(request.method, route),
      };
      children.set(key, c);
    }
    c.count.inc();
    c.time.observe(reply.elapsedTime / 1_000);
    done();
  });
  http.get("/metrics", async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.header("content-type", metrics.registry.contentType).send(body);
  });
}
