/**
 * A multi-process Verimat for the cluster test and bench/cluster: `serve` and `worker` processes of
 * the built CLI on their own PostgreSQL database, Redis key prefix and S3 server (s3rver), and a
 * client that drives whole sessions (begin, captures, submit, decision) with retries across API
 * processes. Needs `npm run build` (dist/) like the other real-process tests.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import sharp from "sharp";
import { dropPrefix, REDIS_URL, uniquePrefix } from "../../../../packages/jobs/test/test-queues.ts";
import { startTestS3, type TestS3 } from "../../../../packages/media/test/s3-server.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../../..");
const bin = path.join(repoRoot, "apps/server/bin/verimat.js");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export interface ClusterProcess {
  role: "serve" | "worker";
  name: string;
  child: ChildProcess;
  /** serve only */
  base?: string;
  output(): string;
}

export interface Cluster {
  /** The environment every process starts with. */
  env: NodeJS.ProcessEnv;
  databaseUrl: string;
  masterKey: string;
  s3: TestS3;
  redisPrefix: string;
  companyKey: string;
  processes: ClusterProcess[];
  apis(): string[];
  startServe(name: string): Promise<ClusterProcess>;
  startWorker(name: string, extraEnv?: Record<string, string>): Promise<ClusterProcess>;
  kill(p: ClusterProcess, signal?: NodeJS.Signals): Promise<void>;
  /** Stops every process, drops the database and the Redis keys, stops S3. */
  close(): Promise<void>;
  sql<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  logs(): string;
}

