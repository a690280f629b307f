/**
 * The service configuration, parsed once from the environment at start and passed down. No other file
 * reads `process.env` (Biome's noProcessEnv enforces it).
 * @module
 */
import path from "node:path";
import { z } from "zod";

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

const ZEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z.string().optional(),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Largest accepted body on the JSON/form API, in bytes. */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1_024).default(1_048_576),
  /** Largest accepted widget upload (one image or video), in bytes. */
  UPLOAD_LIMIT_BYTES: z.coerce.number().int().min(10_000).default(20_971_520),
  /** begin/ calls per company per minute. */
  BEGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** An opened session expires after this many minutes without activity. */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
  /** Accepted clock skew for the optional signed-timestamp HMAC extension. */
  HMAC_TIMESTAMP_WINDOW_SECONDS: z.coerce.number().int().min(1).default(300),
  /** base64 of 32 bytes; seals stored secrets. Absent: generated once into DATA_DIR/master.key. */
  MASTER_KEY: z.string().optional(),
  /** Verification threads in this process (0: this process does no verification work). */
  VERIFY_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  /** Create the demo company and demo page on an empty database. */
  DEMO: bool.default(true),
  /** Honour X-Forwarded-For / -Proto from a reverse proxy. */
  TRUST_PROXY: bool.default(false),
  /** Let callbacks reach private, loopback and link-local addresses (tests, internal receivers). */
  ALLOW_PRIVATE_CALLBACKS: bool.default(false),
  /** Per-attempt timeout of a callback delivery. */
  CALLBACK_TIMEOUT_SECONDS: z.coerce.number().min(0.05).max(120).default(10),
  /** Callback deliveries in flight at once per worker process. */
  CALLBACK_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(16),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Origin of the widget as seen by browsers, no trailing slash. */
  publicUrl: string;
  logLevel: z.infer<typeof ZEnv>["LOG_LEVEL"];
  bodyLimitBytes: number;
  uploadLimitBytes: number;
  beginRateLimitPerMinute: number;
  sessionIdleMs: number;
  hmacTimestampWindowMs: number;
  masterKey: string | undefined;
  demo: boolean;
  trustProxy: boolean;
  allowPrivateCallbacks: boolean;
  callbackTimeoutMs: number;
  callbackConcurrency: number;
  /** undefined: one per CPU. */
  verifyThreads: number | undefined;
}

export type Env = Record<string, string | undefined>;

/** @throws Error with every invalid variable named; the process exits on it. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const r = ZEnv.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = r.data;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL?.trim() || undefined,
    publicUrl,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    uploadLimitBytes: e.UPLOAD_LIMIT_BYTES,
    beginRateLimitPerMinute: e.BEGIN_RATE_LIMIT_PER_MINUTE,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    hmacTimestampWindowMs: e.HMAC_TIMESTAMP_WINDOW_SECONDS * 1_000,
    masterKey: e.MASTER_KEY,
    demo: e.DEMO,
    trustProxy: e.TRUST_PROXY,
    allowPrivateCallbacks: e.ALLOW_PRIVATE_CALLBACKS,
    callbackTimeoutMs: Math.round(e.CALLBACK_TIMEOUT_SECONDS * 1_000),
    callbackConcurrency: e.CALLBACK_CONCURRENCY,
    verifyThreads: e.VERIFY_THREADS,
  });
}
