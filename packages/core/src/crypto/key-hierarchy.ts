/**
 * Encryption at rest: the key hierarchy's pure parts (no I/O). Master keys from the configuration wrap
 * per-company keys; a company's data key wraps per-session keys; a session key seals that session's
 * personal fields and media. Every ciphertext is AES-256-GCM with a fresh 96-bit nonce and an
 * additional-data label naming where it belongs, so a sealed value moved to another row, field or
 * company fails to open instead of being read in the wrong place.
 * @module
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";

export interface MasterKey {
  /** Fingerprint of the key (16 hex): stored beside every wrap so the right key is found. */
  id: string;
  key: Buffer;
}

/**
 * The configured master keys: the first one wraps everything new; the others are still accepted for
 * unwrapping, so a rotation needs no downtime (re-wrap, then drop the old key from the configuration).
 */
export interface MasterKeyring {
  active: MasterKey;
  all: readonly MasterKey[];
  get(id: string): MasterKey | undefined;
}

export function masterKeyId(key: Buffer): string {
  return createHash("sha256").update("verimat master key id\0").update(key).digest("hex").slice(0, 16);
}

/** @throws Error when empty or a key is not 32 bytes. */
export function createMasterKeyring(keys: readonly Buffer[]): MasterKeyring {
  const all: MasterKey[] = [];
  for (const key of keys) {
    if (key.length !== 32) throw new Error("master keys must be 32 bytes");
    const id = masterKeyId(key);
    if (!all.some((k) => k.id === id)) all.push({ id, key });
  }
  const active = all[0];
  if (!active) throw new Error("at least one master key is required");
  const byId = new Map(all.map((k) => [k.id, k]));
  return { active, all, get: (id) => byId.get(id) };
}

/** AES-256-GCM: iv(12) | tag(16) | ciphertext. */
export function sealBytes(key: Buffer, plain: Buffer, aad: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

/** @throws Error when the bytes were altered, the key is wrong or the label differs. */
export function openBytes(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < 28) throw new Error("sealed value too short");
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
}

/** A key wrapped by the active master key: "mk1.<master key id>.<base64>". */
export function wrapWithMaster(ring: MasterKeyring, dataKey: Buffer, aad: string): string {
  return `mk1.${ring.active.id}.${sealBytes(ring.active.key, dataKey, aad).toString("base64")}`;
}

/** The id of the master key that wrapped `wrapped` (for rotation bookkeeping). */
export function wrappingMasterKeyId(wrapped: string): string | null {
  const m = /^mk1\.([0-9a-f]{16})\./.exec(wrapped);
  return m?.[1] ?? null;
}

/** @throws Error naming the missing master key id when it is no longer configured. */
export function unwrapWithMaster(ring: MasterKeyring, wrapped: string, aad: string): Buffer {
  const m = /^mk1\.([0-9a-f]{16})\.([A-Za-z0-9+/=]+)$/.exec(wrapped);
  if (!m?.[1] || !m[2]) throw new Error("unknown wrapped-key format");
  const master = ring.get(m[1]);
  if (!master) throw new Error(`master key ${m[1]} is not configured (MASTER_KEYS)`);
  return openBytes(master.key, Buffer.from(m[2], "base64"), aad);
}

/** A key wrapped by another data key (session keys under the company data key): base64. */
export function wrapKey(kek: Buffer, key: Buffer, aad: string): string {
  return sealBytes(kek, key, aad).toString("base64");
}

export function unwrapKey(kek: Buffer, wrapped: string, aad: string): Buffer {
  return openBytes(kek, Buffer.from(wrapped, "base64"), aad);
}

export function newDataKey(): Buffer {
  return randomBytes(32);
}

const FIELD_PREFIX = "sf1.";

/** A JSON value sealed for a text column: "sf1.<base64>". */
export function sealJson(key: Buffer, value: unknown, aad: string): string {
  return (
    FIELD_PREFIX + sealBytes(key, Buffer.from(JSON.stringify(value ?? null), "utf8"), aad).toString("base64")
  );
}

export function isSealedJson(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(FIELD_PREFIX);
}

/** @throws Error when tampered with, or sealed under another key or label. */
export function openJson<T>(key: Buffer, sealed: string, aad: string): T {
  if (!isSealedJson(sealed)) throw new Error("not a sealed value");
  const plain = openBytes(key, Buffer.from(sealed.slice(FIELD_PREFIX.length), "base64"), aad);
  return JSON.parse(plain.toString("utf8")) as T;
}

/**
 * Fields a blind index can be built for: names (people, companies, beneficiaries), document numbers,
 * verified e-mail addresses and phone numbers, company registration numbers.
 */
export type BlindIndexField = "name" | "document_number" | "email" | "phone" | "registration_number";

/**
 * Names compare without case, accents or punctuation: "Müller-Lüdenscheidt, Anna" and
 * "MULLER LUDENSCHEIDT ANNA" normalise alike. Returns the space-joined words.
 */
