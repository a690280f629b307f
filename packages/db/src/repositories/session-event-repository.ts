import type { Kysely } from "kysely";
import type { Database } from "../database-schema.ts";
import { readJson, writeJson } from "./json-column.ts";

export interface SessionEvent {
  id: number;
  sessionToken: string;
  companyId: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: number;
}

/** The session timeline (dashboard) and the source of callback events. Never holds biometric data. */
export function createSessionEventRepository(db: Kysely<Database>) {
  return {
    async append(e: Omit<SessionEvent, "id">): Promise<void> {
      await db
        .insertInto("session_events")
        .values({
          session_token: e.sessionToken,
          company_id: e.companyId,
          type: e.type,
          data: writeJson(e.data),
          created_at: e.createdAt,
        })
        .execute();
    },

    async list(sessionToken: string): Promise<SessionEvent[]> {
      const rows = await db
        .selectFrom("session_events")
        .selectAll()
        .where("session_token", "=", sessionToken)
        .orderBy("id")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        sessionToken: r.session_token,
        companyId: r.company_id,
        type: r.type,
        data: readJson(r.data, "session_events.data"),
        createdAt: r.created_at,
      }));
    },

    async deleteBySession(sessionToken: string): Promise<void> {
      await db.deleteFrom("session_events").where("session_token", "=", sessionToken).execute();
    },
  };
}

export type SessionEventRepository = ReturnType<typeof createSessionEventRepository>;
