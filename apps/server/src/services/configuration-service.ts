/**
 * Saved session configurations (`config_id`), validated with the same schemas as begin/, so a saved
 * configuration can never hold what the API would refuse. Used by the CLI and the dashboard.
 * @module
 */
import { AppError, type Clock, parseFlags, parseSteps, randomHexId } from "@verimat/core";
import type { ConfigurationRecord, ConfigurationRepository } from "@verimat/db";

export interface ConfigurationInput {
  name?: unknown;
  flags?: unknown;
  steps?: unknown;
}

function validate(input: ConfigurationInput, fallbackName: string) {
  const name =
    typeof input.name === "string" && input.name.trim() ? input.name.trim().slice(0, 200) : fallbackName;
  if (input.name !== undefined && typeof input.name !== "string") {
    throw new AppError("PARAM_INVALID", { message: "name must be a string" });
  }
  return { name, flags: parseFlags(input.flags), steps: parseSteps(input.steps) };
}

export function createConfigurationService(deps: { configurations: ConfigurationRepository; clock: Clock }) {
  const { configurations, clock } = deps;
  return {
    async create(companyId: string, input: ConfigurationInput): Promise<ConfigurationRecord> {
      const id = randomHexId();
      const v = validate(input, `Configuration ${id.slice(0, 6)}`);
      const now = clock.now();
      const rec: ConfigurationRecord = { id, companyId, ...v, createdAt: now, updatedAt: now };
      await configurations.insert(rec);
      return rec;
    },

    async update(companyId: string, id: string, input: ConfigurationInput): Promise<ConfigurationRecord> {
      const existing = await configurations.find(companyId, id);
      if (!existing) throw new AppError("CONFIG_NOT_FOUND");
      const v = validate(input, existing.name);
      await configurations.update(companyId, id, v, clock.now());
      return { ...existing, ...v, updatedAt: clock.now() };
    },

    get: (companyId: string, id: string) => configurations.find(companyId, id),
    list: (companyId: string) => configurations.list(companyId),
    delete: (companyId: string, id: string) => configurations.delete(companyId, id),
  };
}

export type ConfigurationService = ReturnType<typeof createConfigurationService>;
