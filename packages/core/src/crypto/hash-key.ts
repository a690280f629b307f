import { createHash } from "node:crypto";

/**
 * API keys carry 160 random bits, so a plain SHA-256 is a safe lookup hash (no need for a slow
 * password hash, which would also make every API call slow).
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}
