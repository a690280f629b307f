export { type DatabaseHandle, type DatabaseOptions, migrate, openDatabase } from "./create-database.ts";
export type { Database } from "./database-schema.ts";
export type { DbCapabilities } from "./db-capabilities.ts";
export * from "./repositories/company-repository.ts";
export * from "./repositories/configuration-repository.ts";
export { createRepositories, type Repositories } from "./repositories/create-repositories.ts";
export * from "./repositories/media-repository.ts";
export * from "./repositories/session-event-repository.ts";
export * from "./repositories/session-repository.ts";
