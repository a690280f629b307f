/** Rows the storage tests share: a session record and a company with one key. */
import type { CompanyRecord, Repositories, SessionRecord } from "../src/index.ts";

export function sessionRecord(
  token: string,
  companyId: string,
  over: Partial<SessionRecord> = {},
): SessionRecord {
  return {
    token,
    companyId,
    configId: null,
    parentSessionId: null,
    status: "in_progress",
    flags: { liveness: true, unknown_flag: { nested: [1, "x"] } },
    steps: [],
    effectiveSteps: [{ type: "agreement", flags: {} }],
    currentStep: 0,
    openDeadline: 1_800_000_000_000,
    openedAt: null,
    lastActivityAt: null,
    submittedAt: null,
    completedAt: null,
    verification: {},
    resultComment: "",
    technical: {},
    version: 0,
    createdAt: 1_795_000_000_000,
    updatedAt: 1_795_000_000_000,
    ...over,
  };
}

/** Inserts company `id` with one API key (`k-<id>`, hash `hash-<id>`). */
export async function insertCompany(
  repos: Pick<Repositories, "companies">,
  id: string,
  now: number,
  over: Partial<CompanyRecord> = {},
): Promise<void> {
  await repos.companies.insert(
    {
      id,
      name: `Company ${id}`,
      secretKeySealed: null,
      hmacRequired: false,
      hmacTimestampRequired: false,
      callbackUrl: null,
      callbackKey: null,
      allowedOrigins: [],
      sessionTtlMinutes: 15,
      retentionDays: null,
      settings: {},
      createdAt: now,
      updatedAt: now,
      ...over,
    },
    { id: `k-${id}`, companyId: id, keyHash: `hash-${id}`, keyPrefix: id, createdAt: now, revokedAt: null },
  );
}
