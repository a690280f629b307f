import type { FastifyPluginAsync } from "fastify";
import { sql } from "kysely";
import type { AppDeps } from "../app.ts";

/** Liveness and readiness probes for load balancers and orchestrators. */
export const healthRoutes: FastifyPluginAsync<Pick<AppDeps, "database" | "media">> = async (app, deps) => {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const checks: Record<string, string> = {};
    try {
      await sql`select 1`.execute(deps.database.db);
      checks.database = "ok";
    } catch {
      checks.database = "unavailable";
    }
    try {
      await deps.media.check();
      checks.storage = "ok";
    } catch {
      checks.storage = "unavailable";
    }
    const ready = Object.values(checks).every((v) => v === "ok");
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", checks });
  });
};
