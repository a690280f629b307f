import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createMasterKeyring,
  normalizeDocumentNumber,
  normalizeName,
  openJson,
  personBlindIndexes,
  sealJson,
  searchBlindIndex,
  unwrapKey,
  unwrapWithMaster,
  verificationBlindIndexes,
  wrapKey,
  wrappingMasterKeyId,
  wrapWithMaster,
} from "./key-hierarchy.ts";
import { createKeyringSecretBox, createSecretBox } from "./secret-box.ts";

const A = randomBytes(32);
const B = randomBytes(32);

describe("master keyring", () => {
  it("wraps under the first key and still unwraps what an older key wrapped", () => {
    const before = createMasterKeyring([A]);
    const dataKey = randomBytes(32);
    const wrapped = wrapWithMaster(before, dataKey, "slot");
    const rotated = createMasterKeyring([B, A]);
    expect(unwrapWithMaster(rotated, wrapped, "slot").equals(dataKey)).toBe(true);
    const rewrapped = wrapWithMaster(rotated, dataKey, "slot");
    expect(wrappingMasterKeyId(rewrapped)).toBe(rotated.active.id);
    expect(wrappingMasterKeyId(wrapped)).toBe(before.active.id);
    // Once re-wrapped, the old key can leave the configuration; what it alone wrapped cannot be opened.
    const after = createMasterKeyring([B]);
    expect(unwrapWithMaster(after, rewrapped, "slot").equals(dataKey)).toBe(true);
    expect(() => unwrapWithMaster(after, wrapped, "slot")).toThrow(/not configured/);
  });

  it("binds a wrap to its slot and detects tampering", () => {
    const ring = createMasterKeyring([A]);
    const wrapped = wrapWithMaster(ring, randomBytes(32), "company-a/data/1");
    expect(() => unwrapWithMaster(ring, wrapped, "company-b/data/1")).toThrow();
    const raw = Buffer.from(wrapped.split(".")[2] ?? "", "base64");
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() =>
      unwrapWithMaster(ring, `mk1.${ring.active.id}.${raw.toString("base64")}`, "company-a/data/1"),
    ).toThrow();
  });

  it("rejects keys of the wrong size and empty rings", () => {
    expect(() => createMasterKeyring([])).toThrow();
    expect(() => createMasterKeyring([randomBytes(16)])).toThrow();
  });
});

describe("sealed fields", () => {
  it("round-trip and carry no plaintext", () => {
    const key = randomBytes(32);
    const sealed = sealJson(key, { person: { last_name: "MUSTERMANN" } }, "session/t/verification");
    expect(sealed).not.toContain("MUSTERMANN");
    expect(openJson(key, sealed, "session/t/verification")).toEqual({ person: { last_name: "MUSTERMANN" } });
  });

  it("fail to open in another row or field, under another key, or altered", () => {
    const key = randomBytes(32);
    const sealed = sealJson(key, { a: 1 }, "session/t1/verification");
    expect(() => openJson(key, sealed, "session/t2/verification")).toThrow();
    expect(() => openJson(key, sealed, "session/t1/technical")).toThrow();
    expect(() => openJson(randomBytes(32), sealed, "session/t1/verification")).toThrow();
    // A character well inside the base64 (the last ones may only carry padding bits).
    const flipped = `${sealed.slice(0, 20)}${sealed[20] === "A" ? "B" : "A"}${sealed.slice(21)}`;
    expect(() => openJson(key, flipped, "session/t1/verification")).toThrow();
  });

  it("session keys wrapped by a company key open only in their own slot", () => {
    const kek = randomBytes(32);
    const sk = randomBytes(32);
    const w = wrapKey(kek, sk, "verimat/session-key/x");
    expect(unwrapKey(kek, w, "verimat/session-key/x").equals(sk)).toBe(true);
    expect(() => unwrapKey(kek, w, "verimat/session-key/y")).toThrow();
  });
});

