/**
 * `verimat user create` as a real process (the built CLI) on a fresh DATA_DIR, then a login with the
 * printed one-time password and with a password given on stdin, through the app on the same data.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { openRuntime } from "../runtime.ts";
import { createUserCommand } from "./user-commands.ts";

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const bin = path.join(repoRoot, "apps/server/bin/verimat.js");

let dataDir: string;
let env: NodeJS.ProcessEnv;

async function cli(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  if (stdin === undefined) {
    try {
      const r = await run("node", [bin, ...args], { env, cwd: repoRoot });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: err.code ?? 1, out: err.stdout ?? "", err: err.stderr ?? "" };
    }
  }
  return new Promise((resolve) => {
    const child = spawn("node", [bin, ...args], { env, cwd: repoRoot });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("close", (code) => resolve({ code: code ?? 1, out, err }));
    child.stdin.end(stdin);
  });
}

beforeAll(() => {
  if (!fs.existsSync(path.join(repoRoot, "apps/server/dist/cli.js")))
    throw new Error("the CLI is not built: run `node scripts/build.mjs` first");
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-user-cli-"));
  env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "silent", DEMO: "0" };
  for (const k of ["DATABASE_URL", "REDIS_URL", "S3_BUCKET", "MASTER_KEY", "MASTER_KEYS"]) delete env[k];
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("verimat user create", () => {
  it("prints a one-time password or takes one from stdin; refuses duplicates, unknown roles and companies", async () => {
    const company = await cli(["company", "create", "--name", "CLI company"]);
    expect(company.code, company.err).toBe(0);
    const companyId = (JSON.parse(company.out) as { company_id: string }).company_id;

    const admin = await cli([
      "user",
      "create",
      "--company",
      companyId,
      "--email",
      "Root@Example.test",
      "--role",
      "admin",
    ]);
    expect(admin.code, admin.err).toBe(0);
    const made = JSON.parse(admin.out) as {
      email: string;
      role: string;
      password: string;
      company_id: string;
    };
    expect(made).toMatchObject({ email: "root@example.test", role: "admin", company_id: companyId });
    expect(made.password).toMatch(/^[a-zA-Z0-9]{16}$/);

    const op = await cli(
      [
        "user",
        "create",
        "--company",
        companyId,
        "--email",
        "op@example.test",
        "--role",
        "operator",
        "--password-stdin",
      ],
      "chosen password 42\n",
    );
    expect(op.code, op.err).toBe(0);
    expect(JSON.parse(op.out)).not.toHaveProperty("password");

    // The same data through the app: both can log in, and no password is stored in the clear.
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", DEMO: "0" });
    const runtime = await openRuntime(config);
    const app = await buildApp({ config, ...runtime, logger: false });
    try {
      for (const [email, password] of [
        ["root@example.test", made.password],
        ["op@example.test", "chosen password 42"],
      ]) {
        const res = await app.http.inject({
          method: "POST",
          url: "/dashboard/api/login",
          payload: { email, password },
        });
        expect(res.statusCode, res.body).toBe(200);
      }
      const rows = await runtime.database.db.selectFrom("dashboard_users").select("password_hash").execute();
      expect(rows.every((r) => r.password_hash.startsWith("$argon2id$"))).toBe(true);
      // Refusals (in-process: each CLI start costs seconds): duplicate email, unknown role, unknown company.
      const opts = { company: companyId, email: "root@example.test", role: "admin" };
      await expect(createUserCommand(runtime, config, opts)).rejects.toMatchObject({
        code: "DASHBOARD_USER_EXISTS",
      });
      await expect(
        createUserCommand(runtime, config, { ...opts, email: "x@example.test", role: "owner" }),
      ).rejects.toThrow("--role must be admin or operator");
      await expect(
        createUserCommand(runtime, config, { ...opts, email: "y@example.test", company: "0".repeat(24) }),
      ).rejects.toMatchObject({ code: "COMPANY_NOT_FOUND" });
    } finally {
      await app.http.close();
      await runtime.database.close();
      await runtime.closeShared();
    }
  }, 60_000);
});
