/**
 * bench/begin: begin/ throughput and latency against the real server on SQLite, next to a bare route
 * of the same framework measured in the same run; prints the ratio (the machine is shared and noisy,
 * so only the ratio is meaningful). Targets: ≥ 50 % of the bare route's requests/s, p99 < 20 ms at
 * 50 connections.
 *
 *   npm run build && npx tsx bench/begin/run.ts [--seconds 10] [--connections 50]
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { raisePriority } from "../priority.ts";

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const seconds = opt("seconds", 10);
const connections = opt("connections", 50);
const rounds = opt("rounds", 2);
const root = path.resolve(import.meta.dirname, "../..");

async function start(
  cmd: string[],
  env: Record<string, string>,
  ready: string,
): Promise<{ proc: ChildProcess; out: () => string }> {
  const [bin, ...rest] = cmd;
  if (!bin) throw new Error("no command");
  const proc = spawn(bin, rest, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!out.includes(ready)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, out: () => out };
}

async function load(
  url: string,
  body: string,
): Promise<{ rps: number; p50: number; p99: number; errors: number; non2xx: number }> {
  const r = await autocannon({
    url,
    method: "POST",
    connections,
    duration: seconds,
    headers: { "content-type": "application/json" },
    body,
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

raisePriority();

const dataDirs: string[] = [];
const common = { LOG_LEVEL: "warn", BEGIN_RATE_LIMIT_PER_MINUTE: "100000000", VERIFY_THREADS: "0" };
async function verimat(port: number, env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-bench-"));
  dataDirs.push(dataDir);
  const s = await start(
    ["node", "apps/server/dist/main.js"],
    { ...common, ...env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir },
    "Demo page:",
  );
  const key = /Demo company key: (\S+)/.exec(s.out())?.[1];
  if (!key) throw new Error("no demo key");
  const body = JSON.stringify({
    company_key: key,
    flags: {
      liveness: true,
      language: "en",
      document_types: ["id", "passport"],
      return_url: "https://shop.example/done",
    },
  });
  return { ...s, body, dataDir, url: `http://127.0.0.1:${port}/external-api/begin/` };
}
// begin/ as shipped (grouped inserts in the SQLite writer thread), and with them on the event loop.
const server = await verimat(18931, {});
const inline = await verimat(18933, { SQLITE_WRITER_THREAD: "0" });
const bare = await start(
  ["node", "--import", "tsx", "bench/begin/bare-server.ts"],
  { ...common, PORT: "18932" },
  "ready",
);
const bareUrl = "http://127.0.0.1:18932/begin/";

type Run = Awaited<ReturnType<typeof load>>;
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function summary(runs: Run[]) {
  return {
    rps: avg(runs.map((x) => x.rps)),
    p50: avg(runs.map((x) => x.p50)),
    p99: Math.max(...runs.map((x) => x.p99)),
    errors: runs.reduce((a, x) => a + x.errors + x.non2xx, 0),
  };
}

try {
  // warm-up, then alternate so drift on the shared machine hits all equally
  await load(server.url, server.body);
  await load(inline.url, inline.body);
  await load(bareUrl, server.body);
  const begin: Run[] = [];
  const beginInline: Run[] = [];
  const baseline: Run[] = [];
  for (let i = 0; i < rounds; i++) {
    baseline.push(await load(bareUrl, server.body));
    begin.push(await load(server.url, server.body));
    beginInline.push(await load(inline.url, inline.body));
  }
  const b = summary(begin);
  const n = summary(beginInline);
  const z = summary(baseline);
  const size = fs.statSync(path.join(server.dataDir, "verimat.db")).size;
  console.log(`bench/begin  ${connections} connections, ${rounds}×${seconds}s each, SQLite, LOG_LEVEL=warn`);
  console.log(`  bare route : ${z.rps.toFixed(0)} req/s   p50 ${z.p50} ms   p99 ${z.p99} ms`);
  console.log(
    `  begin/     : ${b.rps.toFixed(0)} req/s   p50 ${b.p50} ms   p99 ${b.p99} ms   errors/non-2xx ${b.errors}`,
  );
  console.log(
    `  begin/ with inserts on the event loop (SQLITE_WRITER_THREAD=0): ${n.rps.toFixed(0)} req/s   p99 ${n.p99} ms   errors/non-2xx ${n.errors}`,
  );
  console.log(`  ratio begin/bare throughput: ${((100 * b.rps) / z.rps).toFixed(1)} %   (target ≥ 50 %)`);
  console.log(`  ratio begin(inline)/bare   : ${((100 * n.rps) / z.rps).toFixed(1)} %`);
  console.log(`  begin p99: ${b.p99} ms   (target < 20 ms)   database size ${(size / 1e6).toFixed(1)} MB`);
} finally {
  for (const p of [server.proc, inline.proc, bare.proc]) p.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
}
