/**
 * Rows of the key hierarchy (migration 0006): wrapped company keys, wrapped session keys, and the
 * blind index. Holds only wrapped keys and HMAC digests; wrapping and unwrapping happen in the vault
 * (apps/server/src/services/vault.ts).
 * @module
 */
import type { Kysely } from "kysely";
import type { Database } from "../database-schema.ts";

export type CompanyKeyPurpose = "data" | "index";

export interface CompanyKeyRecord {
  companyId: string;
  purpose: CompanyKeyPurpose;
  version: number;
  masterKeyId: string;
  wrapped: string;
  createdAt: number;
}

export interface SessionKeyRecord {
  sessionToken: string;
  companyId: string;
  dataKeyVersion: number;
  wrapped: string;
}

export function createKeyRepository(db: Kysely<Database>) {
  return {
    /** The newest version of a company key, or null before the first one exists. */
    async latestCompanyKey(companyId: string, purpose: CompanyKeyPurpose): Promise<CompanyKeyRecord | null> {
      const r = await db
        .selectFrom("company_keys")
        .selectAll()
        .where("company_id", "=", companyId)
        .where("purpose", "=", purpose)
        .orderBy("version", "desc")
        .executeTakeFirst();
      return r ? toCompanyKey(r) : null;
    },

    async companyKey(companyId: string, purpose: CompanyKeyPurpose, version: number) {
      const r = await db
        .selectFrom("company_keys")
        .selectAll()
        .where("company_id", "=", companyId)
        .where("purpose", "=", purpose)
        .where("version", "=", version)
        .executeTakeFirst();
      return r ? toCompanyKey(r) : null;
    },

    /**
     * Inserts a company key version unless that version exists (two processes creating the first key
     * at once: one row wins, both read it back). @returns whether this call inserted it.
     */
    async insertCompanyKey(k: CompanyKeyRecord): Promise<boolean> {
      const r = await db
        .insertInto("company_keys")
        .values({
          company_id: k.companyId,
          purpose: k.purpose,
          version: k.version,
          master_key_id: k.masterKeyId,
          wrapped: k.wrapped,
          created_at: k.createdAt,
        })
        .onConflict((oc) => oc.columns(["company_id", "purpose", "version"]).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    /** Company keys not wrapped by `masterKeyId` (what a master-key rotation still has to re-wrap). */
    async listCompanyKeysNotWrappedBy(masterKeyId: string, limit: number): Promise<CompanyKeyRecord[]> {
      const rows = await db
        .selectFrom("company_keys")
        .selectAll()
        .where("master_key_id", "!=", masterKeyId)
        .limit(limit)
        .execute();
      return rows.map(toCompanyKey);
    },

    /** Replaces a wrap only if it is still the one read (compare-and-set: concurrent rotations agree). */
    async rewrapCompanyKey(k: CompanyKeyRecord, masterKeyId: string, wrapped: string): Promise<boolean> {
      const r = await db
        .updateTable("company_keys")
        .set({ master_key_id: masterKeyId, wrapped })
        .where("company_id", "=", k.companyId)
        .where("purpose", "=", k.purpose)
        .where("version", "=", k.version)
        .where("wrapped", "=", k.wrapped)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Company keys per wrapping master key id. */
    async countByMasterKey(): Promise<{ masterKeyId: string; count: number }[]> {
      const rows = await db
        .selectFrom("company_keys")
        .select(["master_key_id", db.fn.countAll<number>().as("n")])
        .groupBy("master_key_id")
        .execute();
      return rows.map((r) => ({ masterKeyId: r.master_key_id, count: Number(r.n) }));
    },

    async sessionKey(sessionToken: string): Promise<SessionKeyRecord | null> {
      const r = await db
        .selectFrom("session_keys")
        .selectAll()
        .where("session_token", "=", sessionToken)
        .executeTakeFirst();
      return r
        ? {
            sessionToken: r.session_token,
            companyId: r.company_id,
            dataKeyVersion: r.data_key_version,
            wrapped: r.wrapped,
          }
        : null;
    },

    /**
     * Stores a session key unless the session already has one (first writer wins; the caller reads
     * back). Fails on the foreign key when the session no longer exists.
     */
    async insertSessionKey(k: SessionKeyRecord, now: number): Promise<void> {
      await db
        .insertInto("session_keys")
        .values({
          session_token: k.sessionToken,
          company_id: k.companyId,
          data_key_version: k.dataKeyVersion,
          wrapped: k.wrapped,
          created_at: now,
        })
        .onConflict((oc) => oc.column("session_token").doNothing())
        .execute();
    },

    /** Crypto-shredding: without this row the session's sealed fields and media cannot be opened. */
    async deleteSessionKey(sessionToken: string): Promise<void> {
      await db.deleteFrom("session_keys").where("session_token", "=", sessionToken).execute();
    },

    /** Replaces a session's blind-index digests (written with its verification). */
    async replaceSearchDigests(
      sessionToken: string,
      companyId: string,
      entries: readonly { field: string; digest: string }[],
    ): Promise<void> {
      await db.deleteFrom("session_search").where("session_token", "=", sessionToken).execute();
      if (entries.length === 0) return;
      await db
        .insertInto("session_search")
        .values(
          entries.map((e) => ({
            session_token: sessionToken,
            company_id: companyId,
            field: e.field,
            digest: e.digest,
          })),
        )
        .onConflict((oc) => oc.columns(["session_token", "digest"]).doNothing())
        .execute();
    },

    /**
     * Session tokens of the company whose blind index holds every one of `digests` (AND), newest first.
     * The digests come from `searchBlindIndex` in @verimat/core under the company's index key.
     */
    async findByBlindIndex(companyId: string, digests: readonly string[], limit = 100): Promise<string[]> {
      if (digests.length === 0) return [];
      const unique = [...new Set(digests)];
      const rows = await db
        .selectFrom("session_search as x")
        .innerJoin("sessions as s", "s.token", "x.session_token")
        .select(["x.session_token", "s.created_at"])
        .where("x.company_id", "=", companyId)
        .where("x.digest", "in", unique)
        .groupBy(["x.session_token", "s.created_at"])
        .having((eb) => eb.fn.count("x.digest").distinct(), "=", unique.length)
        .orderBy("s.created_at", "desc")
        .limit(limit)
        .execute();
      return rows.map((r) => r.session_token);
    },
  };
}

function toCompanyKey(r: {
  company_id: string;
  purpose: string;
  version: number;
  master_key_id: string;
  wrapped: string;
  created_at: number;
}): CompanyKeyRecord {
  return {
    companyId: r.company_id,
    purpose: r.purpose === "index" ? "index" : "data",
    version: r.version,
    masterKeyId: r.master_key_id,
    wrapped: r.wrapped,
    createdAt: r.created_at,
  };
}

export type KeyRepository = ReturnType<typeof createKeyRepository>;
