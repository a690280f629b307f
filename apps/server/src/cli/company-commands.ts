import { createKeyringSecretBox } from "@verimat/core";
import { createRepositories } from "@verimat/db";
import { loadConfig } from "../config.ts";
import type { Runtime } from "../runtime.ts";
import {
  type CompanySettingsInput,
  createCompanyService,
  publicCompany,
} from "../services/company-service.ts";
import { type ConfigurationInput, createConfigurationService } from "../services/configuration-service.ts";
import { callbackServiceFor, signingSecretAfterUrlSet } from "./callback-commands.ts";

export function companyServiceFor(runtime: Runtime) {
  return createCompanyService({
    companies: createRepositories(runtime.database.db).companies,
    secretBox: createKeyringSecretBox(runtime.masterKeys),
    clock: runtime.clock,
  });
}

export async function createCompanyCommand(
  runtime: Runtime,
  opts: { name: string; hmac?: boolean },
): Promise<unknown> {
  return companyServiceFor(runtime).create({ name: opts.name, hmac: opts.hmac === true });
}

export async function listCompaniesCommand(runtime: Runtime): Promise<unknown[]> {
  return (await companyServiceFor(runtime).list()).map(publicCompany);
}

export async function rotateKeyCommand(runtime: Runtime, opts: { company: string }): Promise<unknown> {
  return companyServiceFor(runtime).rotateKey(opts.company);
}

export interface SetOptions {
  company: string;
  name?: string;
  callbackUrl?: string;
  callbackKey?: string;
  allowedOrigins?: string;
  sessionTtl?: string;
  retentionDays?: string;
  hmacTimestamp?: string;
}

function intOption(v: string, name: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`--${name} must be a whole number`);
  return Number(v);
}

export async function setCompanyCommand(runtime: Runtime, opts: SetOptions): Promise<unknown> {
  const input: CompanySettingsInput = {};
  if (opts.name !== undefined) input.name = opts.name;
  // An empty value clears a setting: --callback-url ""
  if (opts.callbackUrl !== undefined) input.callbackUrl = opts.callbackUrl === "" ? null : opts.callbackUrl;
  if (opts.callbackKey !== undefined) input.callbackKey = opts.callbackKey === "" ? null : opts.callbackKey;
  if (opts.allowedOrigins !== undefined) input.allowedOrigins = opts.allowedOrigins.split(",");
  if (opts.sessionTtl !== undefined) input.sessionTtlMinutes = intOption(opts.sessionTtl, "session-ttl");
  if (opts.retentionDays !== undefined) {
    input.retentionDays = opts.retentionDays === "" ? null : intOption(opts.retentionDays, "retention-days");
  }
  if (opts.hmacTimestamp !== undefined)
    input.hmacTimestampRequired = ["1", "true", "on", "yes"].includes(opts.hmacTimestamp);
  const company = publicCompany(await companyServiceFor(runtime).update(opts.company, input));
  // A callback URL needs a signing secret: a company without an HMAC secret_key gets one, printed this once.
  if (input.callbackUrl) {
    const callbacks = callbackServiceFor(runtime, loadConfig());
    return { ...company, ...(await signingSecretAfterUrlSet(callbacks, opts.company)) };
  }
  return company;
}

/** Saves a `config_id` configuration from a JSON file `{ name?, flags?, steps? }`, validated as begin/ would. */
export async function createConfigCommand(
  runtime: Runtime,
  opts: { company: string; json: unknown },
): Promise<unknown> {
  await companyServiceFor(runtime).require(opts.company);
  const doc = opts.json;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new Error("the configuration file must hold a JSON object");
  const rec = await configurationServiceFor(runtime).create(opts.company, doc as ConfigurationInput);
  return { config_id: rec.id };
}

export async function listConfigsCommand(runtime: Runtime, opts: { company: string }): Promise<unknown> {
  const list = await configurationServiceFor(runtime).list(opts.company);
  return list.map((c) => ({ config_id: c.id, name: c.name, flags: c.flags, steps: c.steps }));
}

function configurationServiceFor(runtime: Runtime) {
  return createConfigurationService({
    configurations: createRepositories(runtime.database.db).configurations,
    clock: runtime.clock,
  });
}
