/**
 * `verimat callback …`: the callback history of a company, one event with its attempts, replays, the
 * signing secret, a test event. Deliveries themselves happen in the server's worker processes; the
 * CLI only writes events and jobs to the shared queue (the database table, or BullMQ with REDIS_URL).
 * @module
 */
import { createKeyringSecretBox } from "@verimat/core";
import type { JobQueue } from "@verimat/jobs";
import { type CallbackService, createCallbackService } from "../callbacks/index.ts";
import type { Config } from "../config.ts";
import { type Runtime, runtimeJobQueue } from "../runtime.ts";
import { createVault } from "../services/vault.ts";

export function callbackServiceFor(
  runtime: Runtime,
  config: Readonly<Config>,
  jobs?: JobQueue,
): CallbackService {
  return createCallbackService({
    db: runtime.database.db,
    // The same queue as serve/worker (BullMQ with REDIS_URL): a replay must reach the workers.
    jobs: jobs ?? runtimeJobQueue(runtime),
    secretBox: createKeyringSecretBox(runtime.masterKeys),
    vault: createVault({ db: runtime.database.db, masterKeys: runtime.masterKeys, clock: runtime.clock }),
    clock: runtime.clock,
    allowPrivate: config.allowPrivateCallbacks,
    timeoutMs: config.callbackTimeoutMs,
  });
}

const STATUSES = ["pending", "delivered", "failed"] as const;

export async function listCallbacksCommand(
  callbacks: CallbackService,
  opts: { company: string; session?: string; status?: string; limit?: string },
): Promise<unknown[]> {
  const status = opts.status === undefined ? undefined : STATUSES.find((s) => s === opts.status);
  if (opts.status !== undefined && status === undefined)
    throw new Error(`--status must be one of ${STATUSES.join(", ")}`);
  if (opts.limit !== undefined && !/^\d+$/.test(opts.limit))
    throw new Error("--limit must be a whole number");
  return callbacks.listEvents(opts.company, {
    ...(opts.session !== undefined ? { sessionId: opts.session } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(opts.limit !== undefined ? { limit: Number(opts.limit) } : {}),
  });
}

export async function showCallbackCommand(callbacks: CallbackService, eventId: string): Promise<unknown> {
  const e = await callbacks.getEvent(eventId);
  if (!e) throw new Error(`no callback event ${eventId}`);
  return e;
}

/** Replays the given events, or with --failed every failed event of the company (newest 1000). */
export async function replayCallbacksCommand(
  callbacks: CallbackService,
  opts: { ids: string[]; company?: string; failed?: boolean },
): Promise<unknown[]> {
  const ids = [...opts.ids];
  if (opts.failed) {
    if (opts.company === undefined) throw new Error("--failed needs --company");
    const failed = await callbacks.listEvents(opts.company, { status: "failed", limit: 1_000 });
    ids.push(...failed.map((e) => e.event_id));
  }
  if (ids.length === 0) throw new Error("name event ids, or use --company <id> --failed");
  const out: unknown[] = [];
  for (const id of ids) out.push(await callbacks.replay(id, opts.company));
  return out;
}

export async function rotateCallbackSecretCommand(
  callbacks: CallbackService,
  opts: { company: string },
): Promise<unknown> {
  const secret = await callbacks.rotateSigningSecret(opts.company);
  return { company_id: opts.company, callback_signing_secret: secret, previous_secret_valid_hours: 24 };
}

export async function testCallbackCommand(
  callbacks: CallbackService,
  opts: { company: string },
): Promise<unknown> {
  const id = await callbacks.enqueue(opts.company, {
    type: "ping",
    data: { message: "Test event from verimat" },
  });
  if (id === null)
    throw new Error("the company has no callback URL (verimat company set --callback-url <url>)");
  return { event_id: id, status: "pending" };
}

/**
 * After `company set --callback-url`: a company without an HMAC secret_key gets a callback signing
 * secret, printed this once.
 */
export async function signingSecretAfterUrlSet(
  callbacks: CallbackService,
  companyId: string,
): Promise<{ callback_signing_secret?: string }> {
  const secret = await callbacks.ensureSigningSecret(companyId);
  return secret === null ? {} : { callback_signing_secret: secret };
}
