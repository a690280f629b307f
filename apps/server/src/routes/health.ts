import type { WorkQueue } from "@verimat/jobs";
import type { FastifyPluginAsync } from "fastify";
import { sql } from "kysely";
import type { AppDeps } from "../app.ts";

const CHECK_TIMEOUT_MS = 2_000;

async function probe(check: () => Promise<unknown>): Promise<"ok" | "unavailable"> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), CHECK_TIMEOUT_MS);
      }),
    ]);
    return "ok";
  } catch {
    return "unavailable";
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database, the job queue
 * and the media storage answer within 2 s) for load balancers and orchestrators.
 */
export const healthRoutes: FastifyPluginAsync<
  Pick<AppDeps, "database" | "media"> & { jobs?: WorkQueue }
> = async (app, deps) => {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const jobs = deps.jobs;
    const [database, queue, storage] = await Promise.all([
      probe(() => sql`select 1`.execute(deps.database.db)),
      // The database queue lives in the database; BullMQ needs Redis.
      jobs && "check" in jobs
        ? probe(() => jobs.check())
        : probe(() => sql`select 1`.execute(deps.database.db)),
      probe(() => deps.media.check()),
    ]);
    const checks = { database, queue, storage };
    const ready = database === "ok" && queue === "ok" && storage === "ok";
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", checks });
  });
};