describe("blind index", () => {
  it("normalises names and document numbers", () => {
    expect(normalizeName("  Müller-Lüdenscheidt, Anna ")).toBe("MULLER LUDENSCHEIDT ANNA");
    expect(normalizeName("o'brien")).toBe("O BRIEN");
    expect(normalizeDocumentNumber("c01 x00-t47")).toBe("C01X00T47");
  });

  it("finds a person by full name, either order, one word, or document number, under the company key only", () => {
    const key = randomBytes(32);
    const digests = new Set(
      personBlindIndexes(key, {
        first_name: "ERIKA",
        last_name: "MUSTERMANN",
        document_number: "C01X00T47",
      }).map((d) => d.digest),
    );
    for (const [field, term] of [
      ["name", "Erika Mustermann"],
      ["name", "mustermann erika"],
      ["name", "mustermann"],
      ["document_number", "c01x00t47"],
    ] as const) {
      expect(digests.has(searchBlindIndex(key, field, term) ?? "")).toBe(true);
    }
    expect(digests.has(searchBlindIndex(key, "name", "Musterfrau") ?? "")).toBe(false);
    expect(digests.has(searchBlindIndex(randomBytes(32), "name", "mustermann") ?? "")).toBe(false);
    // A name word never matches a document number digest (the field is part of the MAC).
    expect(digests.has(searchBlindIndex(key, "document_number", "MUSTERMANN") ?? "")).toBe(false);
    expect(searchBlindIndex(key, "name", " ,- ")).toBeNull();
    for (const d of digests) expect(d).toMatch(/^[0-9a-f]{64}$/);
  });

  it("indexes a whole verification: contact, KYB company and beneficiaries besides the person", () => {
    const key = randomBytes(32);
    const digests = new Set(
      verificationBlindIndexes(key, {
        person: { first_name: "NINO", last_name: "BERIDZE" },
        contact: { email: "Nino@Example.ge", phone: "+995555123456" },
        company: { fields: { company_name: "Acme Trading LLC", registration_number: "404-123-456" } },
        beneficiaries: [{ first_name: "Giorgi", last_name: "Kapanadze", email: "giorgi@acme.ge" }],
      }).map((d) => d.digest),
    );
    for (const [field, term] of [
      ["name", "beridze"],
      ["email", " nino@example.GE "],
      ["phone", "+995 555 12-34-56"],
      ["name", "acme trading llc"],
      ["name", "trading"],
      ["registration_number", "404123456"],
      ["name", "Kapanadze Giorgi"],
      ["email", "giorgi@acme.ge"],
    ] as const) {
      expect(digests.has(searchBlindIndex(key, field, term) ?? ""), `${field} ${term}`).toBe(true);
    }
    expect(digests.has(searchBlindIndex(key, "phone", "+995555123457") ?? "")).toBe(false);
    expect(digests.has(searchBlindIndex(key, "email", "404123456") ?? "")).toBe(false);
    expect(searchBlindIndex(key, "email", "no-at-sign")).toBeNull();
    expect(searchBlindIndex(key, "phone", "12-34")).toBeNull();
    expect(verificationBlindIndexes(key, { reasonCodes: [] })).toEqual([]);
  });
});

describe("keyring secret box", () => {
  it("opens v1 values of any configured key and seals under the active key", () => {
    const oldSealed = createSecretBox(A).seal("hmac-secret");
    const box = createKeyringSecretBox(createMasterKeyring([B, A]));
    expect(box.open(oldSealed)).toBe("hmac-secret");
    expect(box.isCurrent(oldSealed)).toBe(false);
    const fresh = box.seal("hmac-secret");
    expect(box.isCurrent(fresh)).toBe(true);
    expect(createKeyringSecretBox(createMasterKeyring([B])).open(fresh)).toBe("hmac-secret");
    expect(() => createKeyringSecretBox(createMasterKeyring([A])).open(fresh)).toThrow(/not configured/);
  });
});
