// The baseline: a bare Fastify route answering a JSON string, with the same logger settings.
import Fastify from "fastify";

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? "warn" } });
app.post("/begin/", async (_req, reply) =>
  reply.type("application/json; charset=utf-8").send('"0123456789abcdefghijklmnopqrstuvwxyz0123"'),
);
await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
process.stdout.write("ready\n");
