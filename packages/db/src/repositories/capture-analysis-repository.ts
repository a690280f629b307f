import type { Kysely } from "kysely";
import type { Database } from "../database-schema.ts";
import { readJson, writeJson } from "./json-column.ts";

/** Engine measurements per capture (see migration 0003). One row per media item; the first write wins. */
export function createCaptureAnalysisRepository(db: Kysely<Database>) {
  return {
    async put(mediaId: string, sessionToken: string, analysis: unknown, now: number): Promise<void> {
      await db
        .insertInto("capture_analyses")
        .values({
          media_id: mediaId,
          session_token: sessionToken,
          analysis: writeJson(analysis),
          created_at: now,
        })
        .onConflict((oc) => oc.column("media_id").doNothing())
        .execute();
    },

    async listBySession(sessionToken: string): Promise<Map<string, unknown>> {
      const rows = await db
        .selectFrom("capture_analyses")
        .select(["media_id", "analysis"])
        .where("session_token", "=", sessionToken)
        .execute();
      return new Map(
        rows.map((r) => [r.media_id, readJson<unknown>(r.analysis, "capture_analyses.analysis")]),
      );
    },
  };
}

export type CaptureAnalysisRepository = ReturnType<typeof createCaptureAnalysisRepository>;
