/**
 * Process roles on one database: `verimat serve` answers HTTP without verifying, `verimat worker`
 * decides the session it never saw over HTTP. The session crosses processes only through the
 * database and the media store.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { renderTd3DataPage, SAMPLE_TD3_FIELDS } from "@verimat/engine/fixtures";
import { afterAll, beforeAll, expect, it } from "vitest";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const faces = path.resolve(repoRoot, "../shared/eval/faces");
const bin = path.join(repoRoot, "apps/server/bin/verimat.js");
if (!fs.existsSync(faces)) throw new Error(`test data missing: ${faces}`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

const procs: ChildProcess[] = [];
let out = "";
let base = "";
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-roles-"));

function start(role: string, env: NodeJS.ProcessEnv): ChildProcess {
  const p = spawn(process.execPath, [bin, role], { env, stdio: ["ignore", "pipe", "pipe"] });
  p.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  p.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  procs.push(p);
  return p;
}

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} did not happen:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    PUBLIC_URL: base,
    LOG_LEVEL: "info",
    VERIFY_THREADS: "1",
  };
  start("serve", env);
  await until(() => out.includes("Demo page:"), "serve start");
  start("worker", env);
  await until(() => out.includes("verimat worker running"), "worker start");
}, 120_000);

afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it("a session begun and captured on the API process is decided by the worker process", async () => {
  const key = /Demo company key: (\S+)/.exec(out)?.[1] ?? "";
  const begin = await fetch(`${base}/begin/`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ company_key: key, flags: { liveness: false, document_types: ["passport"] } }),
  });
  const token = (await begin.json()) as string;
  const h = { "x-session-token": token };
  expect((await fetch(`${base}/api/widget/session`, { headers: h })).status).toBe(200);
  await fetch(`${base}/api/widget/consent`, {
    method: "POST",
    headers: { ...h, "content-type": "application/json" },
    body: JSON.stringify({ agree: true }),
  });
  const page = await renderTd3DataPage(SAMPLE_TD3_FIELDS, {
    portrait: fs.readFileSync(path.join(faces, "deepface/img1.jpg")),
  });
  for (const [kind, data] of [
    ["passport", page.png],
    ["face", fs.readFileSync(path.join(faces, "deepface/img2.jpg"))],
  ] as const) {
    const form = new FormData();
    form.append("image", new Blob([new Uint8Array(data)]), "capture");
    const res = await fetch(`${base}/api/widget/captures/${kind}`, {
      method: "POST",
      headers: h,
      body: form,
    });
    expect(res.status).toBe(201);
  }
  await fetch(`${base}/api/widget/submit`, { method: "POST", headers: h });
  let result: { result: string; person: Record<string, unknown> } = { result: "in_progress", person: {} };
  const end = Date.now() + 90_000;
  while (result.result === "in_progress" && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    result = (await (
      await fetch(`${base}/external-api/result/?company_key=${key}&session_token=${token}`)
    ).json()) as typeof result;
  }
  expect(result.result).toBe("approved");
  expect(result.person.last_name).toBe("MUSTERMANN");
}, 150_000);
