import type { Kysely, Migration, MigrationProvider } from "kysely";
import type { DbCapabilities } from "../db-capabilities.ts";
import * as m0001 from "./0001-initial.ts";
import * as m0002 from "./0002-jobs.ts";
import * as m0003 from "./0003-capture-analyses.ts";
import * as m0004 from "./0004-callbacks.ts";
import * as m0005 from "./0005-dashboard.ts";
import * as m0006 from "./0006-encryption.ts";
import * as m0007 from "./0007-step-catalogue.ts";
import * as m0008 from "./0008-callback-outbox.ts";
import * as m0009 from "./0009-video-calls.ts";
import * as m0012 from "./0012-session-filters.ts";
import * as m0013 from "./0013-media-parts.ts";

type Step = { up(db: Kysely<unknown>, caps: DbCapabilities): Promise<void> };

/** Ordered, append-only: never edit a shipped migration, add the next one. */
const MIGRATIONS: Record<string, Step> = {
  "0001-initial": m0001,
  "0002-jobs": m0002,
  "0003-capture-analyses": m0003,
  "0004-callbacks": m0004,
  "0005-dashboard": m0005,
  "0006-encryption": m0006,
  "0007-step-catalogue": m0007,
  "0008-callback-outbox": m0008,
  "0009-video-calls": m0009,
  "0012-session-filters": m0012,
  "0013-media-parts": m0013,
};

export function migrationProvider(caps: DbCapabilities): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(MIGRATIONS)) {
        out[name] = { up: (db) => step.up(db, caps) };
      }
      return out;
    },
  };
}
