/**
 * Companies and their credentials. The company_key is shown once and stored only as a hash; the HMAC
 * secret_key is sealed with the master key because verifying a MAC needs the secret itself.
 * @module
 */
import { randomBytes } from "node:crypto";
import { AppError, type Clock, hashApiKey, randomHexId, type SecretBox } from "@verimat/core";
import type { ApiKeyRecord, CompanyPatch, CompanyRecord, CompanyRepository } from "@verimat/db";

export interface CreatedCompany {
  company_id: string;
  company_key: string;
  secret_key?: string;
}

export interface CompanySettingsInput {
  name?: string;
  callbackUrl?: string | null;
  callbackKey?: string | null;
  allowedOrigins?: string[];
  sessionTtlMinutes?: number;
  retentionDays?: number | null;
  hmacTimestampRequired?: boolean;
  settings?: Record<string, unknown>;
}

/** `<company id>_<40 hex>`: the observed Identomat key shape; clients treat it as opaque. */
function newApiKey(companyId: string, now: number): { raw: string; record: ApiKeyRecord } {
  const raw = `${companyId}_${randomBytes(20).toString("hex")}`;
  return {
    raw,
    record: {
      id: randomHexId(),
      companyId,
      keyHash: hashApiKey(raw),
      keyPrefix: raw.slice(0, 32),
      createdAt: now,
      revokedAt: null,
    },
  };
}

function validOrigin(o: string): boolean {
  try {
    const u = new URL(o);
    return (u.protocol === "https:" || u.protocol === "http:") && u.origin === o.replace(/\/$/, "");
  } catch {
    return false;
  }
}

function validHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}

export interface CompanyServiceDeps {
  companies: CompanyRepository;
  secretBox: SecretBox;
  clock: Clock;
  /**
   * How long an authenticated key's company stays cached. Every API call authenticates, so this
   * takes a query off the hot path; a change made in this process clears the cache at once, a change
   * made by another process (the CLI, another API node) is seen within this time.
   * @default 1000
   */
  authCacheMs?: number;
}

