/**
 * Every dialect difference the project depends on, in one object (Kysely's DialectAdapter idea), so
 * repositories never branch on "if sqlite".
 */
export interface DbCapabilities {
  dialect: "sqlite" | "postgres";
  /** Column type for an auto-incrementing integer primary key. */
  autoIncrementType: "integer" | "bigserial";
  /** `SELECT … FOR UPDATE SKIP LOCKED` is available (job claims); SQLite serialises writers instead. */
  supportsSkipLocked: boolean;
}

export const SQLITE_CAPABILITIES: DbCapabilities = {
  dialect: "sqlite",
  autoIncrementType: "integer",
  supportsSkipLocked: false,
};

export const POSTGRES_CAPABILITIES: DbCapabilities = {
  dialect: "postgres",
  autoIncrementType: "bigserial",
  supportsSkipLocked: true,
};
