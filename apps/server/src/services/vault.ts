/**
 * Encryption at rest: the key hierarchy over the database (see docs/ARCHITECTURE.md, "Encryption at
 * rest").
 *
 *   master keys (config) ──wrap──▶ company data key v1…vN, company index key   (company_keys)
 *   company data key     ──wrap──▶ session key                                 (session_keys)
 *   session key          ──seal──▶ verification, technical details, result comment, capture
 *                                  analyses, session-scoped audit data, media
 *   company index key    ──HMAC──▶ blind index of names, document and registration numbers,
 *                                  e-mail addresses, phone numbers             (session_search)
 *
 * Keys are created on first use (begin/ stores no personal data and does no crypto). Unwrapped keys
 * are cached in memory; a deleted session's key row is gone, and with it every way to open its data.
 * @module
 */
import {
  AppError,
  type BlindIndexField,
  type Clock,
  isSealedJson,
  type MasterKeyring,
  newDataKey,
  normalizeName,
  openJson,
  sealJson,
  searchBlindIndex,
  unwrapKey,
  unwrapWithMaster,
  verificationBlindIndexes,
  wrapKey,
  wrapWithMaster,
} from "@verimat/core";
import {
  type CompanyKeyPurpose,
  type CompanyKeyRecord,
  createKeyRepository,
  type Database,
  type SessionPatch,
  type SessionRecord,
} from "@verimat/db";
import type { MediaKeyring } from "@verimat/media";
import type { Kysely } from "kysely";

/**
 * Verification fields kept in clear beside the sealed copy: no personal data, useful for filters
 * (plus `documentCountry`, the person's `issuing_state`). Of `rejectReason` only its `value` (a code)
 * stays in clear: a description can name people (a KYB parent's "Not verified: <names>"). Reads
 * return the sealed copy only.
 */
const CLEAR_VERIFICATION_FIELDS = [
  "documentType",
  "reasonCodes",
  "rejectReason",
  "live",
  "similarity",
] as const;
/** Technical fields kept in clear (the country of the IP, not the IP). */
const CLEAR_TECHNICAL_FIELDS = ["countryCode"] as const;
const SEALED = "$sealed";

const SESSION_KEY_CACHE = 10_000;

function companyKeyAad(companyId: string, purpose: CompanyKeyPurpose, version: number): string {
  return `verimat/company-key/${companyId}/${purpose}/${version}`;
}

function sessionKeyAad(token: string): string {
  return `verimat/session-key/${token}`;
}

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (source[k] !== undefined) out[k] = source[k];
  return out;
}

export interface VaultDeps {
  db: Kysely<Database>;
  masterKeys: MasterKeyring;
  clock: Clock;
}

