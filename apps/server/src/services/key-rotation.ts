/**
 * Master-key rotation without downtime (`verimat keys rotate`):
 *   1. put the new key first in MASTER_KEYS, keep the old one after it, restart processes one by one
 *      (each accepts both keys; new wraps use the new key);
 *   2. run `verimat keys rotate`: re-wraps every company key and re-seals every stored secret under
 *      the new key (compare-and-set per row, safe while serving, idempotent);
 *   3. when `verimat keys status` shows nothing left under the old key, drop it from MASTER_KEYS.
 * Session keys and sealed data are not touched: they hang off the company keys.
 * @module
 */
import { type Clock, createKeyringSecretBox, type MasterKeyring } from "@verimat/core";
import type { Database } from "@verimat/db";
import type { Kysely } from "kysely";
import { createVault } from "./vault.ts";

export interface KeyStatus {
  activeMasterKeyId: string;
  configuredMasterKeyIds: string[];
  /** Company keys per wrapping master key id. */
  companyKeys: Record<string, number>;
  /** Stored secrets (HMAC secret keys, callback secrets) not yet sealed under the active key. */
  secretsNotUnderActiveKey: number;
  /** True when nothing depends on a master key other than the active one. */
  rotationComplete: boolean;
}

export async function keyStatus(deps: { db: Kysely<Database>; masterKeys: MasterKeyring; clock: Clock }) {
  const { db, masterKeys } = deps;
  const box = createKeyringSecretBox(masterKeys);
  const counts = await createVault(deps).countByMasterKey();
  let stale = 0;
  for (const s of await storedSecrets(db)) if (!box.isCurrent(s.sealed)) stale++;
  const companyKeys = Object.fromEntries(counts.map((c) => [c.masterKeyId, c.count]));
  const status: KeyStatus = {
    activeMasterKeyId: masterKeys.active.id,
    configuredMasterKeyIds: masterKeys.all.map((k) => k.id),
    companyKeys,
    secretsNotUnderActiveKey: stale,
    rotationComplete: stale === 0 && counts.every((c) => c.masterKeyId === masterKeys.active.id),
  };
  return status;
}

async function storedSecrets(db: Kysely<Database>) {
  const out: { kind: "company" | "callback" | "callback-previous"; companyId: string; sealed: string }[] = [];
  for (const r of await db.selectFrom("companies").select(["id", "secret_key_sealed"]).execute()) {
    if (r.secret_key_sealed) out.push({ kind: "company", companyId: r.id, sealed: r.secret_key_sealed });
  }
  for (const r of await db
    .selectFrom("callback_secrets")
    .select(["company_id", "secret_sealed", "previous_sealed"])
    .execute()) {
    out.push({ kind: "callback", companyId: r.company_id, sealed: r.secret_sealed });
    if (r.previous_sealed)
      out.push({ kind: "callback-previous", companyId: r.company_id, sealed: r.previous_sealed });
  }
  return out;
}

/**
 * Re-wraps company keys and re-seals stored secrets under the active master key.
 * @returns how many of each were rewritten, and the status afterwards.
 */
export async function rotateMasterKey(deps: {
  db: Kysely<Database>;
  masterKeys: MasterKeyring;
  clock: Clock;
}) {
  const { db, masterKeys } = deps;
  const box = createKeyringSecretBox(masterKeys);
  const companyKeys = await createVault(deps).rewrapCompanyKeys();
  let secrets = 0;
  for (const s of await storedSecrets(db)) {
    if (box.isCurrent(s.sealed)) continue;
    const resealed = box.seal(box.open(s.sealed));
    // Compare-and-set on the old value: a secret changed meanwhile is already under the active key.
    await db.transaction().execute(async (trx) => {
      if (s.kind === "company") {
        const r = await trx
          .updateTable("companies")
          .set({ secret_key_sealed: resealed })
          .where("id", "=", s.companyId)
          .where("secret_key_sealed", "=", s.sealed)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 1) secrets++;
        // The callback service tells a changed secret by its sealed text: keep its copy identical.
        await trx
          .updateTable("callback_secrets")
          .set({ secret_sealed: resealed })
          .where("company_id", "=", s.companyId)
          .where("secret_sealed", "=", s.sealed)
          .execute();
      } else {
        const column = s.kind === "callback" ? "secret_sealed" : "previous_sealed";
        const r = await trx
          .updateTable("callback_secrets")
          .set({ [column]: resealed })
          .where("company_id", "=", s.companyId)
          .where(column, "=", s.sealed)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 1) secrets++;
      }
    });
  }
  return { companyKeys, secrets, status: await keyStatus(deps) };
}

/**
 * Start-up check: refuses to run when stored company keys were wrapped by a master key that is not
 * configured (a rotation that dropped the old key too early, or a wrong MASTER_KEY), instead of
 * starting and failing on every read. @throws Error naming the missing key ids.
 */
export async function assertMasterKeysCoverStoredKeys(db: Kysely<Database>, masterKeys: MasterKeyring) {
  const rows = await db.selectFrom("company_keys").select("master_key_id").distinct().execute();
  const missing = rows.map((r) => r.master_key_id).filter((id) => !masterKeys.get(id));
  if (missing.length > 0) {
    throw new Error(
      `stored keys are wrapped by master key(s) ${missing.join(", ")}, which are not configured; ` +
        "add them to MASTER_KEYS (after the active key) and run `verimat keys rotate` before removing them",
    );
  }
}
