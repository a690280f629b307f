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
  /**
   * Master keys for a rotation: comma-separated base64 keys (each optionally "label:"-prefixed), the
   * first one active, the others still accepted to unwrap older keys until `verimat keys rotate` ran.
   */
  MASTER_KEYS: z.string().optional(),
  /** Minutes between retention sweeps (companies' retentionDays). */
  RETENTION_SWEEP_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  /** Redis for the job queues (BullMQ) and shared rate limits; absent: the database job table, in-memory limits. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "a redis:// or rediss:// URL")
    .optional(),
  /** Key prefix in Redis (several deployments may share one Redis). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .default("verimat"),
  /** S3-compatible media storage; absent bucket: media on the local disk under DATA_DIR/media. */
  S3_BUCKET: z.string().min(3).optional(),
  /** Absent: AWS's endpoint for S3_REGION; set for MinIO, Ceph, R2… */
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  /** Absent: the AWS SDK's default credential chain (instance role, AWS_* variables…). */
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** Path-style URLs (endpoint/bucket/key), which MinIO and most self-hosted servers need. */
  S3_FORCE_PATH_STYLE: bool.default(false),
  /** Verification jobs a worker process runs at once (default: its VERIFY_THREADS). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
  /** A verification job whose worker stopped renewing its claim this long is taken over by another worker. */
  JOB_LEASE_SECONDS: z.coerce.number().min(1).max(3_600).default(60),
  /** Largest total of all captures of one session, in bytes. */
  SESSION_MEDIA_LIMIT_BYTES: z.coerce.number().int().min(100_000).default(209_715_200),
  /** SQLite file only: begin/'s grouped inserts run in a writer thread (off the event loop). */
  SQLITE_WRITER_THREAD: bool.default(true),
  /** Serve Prometheus metrics at /metrics. */
  METRICS: bool.default(true),
  /** Worker processes (no HTTP otherwise) serve /metrics and /healthz on this port when set. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
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
  /** Role all: callback delivery starts per second while the API serves requests (0: no limit). */
  CALLBACK_BUSY_PER_SECOND: z.coerce.number().int().min(0).max(100_000).default(100),
  /** Hours a dashboard login lasts. */
  DASHBOARD_LOGIN_HOURS: z.coerce.number().min(0.1).max(720).default(12),
  /** Wrong dashboard passwords in a row that lock the account… */
  DASHBOARD_MAX_FAILED_LOGINS: z.coerce.number().int().min(1).max(100).default(5),
  /** …for this many minutes. */
  DASHBOARD_LOCKOUT_MINUTES: z.coerce.number().min(0.1).max(1_440).default(15),
  /** Dashboard login attempts per minute from one client IP, whatever the accounts (shared in Redis with REDIS_URL). */
  DASHBOARD_LOGIN_IP_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  /** SMTP server for e-mail codes and beneficiary links: smtp(s)://user:pass@host:port (or the parts below). */
  SMTP_URL: z.string().optional(),
  SMTP_HOST: z.string().optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  SMTP_SECURE: bool.optional(),
  SMTP_USER: z.string().optional(),
  SMTP_PASS: z.string().optional(),
  /** Sender of the e-mails. */
  SMTP_FROM: z.string().default("Verimat <no-reply@localhost>"),
  /** Generic HTTP SMS provider: a POST to this URL with SMS_HTTP_BODY ({{to}}, {{text}} filled in, JSON-escaped). */
  SMS_HTTP_URL: z.url().optional(),
  SMS_HTTP_BODY: z.string().default('{"to":"{{to}}","text":"{{text}}"}'),
  /** Sent as the Authorization header of the SMS request (e.g. "Bearer …"). */
  SMS_HTTP_AUTHORIZATION: z.string().optional(),
  /** One-time codes: lifetime, wrong tries per code, codes per session / per destination per hour. */
  OTP_TTL_SECONDS: z.coerce.number().int().min(30).max(3_600).default(600),
  OTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  OTP_MAX_PER_SESSION: z.coerce.number().int().min(1).max(100).default(5),
  OTP_MAX_PER_DESTINATION: z.coerce.number().int().min(1).max(100).default(5),
  /** Video-call step: minutes a person waits in the queue before the widget says nobody answered. */
  VIDEO_CALL_WAIT_MINUTES: z.coerce.number().min(0.1).max(120).default(5),
  /**
   * STUN/TURN servers for video calls: a JSON array of RTCIceServer objects, or comma-separated
   * stun:/turn: URLs. Absent: none (host candidates only: fine on one network, not across NATs).
   */
  VIDEO_CALL_ICE_SERVERS: z.string().optional(),
  /** Largest still an operator may capture from a video call, in bytes. */
  VIDEO_CALL_STILL_LIMIT_BYTES: z.coerce.number().int().min(10_000).max(50_000_000).default(5_242_880),
});