export function createVault(deps: VaultDeps) {
  const { db, masterKeys, clock } = deps;
  const keys = createKeyRepository(db);
  const companyKeys = new Map<string, Buffer>();
  const latestVersion = new Map<string, number>();
  const sessionKeys = new Map<string, Buffer>();

  function rememberSessionKey(token: string, key: Buffer): void {
    if (sessionKeys.size >= SESSION_KEY_CACHE) {
      const oldest = sessionKeys.keys().next();
      if (!oldest.done) sessionKeys.delete(oldest.value);
    }
    sessionKeys.set(token, key);
  }

  function unwrapCompanyKey(row: CompanyKeyRecord): Buffer {
    const id = `${row.companyId}/${row.purpose}/${row.version}`;
    let key = companyKeys.get(id);
    if (!key) {
      key = unwrapWithMaster(masterKeys, row.wrapped, companyKeyAad(row.companyId, row.purpose, row.version));
      companyKeys.set(id, key);
    }
    return key;
  }

  /** The company's newest key of `purpose`, created (version 1) on first use. */
  async function currentCompanyKey(
    companyId: string,
    purpose: CompanyKeyPurpose,
  ): Promise<{ version: number; key: Buffer }> {
    const cacheId = `${companyId}/${purpose}`;
    const known = latestVersion.get(cacheId);
    if (known !== undefined) {
      const key = companyKeys.get(`${cacheId}/${known}`);
      if (key) return { version: known, key };
    }
    let row = await keys.latestCompanyKey(companyId, purpose);
    if (!row) {
      await keys.insertCompanyKey({
        companyId,
        purpose,
        version: 1,
        masterKeyId: masterKeys.active.id,
        wrapped: wrapWithMaster(masterKeys, newDataKey(), companyKeyAad(companyId, purpose, 1)),
        createdAt: clock.now(),
      });
      // Read back: a concurrent first use may have won the insert.
      row = await keys.latestCompanyKey(companyId, purpose);
      if (!row) throw new AppError("INTERNAL", { detail: "company key vanished after insert" });
    }
    const key = unwrapCompanyKey(row);
    // Cached briefly only in the sense that a new version (rotateCompanyDataKey) is picked up by
    // other processes on their next restart or cache miss; older versions keep opening older data.
    latestVersion.set(cacheId, row.version);
    return { version: row.version, key };
  }

  async function companyKeyVersion(companyId: string, purpose: CompanyKeyPurpose, version: number) {
    const cached = companyKeys.get(`${companyId}/${purpose}/${version}`);
    if (cached) return cached;
    const row = await keys.companyKey(companyId, purpose, version);
    if (!row) throw new AppError("INTERNAL", { detail: `company key ${purpose} v${version} missing` });
    return unwrapCompanyKey(row);
  }

  /** The session's key, or null when it has none (nothing sealed yet, or deleted). */
  async function findSessionKey(token: string): Promise<Buffer | null> {
    const cached = sessionKeys.get(token);
    if (cached) return cached;
    const row = await keys.sessionKey(token);
    if (!row) return null;
    const kek = await companyKeyVersion(row.companyId, "data", row.dataKeyVersion);
    const key = unwrapKey(kek, row.wrapped, sessionKeyAad(token));
    rememberSessionKey(token, key);
    return key;
  }

  /** The session's key, created on first use. @throws when the session no longer exists (foreign key). */
  async function sessionKey(token: string, companyId: string): Promise<Buffer> {
    const existing = await findSessionKey(token);
    if (existing) return existing;
    const { version, key: kek } = await currentCompanyKey(companyId, "data");
    try {
      await keys.insertSessionKey(
        {
          sessionToken: token,
          companyId,
          dataKeyVersion: version,
          wrapped: wrapKey(kek, newDataKey(), sessionKeyAad(token)),
        },
        clock.now(),
      );
    } catch (cause) {
      throw new AppError("SESSION_CLOSED", { message: "The session no longer exists", cause });
    }
    const stored = await findSessionKey(token);
    if (!stored) throw new AppError("SESSION_CLOSED", { message: "The session no longer exists" });
    return stored;
  }

  /** Parses `companies/<id>/sessions/<token>/…`, the only shape of media keys. */
  function mediaOwner(storageKey: string): { companyId: string; token: string } {
    const m = /^companies\/([^/]+)\/sessions\/([0-9a-z]{40})\//.exec(storageKey);
    if (!m?.[1] || !m[2]) throw new Error("media key outside a session folder cannot be encrypted");
    return { companyId: m[1], token: m[2] };
  }

  const mediaKeyring: MediaKeyring = {
    keyForWrite(storageKey) {
      const { companyId, token } = mediaOwner(storageKey);
      return sessionKey(token, companyId);
    },
    keyForRead(storageKey) {
      return findSessionKey(mediaOwner(storageKey).token);
    },
  };

  async function sealObject(
    s: { token: string; companyId: string },
    field: string,
    value: Record<string, unknown>,
    clear: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    if (Object.keys(value).length === 0) return {};
    const key = await sessionKey(s.token, s.companyId);
    return { ...clear, [SEALED]: sealJson(key, value, `session/${s.token}/${field}`) };
  }

  async function openObject(token: string, field: string, stored: Record<string, unknown>) {
    const sealed = stored[SEALED];
    // Rows written before encryption at rest hold plain JSON; they are read as they are.
    if (!isSealedJson(sealed)) return stored;
    const key = await findSessionKey(token);
    if (!key) throw new AppError("INTERNAL", { detail: "session key missing for sealed data" });
    try {
      return openJson<Record<string, unknown>>(key, sealed, `session/${token}/${field}`);
    } catch (cause) {
      throw new AppError("INTERNAL", { detail: `sealed ${field} failed authentication`, cause });
    }
  }

  async function openValue(token: string, field: string, sealed: string): Promise<unknown> {
    const key = await findSessionKey(token);
    if (!key) throw new AppError("INTERNAL", { detail: `session key missing for sealed ${field}` });
    try {
      return openJson<unknown>(key, sealed, `session/${token}/${field}`);
    } catch (cause) {
      throw new AppError("INTERNAL", { detail: `sealed ${field} failed authentication`, cause });
    }
  }

  return {
    mediaKeyring,

    /**
     * Seals the personal parts of a session patch (verification, technical details) under the
     * session's key, and returns the blind-index digests to store when the verification names a
     * person (undefined: leave the index as it is).
     */
    async sealPatch(
      s: { token: string; companyId: string },
      patch: SessionPatch,
    ): Promise<{ patch: SessionPatch; search?: { field: string; digest: string }[] }> {
      const out: SessionPatch = { ...patch };
      let search: { field: string; digest: string }[] | undefined;
      if (patch.verification !== undefined) {
        const person = patch.verification.person;
        const clear = pick(patch.verification, CLEAR_VERIFICATION_FIELDS);
        const reason = clear.rejectReason as { value?: unknown } | undefined;
        if (reason !== undefined)
          clear.rejectReason = { value: typeof reason?.value === "string" ? reason.value : "" };
        // The issuing country stays filterable (dashboard) without opening the row.
        const country = (person as { issuing_state?: unknown } | undefined)?.issuing_state;
        if (typeof country === "string" && country !== "") clear.documentCountry = country;
        out.verification = await sealObject(s, "verification", patch.verification, clear);
        // The whole verification is indexed (person, verified contact, KYB company and beneficiaries);
        // a verification with nothing to index leaves the index as it is.
        const { key } = await currentCompanyKey(s.companyId, "index");
        const digests = verificationBlindIndexes(key, patch.verification);
        if (digests.length > 0 || (person && typeof person === "object")) search = digests;
      }
      // The operator's comment is free text: sealed like the findings (an empty one stays empty).
      if (patch.resultComment !== undefined && patch.resultComment !== "") {
        const key = await sessionKey(s.token, s.companyId);
        out.resultComment = sealJson(key, patch.resultComment, `session/${s.token}/result_comment`);
      }
      if (patch.technical !== undefined) {
        out.technical = (await sealObject(
          s,
          "technical",
          patch.technical,
          pick(patch.technical, CLEAR_TECHNICAL_FIELDS),
        )) as Record<string, string>;
      }
      return search ? { patch: out, search } : { patch: out };
    },

    /** The record with its sealed fields opened (a record without sealed fields costs nothing). */
    async openSession(s: SessionRecord): Promise<SessionRecord> {
      const sealedV = isSealedJson(s.verification[SEALED]);
      const sealedT = isSealedJson((s.technical as Record<string, unknown>)[SEALED]);
      const sealedC = isSealedJson(s.resultComment);
      if (!sealedV && !sealedT && !sealedC) return s;
      return {
        ...s,
        resultComment: sealedC
          ? String(await openValue(s.token, "result_comment", s.resultComment))
          : s.resultComment,
        verification: sealedV ? await openObject(s.token, "verification", s.verification) : s.verification,
        technical: sealedT
          ? ((await openObject(s.token, "technical", s.technical)) as Record<string, string>)
          : s.technical,
      };
    },

    /**
     * Seals a session-scoped dashboard audit entry's data (a correction records the old and new name
     * or number, a review the comment) under the session's key: `{"$sealed": "sf1.…"}`. Call it
     * before the transaction that writes the entry (on SQLite a key lookup inside would wait for the
     * transaction's own connection).
     */
    async sealAudit(
      s: { token: string; companyId: string },
      data: Record<string, unknown>,
    ): Promise<Record<string, unknown>> {
      if (isSealedJson(data[SEALED]) || Object.keys(data).length === 0) return data;
      const key = await sessionKey(s.token, s.companyId);
      return { [SEALED]: sealJson(key, data, `audit/${s.token}`) };
    },

    /** An audit entry's data as recorded; a sealed one whose session is gone reads as {}. */
    async openAudit(token: string | null, data: Record<string, unknown>): Promise<Record<string, unknown>> {
      const sealed = data[SEALED];
      if (!isSealedJson(sealed)) return data;
      const key = token === null ? null : await findSessionKey(token);
      if (!key || token === null) return {};
      try {
        return openJson<Record<string, unknown>>(key, sealed, `audit/${token}`);
      } catch (cause) {
        throw new AppError("INTERNAL", { detail: "sealed audit data failed authentication", cause });
      }
    },

    /** Seals a capture analysis (face embeddings are biometric data) for the capture_analyses row. */
    async sealAnalysis(s: { token: string; companyId: string }, mediaId: string, analysis: unknown) {
      const key = await sessionKey(s.token, s.companyId);
      return sealJson(key, analysis, `analysis/${s.token}/${mediaId}`);
    },

    async openAnalysis(token: string, mediaId: string, stored: unknown): Promise<unknown> {
      if (!isSealedJson(stored)) return stored;
      const key = await findSessionKey(token);
      if (!key) throw new AppError("INTERNAL", { detail: "session key missing for a sealed analysis" });
      return openJson(key, stored, `analysis/${token}/${mediaId}`);
    },

    /**
     * Seals a callback body that carries a secret (a one-time code, a session link) under the
     * session's key, bound to the event: `callback/<token>/<event id>`. Deleting the session
     * deletes the key, and with it every way to read the body.
     */
    async sealCallbackBody(s: { token: string; companyId: string }, eventId: string, body: string) {
      const key = await sessionKey(s.token, s.companyId);
      return sealJson(key, body, `callback/${s.token}/${eventId}`);
    },

    /** The body as sent; a body stored in clear (events without secrets) is returned as it is. */
    async openCallbackBody(token: string | null, eventId: string, stored: string): Promise<string> {
      if (!isSealedJson(stored)) return stored;
      const key = token === null ? null : await findSessionKey(token);
      if (!key || token === null)
        throw new AppError("INTERNAL", { detail: "session key missing for a sealed callback body" });
      return openJson<string>(key, stored, `callback/${token}/${eventId}`);
    },

    /**
     * The digest to look a search term up with (`findByBlindIndex`), or null for an empty term. A
     * name query of several words is split: every word must match (order-free, "smith john" finds
     * "John Smith"); a document number must match whole after normalisation.
     */
    async searchDigests(companyId: string, field: BlindIndexField, term: string): Promise<string[]> {
      const { key } = await currentCompanyKey(companyId, "index");
      // Split after normalising: "Mustermann-Schmidt" is two words, as the stored index has them.
      const terms =
        field === "name"
          ? normalizeName(term)
              .split(" ")
              .filter((w) => w.length > 0)
          : [term];
      const out: string[] = [];
      for (const t of terms) {
        const d = searchBlindIndex(key, field, t);
        if (d) out.push(d);
      }
      return out;
    },

    /** Forgets a deleted session's key in this process (its row is deleted with the session). */
    forgetSession(token: string): void {
      sessionKeys.delete(token);
    },

    /**
     * Re-wraps every company key still wrapped by an older master key under the active one.
     * Idempotent and safe while serving (compare-and-set per row). @returns rows re-wrapped.
     */
    async rewrapCompanyKeys(batch = 500): Promise<number> {
      let n = 0;
      for (;;) {
        const rows = await keys.listCompanyKeysNotWrappedBy(masterKeys.active.id, batch);
        if (rows.length === 0) return n;
        let progressed = false;
        for (const row of rows) {
          const plain = unwrapWithMaster(
            masterKeys,
            row.wrapped,
            companyKeyAad(row.companyId, row.purpose, row.version),
          );
          const wrapped = wrapWithMaster(
            masterKeys,
            plain,
            companyKeyAad(row.companyId, row.purpose, row.version),
          );
          if (await keys.rewrapCompanyKey(row, masterKeys.active.id, wrapped)) {
            n++;
            progressed = true;
          }
        }
        if (!progressed) return n;
      }
    },

    /** Company keys per wrapping master key id (rotation status). */
    countByMasterKey: () => keys.countByMasterKey(),

    /**
     * Starts a new data-key version for a company: new sessions' keys are wrapped by it; older
     * versions stay to open older sessions. @returns the new version.
     */
    async rotateCompanyDataKey(companyId: string): Promise<number> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const latest = await keys.latestCompanyKey(companyId, "data");
        const version = (latest?.version ?? 0) + 1;
        const inserted = await keys.insertCompanyKey({
          companyId,
          purpose: "data",
          version,
          masterKeyId: masterKeys.active.id,
          wrapped: wrapWithMaster(masterKeys, newDataKey(), companyKeyAad(companyId, "data", version)),
          createdAt: clock.now(),
        });
        if (inserted) {
          latestVersion.delete(`${companyId}/data`);
          return version;
        }
      }
      throw new AppError("INTERNAL", { detail: "company data key rotation kept racing" });
    },
  };
}

export type Vault = ReturnType<typeof createVault>;