export function createCompanyService(deps: CompanyServiceDeps) {
  const { companies, secretBox, clock } = deps;
  const authCacheMs = deps.authCacheMs ?? 1_000;
  const authCache = new Map<string, { company: CompanyRecord; until: number }>();
  const secretCache = new Map<string, string>();
  const invalidate = () => {
    authCache.clear();
    secretCache.clear();
  };
  return {
    async create(input: { name: string; hmac: boolean }): Promise<CreatedCompany> {
      const name = input.name.trim();
      if (!name || name.length > 200)
        throw new AppError("COMPANY_SETTING_INVALID", { message: "name must be 1–200 characters" });
      const now = clock.now();
      const id = randomHexId();
      const key = newApiKey(id, now);
      const secret = input.hmac ? randomBytes(32).toString("base64url") : undefined;
      const company: CompanyRecord = {
        id,
        name,
        secretKeySealed: secret ? secretBox.seal(secret) : null,
        hmacRequired: input.hmac,
        hmacTimestampRequired: false,
        callbackUrl: null,
        callbackKey: null,
        allowedOrigins: [],
        sessionTtlMinutes: 15,
        retentionDays: null,
        settings: {},
        createdAt: now,
        updatedAt: now,
      };
      await companies.insert(company, key.record);
      return { company_id: id, company_key: key.raw, ...(secret ? { secret_key: secret } : {}) };
    },

    /** The company owning an active key, or null. */
    async authenticate(companyKey: string): Promise<CompanyRecord | null> {
      if (companyKey.length === 0 || companyKey.length > 200) return null;
      const now = clock.now();
      // Keyed by the presented key, so a hit costs no hashing (begin/ is throughput-bound); the map
      // lives only in this process' memory, as the key of the request being served does.
      const hit = authCache.get(companyKey);
      if (hit && hit.until > now) return hit.company;
      const company = await companies.findByApiKeyHash(hashApiKey(companyKey));
      if (company && authCacheMs > 0) {
        if (authCache.size >= 10_000) authCache.clear();
        authCache.set(companyKey, { company, until: now + authCacheMs });
      } else {
        authCache.delete(companyKey);
      }
      return company;
    },

    secretOf(company: CompanyRecord): string | null {
      if (!company.secretKeySealed) return null;
      let secret = secretCache.get(company.secretKeySealed);
      if (secret === undefined) {
        secret = secretBox.open(company.secretKeySealed);
        secretCache.set(company.secretKeySealed, secret);
      }
      return secret;
    },

    async require(id: string): Promise<CompanyRecord> {
      const c = await companies.findById(id);
      if (!c) throw new AppError("COMPANY_NOT_FOUND", { message: `No company with id ${id}` });
      return c;
    },

    /** Revokes every active key and issues a new one (shown once). */
    async rotateKey(companyId: string): Promise<{ company_id: string; company_key: string }> {
      await this.require(companyId);
      const now = clock.now();
      const key = newApiKey(companyId, now);
      await companies.rotateKey(companyId, key.record, now);
      invalidate();
      return { company_id: companyId, company_key: key.raw };
    },

    /** An additional key (for a zero-downtime rotation: add, deploy, revoke the old one). */
    async addKey(companyId: string): Promise<{ key_id: string; company_key: string }> {
      await this.require(companyId);
      const key = newApiKey(companyId, clock.now());
      await companies.addKey(key.record);
      return { key_id: key.record.id, company_key: key.raw };
    },

    async update(companyId: string, input: CompanySettingsInput): Promise<CompanyRecord> {
      await this.require(companyId);
      const patch: CompanyPatch = {};
      const bad = (message: string) => new AppError("COMPANY_SETTING_INVALID", { message });
      if (input.name !== undefined) {
        if (!input.name.trim() || input.name.length > 200) throw bad("name must be 1–200 characters");
        patch.name = input.name.trim();
      }
      if (input.callbackUrl !== undefined) {
        if (input.callbackUrl !== null && !validHttpUrl(input.callbackUrl))
          throw bad("callback URL must be an absolute http(s) URL");
        patch.callbackUrl = input.callbackUrl;
      }
      if (input.callbackKey !== undefined) {
        if (input.callbackKey !== null && input.callbackKey.length > 500)
          throw bad("callback key is too long");
        patch.callbackKey = input.callbackKey;
      }
      if (input.allowedOrigins !== undefined) {
        const list = input.allowedOrigins.map((o) => o.trim().replace(/\/$/, "")).filter(Boolean);
        const wrong = list.find((o) => !validOrigin(o));
        if (wrong !== undefined) throw bad(`"${wrong}" is not an origin like https://example.com`);
        patch.allowedOrigins = list;
      }
      if (input.sessionTtlMinutes !== undefined) {
        if (
          !Number.isInteger(input.sessionTtlMinutes) ||
          input.sessionTtlMinutes < 1 ||
          input.sessionTtlMinutes > 10_080
        ) {
          throw bad("session TTL must be 1–10080 minutes");
        }
        patch.sessionTtlMinutes = input.sessionTtlMinutes;
      }
      if (input.retentionDays !== undefined) {
        if (
          input.retentionDays !== null &&
          (!Number.isInteger(input.retentionDays) || input.retentionDays < 1 || input.retentionDays > 36_500)
        ) {
          throw bad("retention must be 1–36500 days");
        }
        patch.retentionDays = input.retentionDays;
      }
      if (input.hmacTimestampRequired !== undefined)
        patch.hmacTimestampRequired = input.hmacTimestampRequired;
      if (input.settings !== undefined) patch.settings = input.settings;
      const updated = await companies.update(companyId, patch, clock.now());
      invalidate();
      if (!updated) throw new AppError("COMPANY_NOT_FOUND");
      return updated;
    },

    /** The company's keys (hash prefix and dates only; the raw keys were shown once). */
    listKeys: (companyId: string) => companies.listKeys(companyId),

    /** Revokes one key; false when it is not an active key of the company. */
    async revokeKey(companyId: string, keyId: string): Promise<boolean> {
      const done = await companies.revokeKey(companyId, keyId, clock.now());
      invalidate();
      return done;
    },

    /**
     * Issues a new HMAC secret (shown once; every call must then be signed with it), or with
     * `enabled: false` drops it and stops requiring signatures.
     */
    async setHmacSecret(companyId: string, enabled: boolean): Promise<{ secret_key: string | null }> {
      await this.require(companyId);
      const secret = enabled ? randomBytes(32).toString("base64url") : null;
      await companies.update(
        companyId,
        { secretKeySealed: secret ? secretBox.seal(secret) : null, hmacRequired: enabled },
        clock.now(),
      );
      invalidate();
      return { secret_key: secret };
    },

    list: () => companies.list(),
  };
}

export type CompanyService = ReturnType<typeof createCompanyService>;

/** A company as printed by the CLI / shown in the dashboard: no secrets. */
export function publicCompany(c: CompanyRecord) {
  return {
    company_id: c.id,
    name: c.name,
    hmac: c.secretKeySealed !== null,
    hmac_timestamp_required: c.hmacTimestampRequired,
    callback_url: c.callbackUrl,
    callback_key_set: c.callbackKey !== null,
    allowed_origins: c.allowedOrigins,
    session_ttl_minutes: c.sessionTtlMinutes,
    retention_days: c.retentionDays,
    created_at: new Date(c.createdAt).toISOString(),
  };
}