/** Every environment variable the configuration reads (README's table, compose.yaml, tests). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(ZEnv.shape));

const ZIceServer = z.object({
  urls: z.union([
    z.string().regex(/^(stuns?|turns?):/),
    z.array(z.string().regex(/^(stuns?|turns?):/)).min(1),
  ]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof ZIceServer>;

function parseIceServers(raw: string | undefined): IceServer[] {
  const text = raw?.trim() ?? "";
  if (text === "") return [];
  if (text.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error("invalid configuration:\n  VIDEO_CALL_ICE_SERVERS: not valid JSON");
    }
    const r = z.array(ZIceServer).safeParse(parsed);
    if (!r.success)
      throw new Error(
        "invalid configuration:\n  VIDEO_CALL_ICE_SERVERS: a list of { urls, username?, credential? }",
      );
    return r.data;
  }
  const urls = text
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean);
  if (!urls.every((u) => /^(stuns?|turns?):/.test(u)))
    throw new Error("invalid configuration:\n  VIDEO_CALL_ICE_SERVERS: stun: or turn: URLs");
  return urls.map((u) => ({ urls: u }));
}

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
  /** MASTER_KEYS split: base64 keys, the active one first (empty when not set). */
  masterKeys: string[];
  retentionSweepMs: number;
  demo: boolean;
  trustProxy: boolean;
  allowPrivateCallbacks: boolean;
  callbackTimeoutMs: number;
  callbackConcurrency: number;
  callbackBusyPerSecond: number;
  dashboard: { loginTtlMs: number; maxFailedLogins: number; lockoutMs: number; loginIpPerMinute: number };
  /** undefined: one per CPU. */
  verifyThreads: number | undefined;
  /** BullMQ job queues and shared rate limits when set. */
  redis: { url: string; prefix: string } | null;
  /** S3-compatible media storage when set, else the local disk. */
  s3: {
    bucket: string;
    region: string;
    endpoint: string | undefined;
    accessKeyId: string | undefined;
    secretAccessKey: string | undefined;
    forcePathStyle: boolean;
  } | null;
  /** undefined: as many as verification threads. */
  workerConcurrency: number | undefined;
  jobLeaseMs: number;
  sessionMediaLimitBytes: number;
  sqliteWriterThread: boolean;
  metrics: boolean;
  metricsPort: number | undefined;
  /** E-mail delivery (codes, beneficiary links); null when no SMTP server is configured. */
  smtp: {
    url: string | null;
    host: string | null;
    port: number;
    secure: boolean;
    user: string | null;
    pass: string | null;
    from: string;
  } | null;
  /** The generic HTTP SMS provider; null when not configured. */
  smsHttp: { url: string; body: string; authorization: string | null } | null;
  otp: { ttlMs: number; maxAttempts: number; maxPerSession: number; maxPerDestination: number };
  videoCall: { waitMs: number; iceServers: IceServer[]; stillLimitBytes: number };
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
    masterKeys: (e.MASTER_KEYS ?? "")
      .split(",")
      .map((k) => k.trim().replace(/^[^:]*:/, ""))
      .filter((k) => k.length > 0),
    retentionSweepMs: e.RETENTION_SWEEP_MINUTES * 60_000,
    demo: e.DEMO,
    trustProxy: e.TRUST_PROXY,
    allowPrivateCallbacks: e.ALLOW_PRIVATE_CALLBACKS,
    callbackTimeoutMs: Math.round(e.CALLBACK_TIMEOUT_SECONDS * 1_000),
    callbackConcurrency: e.CALLBACK_CONCURRENCY,
    callbackBusyPerSecond: e.CALLBACK_BUSY_PER_SECOND,
    dashboard: {
      loginTtlMs: Math.round(e.DASHBOARD_LOGIN_HOURS * 3_600_000),
      maxFailedLogins: e.DASHBOARD_MAX_FAILED_LOGINS,
      lockoutMs: Math.round(e.DASHBOARD_LOCKOUT_MINUTES * 60_000),
      loginIpPerMinute: e.DASHBOARD_LOGIN_IP_PER_MINUTE,
    },
    verifyThreads: e.VERIFY_THREADS,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : null,
    s3: e.S3_BUCKET
      ? {
          bucket: e.S3_BUCKET,
          region: e.S3_REGION,
          endpoint: e.S3_ENDPOINT,
          accessKeyId: e.S3_ACCESS_KEY_ID,
          secretAccessKey: e.S3_SECRET_ACCESS_KEY,
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
        }
      : null,
    workerConcurrency: e.WORKER_CONCURRENCY,
    jobLeaseMs: Math.round(e.JOB_LEASE_SECONDS * 1_000),
    sessionMediaLimitBytes: e.SESSION_MEDIA_LIMIT_BYTES,
    sqliteWriterThread: e.SQLITE_WRITER_THREAD,
    metrics: e.METRICS,
    metricsPort: e.METRICS_PORT,
    smtp:
      e.SMTP_URL || e.SMTP_HOST
        ? {
            url: e.SMTP_URL ?? null,
            host: e.SMTP_HOST ?? null,
            port: e.SMTP_PORT ?? (e.SMTP_SECURE ? 465 : 587),
            secure: e.SMTP_SECURE ?? false,
            user: e.SMTP_USER ?? null,
            pass: e.SMTP_PASS ?? null,
            from: e.SMTP_FROM,
          }
        : null,
    smsHttp: e.SMS_HTTP_URL
      ? { url: e.SMS_HTTP_URL, body: e.SMS_HTTP_BODY, authorization: e.SMS_HTTP_AUTHORIZATION ?? null }
      : null,
    otp: {
      ttlMs: e.OTP_TTL_SECONDS * 1_000,
      maxAttempts: e.OTP_MAX_ATTEMPTS,
      maxPerSession: e.OTP_MAX_PER_SESSION,
      maxPerDestination: e.OTP_MAX_PER_DESTINATION,
    },
    videoCall: {
      waitMs: Math.round(e.VIDEO_CALL_WAIT_MINUTES * 60_000),
      iceServers: parseIceServers(e.VIDEO_CALL_ICE_SERVERS),
      stillLimitBytes: e.VIDEO_CALL_STILL_LIMIT_BYTES,
    },
  });
}
