/**
 * The real thing: `npm start` (the README's start command) on an empty DATA_DIR, driven over HTTP,
 * with the CLI working on the same data; then a graceful SIGTERM.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { signBody } from "@verimat/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

describe("the started service", () => {
  let child: ChildProcess;
  let base: string;
  let stdout = "";
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-e2e-"));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      PUBLIC_URL: base,
      LOG_LEVEL: "info",
    };
    child = spawn("npm", ["start", "--silent"], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    const deadline = Date.now() + 60_000;
    while (!stdout.includes("Demo page:")) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`service did not start:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 90_000);

  afterAll(async () => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const demoKey = () => /Demo company key: (\S+)/.exec(stdout)?.[1] ?? "";

  it("prints the demo company's key and page on first start, and serves the page", async () => {
    expect(demoKey()).toMatch(/^[0-9a-f]{24}_[0-9a-f]{40}$/);
    const res = await fetch(`${base}/demo`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("/demo/start?mode=iframe");
  });

  it("runs begin → widget → result over real HTTP", async () => {
    const begin = await fetch(`${base}/external-api/begin/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        company_key: demoKey(),
        flags: { liveness: true, return_url: "https://shop.example/back" },
      }),
    });
    expect(begin.status).toBe(200);
    const token = (await begin.json()) as string;
    expect(token).toMatch(/^[0-9a-z]{40}$/);
    const widget = await fetch(`${base}/?session_token=${token}`);
    expect(widget.status).toBe(200);
    expect(await widget.text()).toContain("identity-document");
    const result = await fetch(
      `${base}/external-api/result/?company_key=${demoKey()}&session_token=${token}`,
    );
    const body = (await result.json()) as { result: string; technicalDetails: { remoteAddress: string } };
    expect(body.result).toBe("in_progress");
    expect(body.technicalDetails.remoteAddress).toBe("127.0.0.1");
  });

  it("follows the demo's redirect flow through the API", async () => {
    const res = await fetch(`${base}/demo/start?mode=redirect`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(new RegExp(`^${base}/\\?session_token=[0-9a-z]{40}$`));
  });

  it("works with companies made by the CLI on the same data, including HMAC", async () => {
    const bin = path.join(repoRoot, "apps/server/bin/verimat.js");
    const { stdout: out } = await run("node", [bin, "company", "create", "--name", "Bank", "--hmac"], {
      env,
    });
    const created = JSON.parse(out) as { company_id: string; company_key: string; secret_key: string };
    expect(Object.keys(created).sort()).toEqual(["company_id", "company_key", "secret_key"]);
    const body = JSON.stringify({ company_key: created.company_key });
    const unsigned = await fetch(`${base}/begin/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(unsigned.status).toBe(401);
    const signed = await fetch(`${base}/begin/`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `signature="${signBody(created.secret_key, body)}"`,
      },
      body,
    });
    expect(signed.status).toBe(200);
    const text = await signed.text();
    expect(signed.headers.get("authorization")).toBe(`signature="${signBody(created.secret_key, text)}"`);

    const { stdout: rotated } = await run(
      "node",
      [bin, "company", "rotate-key", "--company", created.company_id],
      { env },
    );
    const newKey = (JSON.parse(rotated) as { company_key: string }).company_key;
    expect(newKey).not.toBe(created.company_key);
    // Another process (the CLI) revoked it: every API process stops accepting it within a second.
    const revokedAt = Date.now();
    let answer: unknown;
    do {
      await new Promise((r) => setTimeout(r, 100));
      const old = await fetch(`${base}/begin/`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `signature="${signBody(created.secret_key, body)}"`,
        },
        body,
      });
      answer = await old.json();
    } while (answer !== "COMPANY_KEY_INVALID" && Date.now() - revokedAt < 3_000);
    expect(answer).toBe("COMPANY_KEY_INVALID");
    expect(Date.now() - revokedAt).toBeLessThan(2_000);

    const { stdout: set } = await run(
      "node",
      [
        bin,
        "company",
        "set",
        "--company",
        created.company_id,
        "--callback-url",
        "https://bank.example/hook",
        "--allowed-origins",
        "https://bank.example,https://app.bank.example",
        "--session-ttl",
        "30",
        "--retention-days",
        "90",
      ],
      { env },
    );
    expect(JSON.parse(set)).toMatchObject({
      callback_url: "https://bank.example/hook",
      allowed_origins: ["https://bank.example", "https://app.bank.example"],
      session_ttl_minutes: 30,
      retention_days: 90,
    });
    const list = (await run("node", [bin, "company", "list"], { env })).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { name: string });
    expect(list.map((c) => c.name)).toEqual(["Demo company", "Bank"]);
    await expect(
      run("node", [bin, "company", "set", "--company", "nope", "--session-ttl", "5"], { env }),
    ).rejects.toMatchObject({ code: 1 });

    const cfgFile = path.join(dataDir, "cfg.json");
    fs.writeFileSync(
      cfgFile,
      JSON.stringify({
        name: "Passport only",
        flags: { document_types: ["passport"] },
        steps: [{ type: "liveness" }],
      }),
    );
    const { stdout: cfgOut } = await run(
      "node",
      [bin, "config", "create", "--company", created.company_id, "--file", cfgFile],
      { env },
    );
    expect(JSON.parse(cfgOut)).toHaveProperty("config_id");
  }, 60_000);

  it("never logs the keys or tokens it handled", () => {
    expect(
      stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .join("\n"),
    ).not.toContain(demoKey());
  });

  it("shuts down gracefully on SIGTERM", { timeout: 30_000 }, async () => {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // The whole process group, as a supervisor would: npm, its shell and the node server.
    if (child.pid) process.kill(-child.pid, "SIGTERM");
    await exited;
    // npm exits as soon as it has passed the signal on; the server finishes running work (a model
    // load still under way on a busy machine) first, within its 15 s limit.
    const deadline = Date.now() + 20_000;
    while (!stdout.includes("verimat stopped") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stdout).toContain("shutting down");
    expect(stdout).toContain("verimat stopped");
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
