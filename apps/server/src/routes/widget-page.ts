/**
 * The widget entry at `/?session_token=…`. Until the camera widget lands this renders the session's
 * effective steps as a plain page; unknown, expired and finished tokens get a clear page of their own.
 * @module
 */
import type { FastifyPluginAsync } from "fastify";
import type { SessionService } from "../services/session-service.ts";
import { escapeHtml, page } from "./html.ts";

export const widgetPageRoutes: FastifyPluginAsync<{ sessions: SessionService }> = async (app, deps) => {
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>("/", async (request, reply) => {
    const raw = request.query.session_token;
    const token = Array.isArray(raw) ? raw[0] : raw;
    reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
    reply.header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *",
    );
    reply.type("text/html; charset=utf-8");
    if (!token) {
      return reply.send(
        page("Verimat", "<h1>Verimat</h1><p>Open this page with the link you were given.</p>"),
      );
    }
    const s = await deps.sessions.find(token);
    if (!s) {
      return reply
        .code(404)
        .send(
          page(
            "Link not valid",
            "<h1>This link is not valid</h1><p>Ask the service that sent you here for a new link.</p>",
          ),
        );
    }
    if (s.status === "expired") {
      return reply
        .code(410)
        .send(
          page(
            "Link expired",
            "<h1>This link has expired</h1><p>Ask the service that sent you here for a new link.</p>",
          ),
        );
    }
    if (s.status !== "in_progress") {
      return reply.send(
        page(
          "Verification finished",
          "<h1>This verification is finished</h1><p>You can close this page.</p>",
        ),
      );
    }
    const ua = request.headers["user-agent"] ?? "";
    const opened = await deps.sessions.open(s, {
      remoteAddress: request.ip,
      userAgent: ua.slice(0, 500),
      countryCode: "",
    });
    const items = opened.effectiveSteps
      .map((step) => `<li><code>${escapeHtml(String(step.type))}</code></li>`)
      .join("");
    return reply.send(
      page(
        "Verification",
        `<h1>Identity verification</h1><p>This session has these steps:</p><ol>${items}</ol>`,
      ),
    );
  });
};
