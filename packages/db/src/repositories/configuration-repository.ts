import type { Kysely, Selectable } from "kysely";
import type { ConfigurationsTable, Database } from "../database-schema.ts";
import { readJson, writeJson } from "./json-column.ts";

export interface ConfigurationRecord {
  id: string;
  companyId: string;
  name: string;
  flags: Record<string, unknown>;
  steps: Record<string, unknown>[];
  createdAt: number;
  updatedAt: number;
}

function toRecord(r: Selectable<ConfigurationsTable>): ConfigurationRecord {
  return {
    id: r.id,
    companyId: r.company_id,
    name: r.name,
    flags: readJson(r.flags, "configurations.flags"),
    steps: readJson(r.steps, "configurations.steps"),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function createConfigurationRepository(db: Kysely<Database>) {
  return {
    async insert(c: ConfigurationRecord): Promise<void> {
      await db
        .insertInto("configurations")
        .values({
          id: c.id,
          company_id: c.companyId,
          name: c.name,
          flags: writeJson(c.flags),
          steps: writeJson(c.steps),
          created_at: c.createdAt,
          updated_at: c.updatedAt,
        })
        .execute();
    },

    /** Scoped to the company: another company's configuration id is "not found". */
    async find(companyId: string, id: string): Promise<ConfigurationRecord | null> {
      const r = await db
        .selectFrom("configurations")
        .selectAll()
        .where("company_id", "=", companyId)
        .where("id", "=", id)
        .executeTakeFirst();
      return r ? toRecord(r) : null;
    },

    async list(companyId: string): Promise<ConfigurationRecord[]> {
      const rows = await db
        .selectFrom("configurations")
        .selectAll()
        .where("company_id", "=", companyId)
        .orderBy("created_at")
        .execute();
      return rows.map(toRecord);
    },

    async update(
      companyId: string,
      id: string,
      patch: Pick<ConfigurationRecord, "name" | "flags" | "steps">,
      now: number,
    ): Promise<boolean> {
      const r = await db
        .updateTable("configurations")
        .set({
          name: patch.name,
          flags: writeJson(patch.flags),
          steps: writeJson(patch.steps),
          updated_at: now,
        })
        .where("company_id", "=", companyId)
        .where("id", "=", id)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async delete(companyId: string, id: string): Promise<boolean> {
      const r = await db
        .deleteFrom("configurations")
        .where("company_id", "=", companyId)
        .where("id", "=", id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

export type ConfigurationRepository = ReturnType<typeof createConfigurationRepository>;
