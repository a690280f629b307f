/**
 * `verimat` command line: company accounts, keys and configurations, on the same DATA_DIR /
 * DATABASE_URL as the server. Every command prints JSON on stdout; errors go to stderr with exit 1.
 * @module
 */
import fs from "node:fs";
import { isAppError } from "@verimat/core";
import { Command } from "commander";
import {
  callbackServiceFor,
  listCallbacksCommand,
  replayCallbacksCommand,
  rotateCallbackSecretCommand,
  showCallbackCommand,
  testCallbackCommand,
} from "./cli/callback-commands.ts";
import {
  createCompanyCommand,
  createConfigCommand,
  listCompaniesCommand,
  listConfigsCommand,
  rotateKeyCommand,
  type SetOptions,
  setCompanyCommand,
} from "./cli/company-commands.ts";
import { compareCommand, readDocumentCommand } from "./cli/engine-commands.ts";
import { type CreateUserOptions, createUserCommand } from "./cli/user-commands.ts";
import { loadConfig } from "./config.ts";
import { openRuntime, type Runtime } from "./runtime.ts";
import { keyStatus, rotateMasterKey } from "./services/key-rotation.ts";
import { createVault } from "./services/vault.ts";

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<void> {
  const runtime = await openRuntime(loadConfig());
  try {
    const out = await fn(runtime);
    if (Array.isArray(out)) for (const item of out) print(item);
    else print(out);
  } finally {
    await runtime.database.close();
    await runtime.closeShared();
  }
}

const program = new Command("verimat")
  .description("Verimat identity verification service")
  .showHelpAfterError();

const company = program.command("company").description("company accounts and API keys");
company
  .command("create")
  .requiredOption("--name <name>", "company name")
  .option("--hmac", "issue a secret_key; every API call of the company must then be HMAC-signed")
  .action((opts: { name: string; hmac?: boolean }) => withRuntime((rt) => createCompanyCommand(rt, opts)));
company.command("list").action(() => withRuntime((rt) => listCompaniesCommand(rt)));
company
  .command("rotate-key")
  .requiredOption("--company <id>", "company id")
  .action((opts: { company: string }) => withRuntime((rt) => rotateKeyCommand(rt, opts)));
company
  .command("set")
  .requiredOption("--company <id>", "company id")
  .option("--name <name>")
  .option("--callback-url <url>", 'callback URL ("" clears it)')
  .option("--callback-key <key>", "callbackApiKey sent in callback bodies")
  .option("--allowed-origins <origins>", "comma-separated origins allowed to embed the widget")
  .option("--session-ttl <minutes>", "minutes a new session token stays openable (default 15)")
  .option("--retention-days <n>", "days to keep session data")
  .option("--hmac-timestamp <on|off>", "require the signed Verimat-Timestamp header (replay guard)")
  .action((opts: SetOptions) => withRuntime((rt) => setCompanyCommand(rt, opts)));

const callback = program.command("callback").description("callback events: history, replay, signing secret");
const withCallbacks = <T>(fn: (c: ReturnType<typeof callbackServiceFor>) => Promise<T>) =>
  withRuntime((rt) => fn(callbackServiceFor(rt, loadConfig())));
callback
  .command("list")
  .description("a company's callback events, newest first")
  .requiredOption("--company <id>", "company id")
  .option("--session <token>", "only this session's events")
  .option("--status <status>", "pending, delivered or failed")
  .option("--limit <n>", "at most this many (default 50)")
  .action((opts: { company: string; session?: string; status?: string; limit?: string }) =>
    withCallbacks((c) => listCallbacksCommand(c, opts)),
  );
callback
  .command("show")
  .description("one event: its body and every delivery attempt (status, latency, response excerpt)")
  .argument("<event-id>")
  .action((id: string) => withCallbacks((c) => showCallbackCommand(c, id)));
callback
  .command("replay")
  .description("send events again (same id and body), e.g. after fixing the receiver")
  .argument("[event-ids...]")
  .option("--company <id>", "company id (required with --failed)")
  .option("--failed", "every failed event of the company")
  .action((ids: string[], opts: { company?: string; failed?: boolean }) =>
    withCallbacks((c) => replayCallbacksCommand(c, { ids, ...opts })),
  );
