import type { Kysely, Selectable } from "kysely";
import type { Database, MediaTable } from "../database-schema.ts";

export interface MediaRecord {
  id: string;
  sessionToken: string;
  companyId: string;
  kind: string;
  storageKey: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: number;
}

function toRecord(r: Selectable<MediaTable>): MediaRecord {
  return {
    id: r.id,
    sessionToken: r.session_token,
    companyId: r.company_id,
    kind: r.kind,
    storageKey: r.storage_key,
    contentType: r.content_type,
    size: r.size,
    sha256: r.sha256,
    createdAt: r.created_at,
  };
}

export function createMediaRepository(db: Kysely<Database>) {
  return {
    async insert(m: MediaRecord): Promise<void> {
      await db
        .insertInto("media")
        .values({
          id: m.id,
          session_token: m.sessionToken,
          company_id: m.companyId,
          kind: m.kind,
          storage_key: m.storageKey,
          content_type: m.contentType,
          size: m.size,
          sha256: m.sha256,
          created_at: m.createdAt,
        })
        .execute();
    },

    /** The newest item of a kind (a retaken photo replaces the earlier one in the result). */
    async findLatest(sessionToken: string, kind: string): Promise<MediaRecord | null> {
      const r = await db
        .selectFrom("media")
        .selectAll()
        .where("session_token", "=", sessionToken)
        .where("kind", "=", kind)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .executeTakeFirst();
      return r ? toRecord(r) : null;
    },

    async listBySession(sessionToken: string): Promise<MediaRecord[]> {
      const rows = await db
        .selectFrom("media")
        .selectAll()
        .where("session_token", "=", sessionToken)
        .orderBy("created_at")
        .execute();
      return rows.map(toRecord);
    },
  };
}

export type MediaRepository = ReturnType<typeof createMediaRepository>;
