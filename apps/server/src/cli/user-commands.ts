/**
 * `verimat user create`: dashboard accounts from the command line (the bootstrap of the first admin).
 * @module
 */
import { createDashboardRepository } from "@verimat/db";
import type { Config } from "../config.ts";
import { createUserService, isDashboardRole, publicUser } from "../dashboard/user-service.ts";
import type { Runtime } from "../runtime.ts";
import { companyServiceFor } from "./company-commands.ts";

export interface CreateUserOptions {
  company: string;
  email: string;
  role: string;
  /** Read the password from stdin instead of generating a one-time password. */
  passwordStdin?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  // One trailing newline is the terminator of `echo`/a here-string, not part of the password.
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/**
 * Creates a user of an existing company. Prints the user, and the generated one-time password unless
 * one was given on stdin (it is shown this once; only its argon2id hash is stored).
 */
export async function createUserCommand(
  runtime: Runtime,
  config: Readonly<Config>,
  opts: CreateUserOptions,
): Promise<unknown> {
  if (!isDashboardRole(opts.role)) throw new Error("--role must be admin or operator");
  await companyServiceFor(runtime).require(opts.company);
  const users = createUserService({
    repo: createDashboardRepository(runtime.database.db),
    clock: runtime.clock,
    ...config.dashboard,
  });
  const password = opts.passwordStdin ? await readStdin() : undefined;
  const made = await users.create({ companyId: opts.company, email: opts.email, role: opts.role, password });
  return { ...publicUser(made.user), ...(made.password ? { password: made.password } : {}) };
}