callback
  .command("rotate-secret")
  .description("new callback signing secret (shown once); the old one is still sent for 24 h")
  .requiredOption("--company <id>", "company id")
  .action((opts: { company: string }) => withCallbacks((c) => rotateCallbackSecretCommand(c, opts)));
callback
  .command("test")
  .description('enqueue a "ping" event to the company\'s callback URL')
  .requiredOption("--company <id>", "company id")
  .action((opts: { company: string }) => withCallbacks((c) => testCallbackCommand(c, opts)));

const keys = program
  .command("keys")
  .description("encryption at rest: master-key rotation and company data keys");
keys
  .command("status")
  .description("company keys per master key id, and whether a rotation is complete")
  .action(() =>
    withRuntime((rt) => keyStatus({ db: rt.database.db, masterKeys: rt.masterKeys, clock: rt.clock })),
  );
keys
  .command("rotate")
  .description(
    "re-wrap company keys and re-seal secrets under the first MASTER_KEYS key (safe while serving)",
  )
  .action(() =>
    withRuntime((rt) => rotateMasterKey({ db: rt.database.db, masterKeys: rt.masterKeys, clock: rt.clock })),
  );
keys
  .command("rotate-company")
  .description("start a new data-key version for a company (new sessions use it; older ones keep theirs)")
  .requiredOption("--company <id>", "company id")
  .action((opts: { company: string }) =>
    withRuntime(async (rt) => ({
      company_id: opts.company,
      data_key_version: await createVault({
        db: rt.database.db,
        masterKeys: rt.masterKeys,
        clock: rt.clock,
      }).rotateCompanyDataKey(opts.company),
    })),
  );

const user = program.command("user").description("dashboard accounts");
user
  .command("create")
  .description("a dashboard user of a company; prints a one-time password unless --password-stdin")
  .requiredOption("--company <id>", "company id")
  .requiredOption("--email <email>", "login email")
  .requiredOption("--role <role>", "admin (everything) or operator (view and review sessions)")
  .option("--password-stdin", "read the password from stdin (at least 10 characters)")
  .action((opts: CreateUserOptions) => withRuntime((rt) => createUserCommand(rt, loadConfig(), opts)));

const config = program.command("config").description("saved session configurations (config_id)");
config
  .command("create")
  .requiredOption("--company <id>", "company id")
  .requiredOption("--file <path>", "JSON file with { name, flags, steps }")
  .action((opts: { company: string; file: string }) =>
    withRuntime((rt) => createConfigCommand(rt, { company: opts.company, json: readJsonFile(opts.file) })),
  );
config
  .command("list")
  .requiredOption("--company <id>", "company id")
  .action((opts: { company: string }) => withRuntime((rt) => listConfigsCommand(rt, opts)));

program
  .command("serve")
  .description("serve the API and the widget only (verification runs in worker processes)")
  .action(() => startRole("serve"));
program
  .command("worker")
  .description("run verification jobs only (threads: VERIFY_THREADS, default one per CPU)")
  .action(() => startRole("worker"));
program
  .command("start")
  .description("serve and verify in one process (what npm start runs)")
  .action(() => startRole("all"));

async function startRole(role: "all" | "serve" | "worker"): Promise<void> {
  const { runProcess } = await import("./run-process.ts");
  await runProcess(role);
}

program
  .command("compare")
  .description("face match of image pairs: one JSON line per pair {path_a, path_b, similarity, match}")
  .requiredOption("--pairs <file.csv>", "CSV with columns path_a,path_b (paths relative to the file)")
  .action((opts: { pairs: string }) => compareCommand(opts, print));
program
  .command("read-document")
  .description("read identity documents: one JSON line per file {file, document_type, mrz, person}")
  .argument("<files...>", "image files")
  .action((files: string[]) => readDocumentCommand(files, print));

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${file} as JSON: ${(err as Error).message}`);
  }
}

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = isAppError(err)
    ? `${err.code}: ${err.publicMessage}`
    : err instanceof Error
      ? err.message
      : String(err);
  process.stderr.write(`verimat: ${message}\n`);
  process.exitCode = 1;
});
