import type { Kysely } from "kysely";
import type { Database } from "../database-schema.ts";
import { createCallbackRepository } from "./callback-repository.ts";
import { createCaptureAnalysisRepository } from "./capture-analysis-repository.ts";
import { createCompanyRepository } from "./company-repository.ts";
import { createConfigurationRepository } from "./configuration-repository.ts";
import { createJobRepository } from "./job-repository.ts";
import { createMediaRepository } from "./media-repository.ts";
import { createSessionEventRepository } from "./session-event-repository.ts";
import { createSessionRepository } from "./session-repository.ts";

export function createRepositories(db: Kysely<Database>) {
  return {
    companies: createCompanyRepository(db),
    configurations: createConfigurationRepository(db),
    sessions: createSessionRepository(db),
    media: createMediaRepository(db),
    events: createSessionEventRepository(db),
    jobs: createJobRepository(db),
    analyses: createCaptureAnalysisRepository(db),
    callbacks: createCallbackRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
