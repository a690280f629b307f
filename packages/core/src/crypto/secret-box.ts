import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * AES-256-GCM sealing for secrets the service must be able to read back (HMAC secret keys: a MAC
 * cannot be verified from a hash). Format: "v1." + base64(iv | tag | ciphertext).
 */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("secret box key must be 32 bytes");
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64")}`;
    },
    open(sealed) {
      if (!sealed.startsWith("v1.")) throw new Error("unknown sealed format");
      const raw = Buffer.from(sealed.slice(3), "base64");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    },
  };
}

/**
 * A secret box over every configured master key: seals under the active key as "v2.<key id>.<base64>"
 * and opens values of any configured key, including "v1." values from before key ids (each key is
 * tried; GCM's tag tells the right one). `isCurrent` tells `verimat keys rotate` what to re-seal.
 */
export function createKeyringSecretBox(ring: {
  active: { id: string; key: Buffer };
  all: readonly { id: string; key: Buffer }[];
  get(id: string): { id: string; key: Buffer } | undefined;
}): SecretBox & { isCurrent(sealed: string): boolean } {
  const boxes = new Map(ring.all.map((k) => [k.id, createSecretBox(k.key)]));
  const active = createSecretBox(ring.active.key);
  return {
    seal: (plain) => `v2.${ring.active.id}.${active.seal(plain).slice(3)}`,
    open(sealed) {
      const m = /^v2\.([0-9a-f]{16})\.(.*)$/s.exec(sealed);
      if (m?.[1] !== undefined && m[2] !== undefined) {
        const box = boxes.get(m[1]);
        if (!box) throw new Error(`master key ${m[1]} is not configured (MASTER_KEYS)`);
        return box.open(`v1.${m[2]}`);
      }
      for (const box of boxes.values()) {
        try {
          return box.open(sealed);
        } catch {}
      }
      throw new Error("sealed secret opens with no configured master key");
    },
    isCurrent: (sealed) => sealed.startsWith(`v2.${ring.active.id}.`),
  };
}
