/**
 * Builds the real dependencies from the configuration (shared by the server and the CLI): the
 * database with migrations applied, the media store, the master key.
 * @module
 */
import path from "node:path";
import { type Clock, systemClock } from "@verimat/core";
import { type DatabaseHandle, openDatabase } from "@verimat/db";
import { createFsMediaStore, type MediaStore } from "@verimat/media";
import type { Config } from "./config.ts";
import { loadMasterKey } from "./services/master-key.ts";

export interface Runtime {
  database: DatabaseHandle;
  media: MediaStore;
  masterKey: Buffer;
  clock: Clock;
}

export async function openRuntime(config: Readonly<Config>): Promise<Runtime> {
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  return {
    database,
    media: createFsMediaStore(path.join(config.dataDir, "media")),
    masterKey: loadMasterKey(config.masterKey, config.dataDir),
    clock: systemClock,
  };
}
