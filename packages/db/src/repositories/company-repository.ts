import type { Kysely, Selectable } from "kysely";
import type { CompaniesTable, Database } from "../database-schema.ts";
import { readJson, writeJson } from "./json-column.ts";

/** Per-company settings that do not need their own column (thresholds, branding, …). */
export type CompanySettings = Record<string, unknown>;

export interface CompanyRecord {
  id: string;
  name: string;
  secretKeySealed: string | null;
  hmacRequired: boolean;
  hmacTimestampRequired: boolean;
  callbackUrl: string | null;
  callbackKey: string | null;
  allowedOrigins: string[];
  sessionTtlMinutes: number;
  retentionDays: number | null;
  settings: CompanySettings;
  createdAt: number;
  updatedAt: number;
}

export interface ApiKeyRecord {
  id: string;
  companyId: string;
  keyHash: string;
  keyPrefix: string;
  createdAt: number;
  revokedAt: number | null;
}

export type CompanyPatch = Partial<
  Pick<
    CompanyRecord,
    | "name"
    | "secretKeySealed"
    | "hmacRequired"
    | "hmacTimestampRequired"
    | "callbackUrl"
    | "callbackKey"
    | "allowedOrigins"
    | "sessionTtlMinutes"
    | "retentionDays"
    | "settings"
  >
>;

function toRecord(r: Selectable<CompaniesTable>): CompanyRecord {
  return {
    id: r.id,
    name: r.name,
    secretKeySealed: r.secret_key_sealed,
    hmacRequired: r.hmac_required === 1,
    hmacTimestampRequired: r.hmac_timestamp_required === 1,
    callbackUrl: r.callback_url,
    callbackKey: r.callback_key,
    allowedOrigins: readJson<string[]>(r.allowed_origins, "companies.allowed_origins"),
    sessionTtlMinutes: r.session_ttl_minutes,
    retentionDays: r.retention_days,
    settings: readJson<CompanySettings>(r.settings, "companies.settings"),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRow(p: CompanyPatch): Partial<CompaniesTable> {
  const row: Partial<CompaniesTable> = {};
  if (p.name !== undefined) row.name = p.name;
  if (p.secretKeySealed !== undefined) row.secret_key_sealed = p.secretKeySealed;
  if (p.hmacRequired !== undefined) row.hmac_required = p.hmacRequired ? 1 : 0;
  if (p.hmacTimestampRequired !== undefined) row.hmac_timestamp_required = p.hmacTimestampRequired ? 1 : 0;
  if (p.callbackUrl !== undefined) row.callback_url = p.callbackUrl;
  if (p.callbackKey !== undefined) row.callback_key = p.callbackKey;
  if (p.allowedOrigins !== undefined) row.allowed_origins = writeJson(p.allowedOrigins);
  if (p.sessionTtlMinutes !== undefined) row.session_ttl_minutes = p.sessionTtlMinutes;
  if (p.retentionDays !== undefined) row.retention_days = p.retentionDays;
  if (p.settings !== undefined) row.settings = writeJson(p.settings);
  return row;
}

export function createCompanyRepository(db: Kysely<Database>) {
  return {
    /** Creates a company and its first API key atomically. */
    async insert(company: CompanyRecord, key: ApiKeyRecord): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto("companies")
          .values({
            id: company.id,
            created_at: company.createdAt,
            updated_at: company.updatedAt,
            name: company.name,
            secret_key_sealed: company.secretKeySealed,
            hmac_required: company.hmacRequired ? 1 : 0,
            hmac_timestamp_required: company.hmacTimestampRequired ? 1 : 0,
            callback_url: company.callbackUrl,
            callback_key: company.callbackKey,
            allowed_origins: writeJson(company.allowedOrigins),
            session_ttl_minutes: company.sessionTtlMinutes,
            retention_days: company.retentionDays,
            settings: writeJson(company.settings),
          })
          .execute();
        await trx.insertInto("api_keys").values(keyRow(key)).execute();
      });
    },

    async findById(id: string): Promise<CompanyRecord | null> {
      const r = await db.selectFrom("companies").selectAll().where("id", "=", id).executeTakeFirst();
      return r ? toRecord(r) : null;
    },

    /** The company owning an active (not revoked) key with this hash. */
    async findByApiKeyHash(hash: string): Promise<CompanyRecord | null> {
      const r = await db
        .selectFrom("api_keys")
        .innerJoin("companies", "companies.id", "api_keys.company_id")
        .selectAll("companies")
        .where("api_keys.key_hash", "=", hash)
        .where("api_keys.revoked_at", "is", null)
        .executeTakeFirst();
      return r ? toRecord(r) : null;
    },

    async list(): Promise<CompanyRecord[]> {
      const rows = await db.selectFrom("companies").selectAll().orderBy("created_at").execute();
      return rows.map(toRecord);
    },

    async update(id: string, patch: CompanyPatch, now: number): Promise<CompanyRecord | null> {
      await db
        .updateTable("companies")
        .set({ ...toRow(patch), updated_at: now })
        .where("id", "=", id)
        .execute();
      return this.findById(id);
    },

    async listKeys(companyId: string): Promise<ApiKeyRecord[]> {
      const rows = await db
        .selectFrom("api_keys")
        .selectAll()
        .where("company_id", "=", companyId)
        .orderBy("created_at")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        companyId: r.company_id,
        keyHash: r.key_hash,
        keyPrefix: r.key_prefix,
        createdAt: r.created_at,
        revokedAt: r.revoked_at,
      }));
    },

    async addKey(key: ApiKeyRecord): Promise<void> {
      await db.insertInto("api_keys").values(keyRow(key)).execute();
    },

    /** Revokes every active key of the company and adds `key`, in one transaction. */
    async rotateKey(companyId: string, key: ApiKeyRecord, now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("api_keys")
          .set({ revoked_at: now })
          .where("company_id", "=", companyId)
          .where("revoked_at", "is", null)
          .execute();
        await trx.insertInto("api_keys").values(keyRow(key)).execute();
      });
    },

    async revokeKey(companyId: string, keyId: string, now: number): Promise<boolean> {
      const r = await db
        .updateTable("api_keys")
        .set({ revoked_at: now })
        .where("company_id", "=", companyId)
        .where("id", "=", keyId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}

function keyRow(key: ApiKeyRecord) {
  return {
    id: key.id,
    company_id: key.companyId,
    key_hash: key.keyHash,
    key_prefix: key.keyPrefix,
    created_at: key.createdAt,
    revoked_at: key.revokedAt,
  };
}

export type CompanyRepository = ReturnType<typeof createCompanyRepository>;
