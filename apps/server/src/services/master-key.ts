import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createMasterKeyring, type MasterKeyring } from "@verimat/core";

/**
 * The key that seals stored secrets. From MASTER_KEY (base64, 32 bytes) when set; otherwise generated
 * once into DATA_DIR/master.key (mode 0600) so the embedded default works out of the box.
 */
export function loadMasterKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) {
    const key = Buffer.from(configured, "base64");
    if (key.length !== 32) throw new Error("MASTER_KEY must be base64 of exactly 32 bytes");
    return key;
  }
  const file = path.join(dataDir, "master.key");
  try {
    const key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
    if (key.length !== 32) throw new Error(`${file} is corrupt`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  // "wx": never overwrite a key another process wrote a moment ago.
  try {
    fs.writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return loadMasterKey(undefined, dataDir);
    throw err;
  }
}

/**
 * Every configured master key, the active one first: MASTER_KEYS when set (a rotation: new key first,
 * then the previous ones), else the single key of `loadMasterKey`. A MASTER_KEY given beside
 * MASTER_KEYS is accepted as one more previous key, so adding MASTER_KEYS never locks data out.
 */
export function loadMasterKeyring(config: {
  masterKey: string | undefined;
  masterKeys: readonly string[];
  dataDir: string;
}): MasterKeyring {
  if (config.masterKeys.length === 0)
    return createMasterKeyring([loadMasterKey(config.masterKey, config.dataDir)]);
  const keys: Buffer[] = config.masterKeys.map((k, i) => {
    const key = Buffer.from(k, "base64");
    if (key.length !== 32) throw new Error(`MASTER_KEYS entry ${i + 1} must be base64 of exactly 32 bytes`);
    return key;
  });
  if (config.masterKey) keys.push(loadMasterKey(config.masterKey, config.dataDir));
  return createMasterKeyring(keys);
}