async function until(cond: () => boolean, what: string, out: () => string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} did not happen:\n${out().slice(-4_000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ClusterOptions {
  /** The environment processes inherit (the caller's process.env). */
  parentEnv: NodeJS.ProcessEnv;
  /** A PostgreSQL database to connect to for CREATE DATABASE (the cluster gets its own). */
  pgAdminUrl: string;
  /** Settings for every process of the cluster. */
  env?: Record<string, string>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  if (!fs.existsSync(path.join(repoRoot, "apps/server/dist/cli.js")))
    throw new Error("apps/server/dist is missing: run `npm run build` first");
  const dbName = `verimat_cluster_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: options.pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const u = new URL(options.pgAdminUrl);
  u.pathname = `/${dbName}`;
  const databaseUrl = u.toString();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // The teardown drops the database WITH (FORCE), which may terminate a client still closing; that
  // is expected, not a test failure (unhandled, pg would raise it as a process error).
  pool.on("error", () => undefined);
  const s3 = await startTestS3();
  const redisPrefix = uniquePrefix();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-cluster-"));
  const masterKey = randomBytes(32).toString("base64");
  const env: NodeJS.ProcessEnv = {
    ...options.parentEnv,
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: s3.bucket,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: "1",
    MASTER_KEY: masterKey,
    LOG_LEVEL: "warn",
    DEMO: "0",
    BEGIN_RATE_LIMIT_PER_MINUTE: "1000000",
    DASHBOARD_LOGIN_IP_PER_MINUTE: "10000",
    ...options.env,
  };
  const processes: ClusterProcess[] = [];
  let log = "";

  function spawnRole(role: "serve" | "worker", name: string, extra: Record<string, string>): ClusterProcess {
    let out = "";
    const child = spawn(process.execPath, [bin, role], {
      env: { ...env, ...extra },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
      log += `[${name}] ${d.toString()}`;
      if (log.length > 400_000) log = log.slice(-200_000);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const p: ClusterProcess = { role, name, child, output: () => out };
    processes.push(p);
    return p;
  }

  const cluster: Cluster = {
    env,
    databaseUrl,
    masterKey,
    s3,
    redisPrefix,
    companyKey: "",
    processes,
    apis: () =>
      processes
        .filter((p) => p.role === "serve" && p.child.exitCode === null && p.child.signalCode === null)
        .map((p) => p.base ?? ""),
    async startServe(name) {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const p = spawnRole("serve", name, { PORT: String(port), PUBLIC_URL: base, LOG_LEVEL: "info" });
      p.base = base;
      await until(() => p.output().includes("verimat listening"), `${name} start`, p.output);
      return p;
    },
    async startWorker(name, extra = {}) {
      const p = spawnRole("worker", name, { LOG_LEVEL: "info", ...extra });
      await until(() => p.output().includes("verimat worker running"), `${name} start`, p.output);
      return p;
    },
    async kill(p, signal = "SIGKILL") {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      const exited = new Promise((r) => p.child.once("exit", r));
      p.child.kill(signal);
      await exited;
    },
    async sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
      return (await pool.query<R>(text, values)).rows;
    },
    logs: () => log,
    async close() {
      await Promise.all(processes.map((p) => cluster.kill(p)));
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
      await dropPrefix(redisPrefix).catch(() => undefined);
      await s3.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** Creates the company the clients use, through the CLI on the cluster's database. */
export async function createClusterCompany(cluster: Cluster): Promise<string> {
  const p = spawn(process.execPath, [bin, "company", "create", "--name", "Cluster bank"], {
    env: {
      ...cluster.env,
      DATABASE_URL: cluster.databaseUrl,
      DATA_DIR: os.tmpdir(),
      MASTER_KEY: cluster.masterKey,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  p.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  p.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await new Promise((r) => p.once("exit", r));
  const key = /company_key\W+([A-Za-z0-9_-]{20,})/.exec(out)?.[1];
  if (!key) throw new Error(`company create printed no key:\n${out}`);
  return key;
}

/** Small, distinct captures: a textured PNG per session and kind (the engine finds no face or MRZ quickly). */
export async function smallCapture(seed: number, kind: string): Promise<Buffer> {
  const w = 96;
  const h = 72;
  const raw = Buffer.alloc(w * h * 3);
  let x = (seed * 2_654_435_761 + kind.length * 97) >>> 0;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1_103_515_245 + 12_345) >>> 0;
    raw[i] = x >>> 24;
  }
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

export const sha256 = (b: Buffer | Uint8Array) => createHash("sha256").update(b).digest("hex");

export interface SessionOutcome {
  token: string;
  status: string;
  uploads: Record<string, string>;
  /** Capture kinds the client had to send again (the API process went away mid-request). */
  resent: string[];
  beginMs: number;
  submittedAt: number;
  decidedAt: number;
  retries: number;
}

/**
 * A client of several API processes: each call goes to the next live API in turn; a refused or
 * reset connection or a 502/503 goes to another one.
 */
export function createClusterClient(apis: () => string[], companyKey: string) {
  let turn = 0;
  let retries = 0;
  async function call(pathAndQuery: string, init: RequestInit = {}, attempts = 40): Promise<Response> {
    let lastErr: unknown = null;
    for (let i = 0; i < attempts; i++) {
      const live = apis();
      const base = live[turn++ % Math.max(1, live.length)];
      if (!base) throw new Error("no API process left");
      try {
        const res = await fetch(`${base}${pathAndQuery}`, { ...init, signal: AbortSignal.timeout(30_000) });
        if (res.status === 502 || res.status === 503) {
          lastErr = new Error(`HTTP ${res.status}`);
        } else {
          return res;
        }
      } catch (err) {
        lastErr = err;
      }
      retries++;
      await new Promise((r) => setTimeout(r, 50 + i * 50));
    }
    throw new Error(`request ${pathAndQuery.split("?")[0]} failed after retries: ${String(lastErr)}`);
  }

  return {
    get retries() {
      return retries;
    },
    call,
    async begin(): Promise<string> {
      const res = await call("/begin/", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          company_key: companyKey,
          flags: { liveness: false, document_types: ["passport"] },
        }),
      });
      if (res.status !== 200) throw new Error(`begin: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as string;
    },
    /** Everything up to the submit; resolves when the session is submitted. */
    async capture(token: string, seed: number): Promise<Pick<SessionOutcome, "uploads" | "resent">> {
      const h = { "x-session-token": token };
      const open = await call("/api/widget/session", { headers: h });
      if (open.status !== 200) throw new Error(`session: HTTP ${open.status}`);
      await call("/api/widget/consent", {
        method: "POST",
        headers: { ...h, "content-type": "application/json" },
        body: JSON.stringify({ agree: true }),
      });
      const uploads: Record<string, string> = {};
      const resent: string[] = [];
      for (const kind of ["passport", "face"]) {
        const bytes = await smallCapture(seed, kind);
        uploads[kind] = sha256(bytes);
        // A capture whose answer was lost is sent again (what the widget does).
        for (let attempt = 0; ; attempt++) {
          const form = new FormData();
          form.append("image", new Blob([new Uint8Array(bytes)]), "capture.png");
          const res = await call(
            `/api/widget/captures/${kind}`,
            { method: "POST", headers: h, body: form },
            1,
          ).catch(() => null);
          if (res && res.status === 201) break;
          if (res && res.status !== 201)
            throw new Error(`capture ${kind}: HTTP ${res.status} ${await res.text()}`);
          if (attempt > 40) throw new Error(`capture ${kind}: no API answered`);
          resent.push(kind);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const sub = await call("/api/widget/submit", { method: "POST", headers: h });
      if (sub.status !== 200) throw new Error(`submit: HTTP ${sub.status} ${await sub.text()}`);
      return { uploads, resent };
    },
    async result(token: string): Promise<{ result: string }> {
      const res = await call(`/external-api/result/?company_key=${companyKey}&session_token=${token}`);
      if (res.status !== 200) throw new Error(`result: HTTP ${res.status}`);
      return (await res.json()) as { result: string };
    },
    async waitForDecision(token: string, timeoutMs: number, pollMs = 200): Promise<string> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const r = await this.result(token);
        if (r.result !== "in_progress") return r.result;
        if (Date.now() > end) return "in_progress";
        await new Promise((res) => setTimeout(res, pollMs));
      }
    },
  };
}

export type ClusterClient = ReturnType<typeof createClusterClient>;

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}