export function normalizeName(value: string): string {
  return value
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Document numbers compare as upper-case letters and digits only ("ab 12-34" = "AB1234"). */
export function normalizeDocumentNumber(value: string): string {
  return value
    .normalize("NFKD")
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "");
}

/**
 * HMAC-SHA256 of a normalised value under the company's index key (hex). Equal values give equal
 * digests, so the database can look them up without ever holding the value.
 */
export function blindIndex(indexKey: Buffer, field: BlindIndexField, normalized: string): string {
  return createHmac("sha256", indexKey).update(`${field}\0${normalized}`, "utf8").digest("hex");
}

/**
 * The digests to store for a person: the full name, each name word of 2+ letters (so a search by
 * surname alone finds it) and the document number.
 */
export function personBlindIndexes(
  indexKey: Buffer,
  person: { first_name?: unknown; last_name?: unknown; document_number?: unknown },
): { field: BlindIndexField; digest: string }[] {
  const out = new Map<string, { field: BlindIndexField; digest: string }>();
  const add = (field: BlindIndexField, normalized: string) => {
    if (!normalized) return;
    const digest = blindIndex(indexKey, field, normalized);
    out.set(digest, { field, digest });
  };
  const first = typeof person.first_name === "string" ? normalizeName(person.first_name) : "";
  const last = typeof person.last_name === "string" ? normalizeName(person.last_name) : "";
  const full = `${first} ${last}`.trim();
  add("name", full);
  if (first && last) add("name", `${last} ${first}`);
  for (const word of full.split(" ")) if (word.length >= 2) add("name", word);
  if (typeof person.document_number === "string")
    add("document_number", normalizeDocumentNumber(person.document_number));
  return [...out.values()];
}

/** E-mail addresses compare trimmed and in lower case. */
function indexEmail(value: string): string {
  const v = value.normalize("NFKC").trim().toLowerCase();
  return v.includes("@") ? v : "";
}

/** Phone numbers compare as their digits ("+995 555-12 34 56" = "995555123456"); fewer than 6: none. */
function indexPhone(value: string): string {
  const digits = value.normalize("NFKC").replace(/\D+/g, "");
  return digits.length >= 6 ? digits : "";
}

function normalizeFor(field: BlindIndexField, value: string): string {
  switch (field) {
    case "name":
      return normalizeName(value);
    case "email":
      return indexEmail(value);
    case "phone":
      return indexPhone(value);
    default:
      return normalizeDocumentNumber(value);
  }
}

/**
 * The digests to store for a session's whole verification: its person (`personBlindIndexes`), the
 * verified contact (`contact.email`, `contact.phone`), a KYB session's company (`company.fields`:
 * company name as a name, registration number, e-mail, phone) and its beneficiaries (names, e-mail,
 * phone), so a search by any of them finds the session without the database holding the value.
 */
export function verificationBlindIndexes(
  indexKey: Buffer,
  v: Record<string, unknown>,
): { field: BlindIndexField; digest: string }[] {
  const out = new Map<string, { field: BlindIndexField; digest: string }>();
  const rec = (x: unknown): Record<string, unknown> =>
    typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
  const addPerson = (p: Record<string, unknown>) => {
    for (const d of personBlindIndexes(indexKey, p)) out.set(d.digest, d);
  };
  const add = (field: BlindIndexField, value: unknown) => {
    if (typeof value !== "string") return;
    const normalized = normalizeFor(field, value);
    if (!normalized) return;
    const digest = blindIndex(indexKey, field, normalized);
    out.set(digest, { field, digest });
  };
  const person = rec(v.person);
  addPerson(person);
  add("email", person.email);
  add("phone", person.phone);
  const contact = rec(v.contact);
  add("email", contact.email);
  add("phone", contact.phone);
  const company = rec(rec(v.company).fields);
  if (typeof company.company_name === "string") {
    const name = normalizeName(company.company_name);
    add("name", name);
    for (const word of name.split(" ")) if (word.length >= 2) add("name", word);
  }
  add("registration_number", company.registration_number);
  add("email", company.email);
  add("phone", company.phone);
  if (Array.isArray(v.beneficiaries)) {
    for (const b of v.beneficiaries) {
      const r = rec(b);
      addPerson({ first_name: r.first_name, last_name: r.last_name });
      add("email", r.email);
      add("phone", r.phone);
    }
  }
  return [...out.values()];
}

/**
 * The digest to look up for a search term: a name (whole or one word), a document or registration
 * number, an e-mail address or a phone number. Returns null for a term that normalises to nothing.
 */
export function searchBlindIndex(indexKey: Buffer, field: BlindIndexField, term: string): string | null {
  const normalized = normalizeFor(field, term);
  return normalized ? blindIndex(indexKey, field, normalized) : null;
}
