/**
 * The widget entry at `/?session_token=…`: serves the built widget (apps/widget) with a strict CSP, and
 * its assets under `/widget-assets/`. The widget renders unknown, expired and finished sessions itself,
 * translated, from the widget API's answers; the page keeps the right status code and an English
 * `<noscript>` text. Without a widget build it falls back to plain server pages.
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import type { FastifyPluginAsync } from "fastify";
import type { CompanyService } from "../services/company-service.ts";
import type { SessionService } from "../services/session-service.ts";
import { escapeHtml, page } from "./html.ts";
import { findWidgetDir, widgetAssetRoutes } from "./widget-assets.ts";

export interface WidgetPageDeps {
  sessions: SessionService;
  /** Gives `frame-ancestors` the company's allowed origins; without it the page may be framed anywhere. */
  companies?: Pick<CompanyService, "require">;
  /** The widget build folder; found beside the server when omitted, null for the plain pages. */
  widgetDir?: string | null;
}

/** Only plain http(s) origins go into the CSP: a stored value cannot add directives. */
const CSP_ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

export function frameAncestors(allowedOrigins: readonly string[]): string {
  if (allowedOrigins.length === 0) return "*";
  return ["'self'", ...allowedOrigins.filter((o) => CSP_ORIGIN.test(o))].join(" ");
}

/** The origin of the company's logo (branding.logo_url), when it is an https address. */
export function logoOrigin(settings: Record<string, unknown>): string | null {
  const branding = settings.branding;
  if (typeof branding !== "object" || branding === null) return null;
  const url = (branding as Record<string, unknown>).logo_url;
  if (typeof url !== "string") return null;
  try {
    const u = new URL(url);
    return u.protocol === "https:" && CSP_ORIGIN.test(u.origin) ? u.origin : null;
  } catch {
    return null;
  }
}

function widgetCsp(ancestors: string, logo: string | null): string {
  return [
    "default-src 'none'",
    // wasm-unsafe-eval lets the face tracker compile its WebAssembly; no JavaScript eval is allowed.
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    `img-src 'self' blob: data:${logo ? ` ${logo}` : ""}`,
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors}`,
  ].join("; ");
}

const MESSAGES = {
  none: ["Verimat", "Open this page with the link you were given."],
  unknown: ["This link is not valid", "Ask the service that sent you here for a new link."],
  expired: ["This link has expired", "Ask the service that sent you here for a new link."],
  finished: ["This verification is finished", "You can close this page."],
} as const;

export const widgetPageRoutes: FastifyPluginAsync<WidgetPageDeps> = async (app, deps) => {
  const widgetDir = deps.widgetDir === undefined ? findWidgetDir() : deps.widgetDir;
  const shell = widgetDir ? fs.readFileSync(path.join(widgetDir, "index.html"), "utf8") : null;
  await app.register(widgetAssetRoutes, { widgetDir });

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>("/", async (request, reply) => {
    const raw = request.query.session_token;
    const token = Array.isArray(raw) ? raw[0] : raw;
    reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
    // geolocation for the geolocation step (the person is asked first; embedders add allow="geolocation").
    // The video-call step needs the microphone as well as the camera.
    reply.header("permissions-policy", "camera=(self), microphone=(self), geolocation=(self)");
    reply.type("text/html; charset=utf-8");

    let ancestors = "*";
    let status = 200;
    /** What the page says without the widget (no build, or JavaScript off); `html` is already escaped. */
    let fallback: { title: string; html: string };
    const say = (m: readonly [string, string]) => ({ title: m[0], html: `<p>${escapeHtml(m[1])}</p>` });
    const s = token ? await deps.sessions.find(token) : null;
    if (!token) {
      fallback = say(MESSAGES.none);
    } else if (!s) {
      status = 404;
      fallback = say(MESSAGES.unknown);
    } else if (s.status === "expired") {
      status = 410;
      fallback = say(MESSAGES.expired);
    } else if (s.status !== "in_progress") {
      fallback = say(MESSAGES.finished);
    } else {
      const ua = request.headers["user-agent"] ?? "";
      const opened = await deps.sessions.open(s, {
        remoteAddress: request.ip,
        userAgent: ua.slice(0, 500),
        countryCode: "",
      });
      const items = opened.effectiveSteps
        .map((step) => `<li><code>${escapeHtml(String(step.type))}</code></li>`)
        .join("");
      fallback = {
        title: "Identity verification",
        html: `<p>This verification needs JavaScript. Its steps:</p><ol>${items}</ol>`,
      };
    }
    let logo: string | null = null;
    if (s && deps.companies) {
      const company = await deps.companies.require(s.companyId);
      ancestors = frameAncestors(company.allowedOrigins);
      logo = logoOrigin(company.settings);
    }

    if (shell) {
      reply.header("content-security-policy", widgetCsp(ancestors, logo));
      const noscript = `<noscript><h1>${escapeHtml(fallback.title)}</h1>${fallback.html}</noscript>`;
      return reply.code(status).send(shell.replace("</body>", `${noscript}</body>`));
    }
    reply.header(
      "content-security-policy",
      `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors ${ancestors}`,
    );
    return reply
      .code(status)
      .send(page(fallback.title, `<h1>${escapeHtml(fallback.title)}</h1>${fallback.html}`));
  });
};
