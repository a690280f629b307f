/**
 * Corrected findings written the way `sessions.transition` writes them under encryption at rest:
 * personal fields sealed under the session's key and the blind index refreshed, in one transaction,
 * with compare-and-set on the session's version.
 * @module
 */

import type { Clock } from "@verimat/core";
import { createKeyRepository, createRepositories, type Database, type SessionRecord } from "@verimat/db";
import type { Kysely } from "kysely";
import type { Vault } from "../services/vault.ts";

export function sealedFindingsWriter(deps: { db: Kysely<Database>; vault: Vault; clock: Clock }) {
  return async (
    s: SessionRecord,
    verification: Record<string, unknown>,
    /** More rows to write in the same transaction (the audit entry). */
    alsoWrite?: (trx: Kysely<Database>) => Promise<void>,
  ): Promise<boolean> => {
    const sealed = await deps.vault.sealPatch(s, { verification });
    return deps.db.transaction().execute(async (trx) => {
      const ok = await createRepositories(trx).sessions.update(
        s.token,
        s.version,
        sealed.patch,
        deps.clock.now(),
      );
      if (ok && sealed.search)
        await createKeyRepository(trx).replaceSearchDigests(s.token, s.companyId, sealed.search);
      if (ok) await alsoWrite?.(trx);
      return ok;
    });
  };
}
