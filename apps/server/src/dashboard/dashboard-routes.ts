/**
 * The operator dashboard over HTTP: its pages at `/dashboard/` (the apps/dashboard build) and its JSON
 * API at `/dashboard/api/*`. Every API call but login needs the login cookie (else 401); every
 * state-changing one also needs the login's `X-CSRF-Token` header (else 403). Everything is scoped to
 * the user's company: another company's session, configuration or key answers 404 as if unknown.
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import cookie from "@fastify/cookie";
import { AppError, isSessionStatus } from "@verimat/core";
import type { CompanyRecord, DashboardLoginRecord, DashboardUserRecord } from "@verimat/db";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { CompanyService } from "../services/company-service.ts";
import type { ConfigurationService } from "../services/configuration-service.ts";
import type { SessionService } from "../services/session-service.ts";
import {
  CORRECTABLE_FIELDS,
  REVIEW_REASON_CODES,
  type SessionReviewService,
} from "./session-review-service.ts";
import { settingsView, updateSettings } from "./settings-service.ts";
import { isDashboardRole, publicUser, type UserService } from "./user-service.ts";

export const DASHBOARD_COOKIE = "verimat_dashboard";

/**
 * The login behind a dashboard API request (every route group under /dashboard/api uses this one
 * check): the session cookie, and for anything but GET/HEAD the CSRF token of that login. Answers are
 * never cached.
 * @throws AppError DASHBOARD_AUTH_REQUIRED, DASHBOARD_CSRF_INVALID
 */
export async function requireDashboardLogin(
  users: Pick<UserService, "authenticate" | "csrfMatches">,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  reply.header("cache-control", "no-store");
  const raw = request.cookies[DASHBOARD_COOKIE];
  const found = raw ? await users.authenticate(raw) : null;
  if (!found) throw new AppError("DASHBOARD_AUTH_REQUIRED");
  if (request.method !== "GET" && request.method !== "HEAD") {
    const given = request.headers["x-csrf-token"];
    if (!users.csrfMatches(found.login, typeof given === "string" ? given : undefined))
      throw new AppError("DASHBOARD_CSRF_INVALID");
  }
  return found;
}

export interface DashboardDeps {
  users: UserService;
  review: SessionReviewService;
  companies: CompanyService;
  configurations: ConfigurationService;
  sessions: SessionService;
  publicUrl: string;
  /** The dashboard build folder; found beside the server when omitted, null for none. */
  dashboardDir?: string | null;
}

interface Auth {
  user: DashboardUserRecord;
  login: DashboardLoginRecord;
}

/** The apps/dashboard build, from source (apps/server/src/dashboard) and from the bundle (apps/server/dist). */
export function findDashboardDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.resolve(here, "../../../dashboard/dist"),
    path.resolve(here, "../../dashboard/dist"),
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, "index.html"))) ?? null;
}

const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;
const ASSET_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // Branding logos are https URLs chosen by the company's admin.
  "img-src 'self' blob: data: https:",
  // Video calls: the operator's camera preview and the person's stream (getUserMedia, WebRTC).
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function body(request: FastifyRequest): Record<string, unknown> {
  const b = request.body;
  if (typeof b !== "object" || b === null || Array.isArray(b))
    throw new AppError("PARAM_INVALID", { message: "the body must be a JSON object" });
  return b as Record<string, unknown>;
}

function optString(v: unknown, name: string, max = 200): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string" || v.length > max)
    throw new AppError("PARAM_INVALID", { message: `${name} must be a string of at most ${max} characters` });
  return v;
}

function dayStart(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    throw new AppError("PARAM_INVALID", { message: `${name} must be a date like 2026-11-25` });
  return Date.parse(`${v}T00:00:00Z`);
}

function intParam(v: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new AppError("PARAM_INVALID", { message: `${name} must be a whole number ${min}–${max}` });
  return n;
}

export const dashboardRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const { users, review, companies, configurations, sessions } = deps;
  const secure = deps.publicUrl.startsWith("https:");
  const dir = deps.dashboardDir === undefined ? findDashboardDir() : deps.dashboardDir;
  const shell = dir ? fs.readFileSync(path.join(dir, "index.html"), "utf8") : null;
  const authOf = new WeakMap<FastifyRequest, Auth>();
  await app.register(cookie);

  const cookieOptions = (maxAgeSeconds: number) => ({
    path: "/dashboard",
    httpOnly: true,
    sameSite: "strict" as const,
    secure,
    maxAge: maxAgeSeconds,
  });

  // ---- pages -------------------------------------------------------------------------------------
  app.get("/dashboard", async (_request, reply) => {
    reply
      .header("cache-control", "no-store")
      .header("referrer-policy", "no-referrer")
      .header("content-security-policy", PAGE_CSP)
      .header("x-frame-options", "DENY")
      .type("text/html; charset=utf-8");
    if (!shell) {
      return reply.send(
        "<!doctype html><title>Verimat dashboard</title><h1>Verimat dashboard</h1><p>The dashboard is not built: run <code>npm run build</code>.</p>",
      );
    }
    return reply.send(shell);
  });

  app.get<{ Params: { file: string } }>("/dashboard/assets/:file", async (request, reply) => {
    const { file } = request.params;
    const type = ASSET_TYPES[path.extname(file)];
    if (!dir || !type || !ASSET_NAME.test(file)) return reply.callNotFound();
    const full = path.join(dir, "assets", file);
    if (!fs.existsSync(full)) return reply.callNotFound();
    reply.header("cache-control", "public, max-age=31536000, immutable").type(type);
    return reply.send(await fs.promises.readFile(full));
  });

  // ---- login (no cookie needed) ------------------------------------------------------------------
  app.post("/dashboard/api/login", async (request, reply) => {
    const b = body(request);
    if (typeof b.email !== "string" || typeof b.password !== "string")
      throw new AppError("PARAM_MISSING", { message: "email and password are required" });
    const { token, login, user } = await users.login(b.email, b.password, request.ip);
    reply.setCookie(
      DASHBOARD_COOKIE,
      token,
      cookieOptions(Math.floor((login.expiresAt - login.createdAt) / 1_000)),
    );
    reply.header("cache-control", "no-store");
    const company = await companies.require(user.companyId);
    return {
      user: publicUser(user),
      company: { company_id: company.id, name: company.name },
      csrf_token: login.csrfToken,
    };
  });

  // ---- everything else needs a login --------------------------------------------------------------
  await app.register(async (api) => {
    api.addHook("onRequest", async (request, reply) => {
      const found = await requireDashboardLogin(users, request, reply);
      authOf.set(request, found);
    });

    const auth = (request: FastifyRequest): Auth => {
      const a = authOf.get(request);
      if (!a) throw new AppError("DASHBOARD_AUTH_REQUIRED");
      return a;
    };
    const admin = (request: FastifyRequest): Auth => {
      const a = auth(request);
      if (a.user.role !== "admin") throw new AppError("DASHBOARD_FORBIDDEN");
      return a;
    };
    const companyOf = (a: Auth): Promise<CompanyRecord> => companies.require(a.user.companyId);
    const clearCookie = (reply: FastifyReply) => reply.clearCookie(DASHBOARD_COOKIE, cookieOptions(0));

    api.get("/dashboard/api/me", async (request) => {
      const a = auth(request);
      const company = await companyOf(a);
      return {
        user: publicUser(a.user),
        company: { company_id: company.id, name: company.name },
        csrf_token: a.login.csrfToken,
        reason_codes: REVIEW_REASON_CODES,
        correctable_fields: CORRECTABLE_FIELDS,
      };
    });

    api.post("/dashboard/api/logout", async (request, reply) => {
      await users.logout(auth(request).login);
      clearCookie(reply);
      return { ok: true };
    });

    api.post("/dashboard/api/logout-everywhere", async (request, reply) => {
      const revoked = await users.logoutEverywhere(auth(request).user.id);
      clearCookie(reply);
      return { ok: true, revoked };
    });

    api.post("/dashboard/api/password", async (request) => {
      const a = auth(request);
      const b = body(request);
      if (typeof b.current_password !== "string" || typeof b.new_password !== "string")
        throw new AppError("PARAM_MISSING", { message: "current_password and new_password are required" });
      if (!(await users.verifyPassword(a.user, b.current_password)))
        throw new AppError("DASHBOARD_LOGIN_FAILED");
      await users.changePassword(a.user.id, b.new_password);
      await review.audit(a.user, "user.password", {});
      return { ok: true };
    });

    // ---- overview and sessions --------------------------------------------------------------------
    api.get<{ Querystring: { days?: string } }>("/dashboard/api/overview", async (request) => {
      const a = auth(request);
      return review.overview(a.user.companyId, intParam(request.query.days, "days", 1, 90, 30));
    });

    api.get<{ Querystring: Record<string, string | undefined> }>(
      "/dashboard/api/sessions",
      async (request) => {
        const a = auth(request);
        const q = request.query;
        const status = optString(q.status, "status", 40);
        if (status !== undefined && !isSessionStatus(status))
          throw new AppError("PARAM_INVALID", { message: "status is not a session status" });
        const to = dayStart(q.to, "to");
        return review.list(await companyOf(a), {
          status,
          from: dayStart(q.from, "from"),
          to: to === undefined ? undefined : to + 86_400_000,
          documentType: optString(q.document_type, "document_type", 60),
          country: optString(q.country, "country", 3),
          reasonCode: optString(q.reason_code, "reason_code", 60),
          q: optString(q.q, "q", 200),
          after: optString(q.after, "after", 100),
          pageSize: intParam(q.page_size, "page_size", 1, 100, 25),
        });
      },
    );

    api.get<{ Params: { token: string } }>("/dashboard/api/sessions/:token", async (request) => {
      const a = auth(request);
      return review.detail(await companyOf(a), request.params.token);
    });

    api.get<{ Params: { token: string; id: string } }>(
      "/dashboard/api/sessions/:token/media/:id",
      async (request, reply) => {
        const a = auth(request);
        const m = await review.media(await companyOf(a), request.params.token, request.params.id);
        reply
          .header("cache-control", "private, no-store")
          .header("content-disposition", "inline")
          .header("cross-origin-resource-policy", "same-origin")
          .type(m.contentType);
        return reply.send(m.bytes);
      },
    );

    api.post<{ Params: { token: string } }>("/dashboard/api/sessions/:token/review", async (request) => {
      const a = auth(request);
      const b = body(request);
      if (typeof b.decision !== "string")
        throw new AppError("PARAM_MISSING", { message: "decision is required" });
      const result = await review.review(await companyOf(a), a.user, request.params.token, {
        decision: b.decision,
        reasonCode: optString(b.reason_code, "reason_code", 60),
        comment: optString(b.comment, "comment", 2_000),
      });
      return { result };
    });

    api.post<{ Params: { token: string } }>("/dashboard/api/sessions/:token/corrections", async (request) => {
      const a = auth(request);
      const b = body(request);
      const fields = b.fields;
      if (typeof fields !== "object" || fields === null || Array.isArray(fields))
        throw new AppError("PARAM_INVALID", { message: "fields must be an object" });
      const result = await review.correct(
        await companyOf(a),
        a.user,
        request.params.token,
        fields as Record<string, unknown>,
      );
      return { result };
    });

    // ---- configurations (admin) -------------------------------------------------------------------
    const publicConfig = (c: {
      id: string;
      name: string;
      flags: unknown;
      steps: unknown;
      updatedAt: number;
    }) => ({
      config_id: c.id,
      name: c.name,
      flags: c.flags,
      steps: c.steps,
      updated_at: new Date(c.updatedAt).toISOString(),
    });

    api.get("/dashboard/api/configurations", async (request) => {
      const a = auth(request);
      return { items: (await configurations.list(a.user.companyId)).map(publicConfig) };
    });

    api.get<{ Params: { id: string } }>("/dashboard/api/configurations/:id", async (request) => {
      const a = auth(request);
      const c = await configurations.get(a.user.companyId, request.params.id);
      if (!c) throw new AppError("DASHBOARD_NOT_FOUND", { message: "No such configuration" });
      return publicConfig(c);
    });

    api.post("/dashboard/api/configurations", async (request) => {
      const a = admin(request);
      const b = body(request);
      const c = await configurations.create(a.user.companyId, {
        name: b.name,
        flags: b.flags,
        steps: b.steps,
      });
      await review.audit(a.user, "configuration.create", { config_id: c.id, name: c.name });
      return publicConfig(c);
    });

    api.put<{ Params: { id: string } }>("/dashboard/api/configurations/:id", async (request) => {
      const a = admin(request);
      const b = body(request);
      const existing = await configurations.get(a.user.companyId, request.params.id);
      if (!existing) throw new AppError("DASHBOARD_NOT_FOUND", { message: "No such configuration" });
      const c = await configurations.update(a.user.companyId, existing.id, {
        name: b.name,
        flags: b.flags,
        steps: b.steps,
      });
      await review.audit(a.user, "configuration.update", { config_id: c.id, name: c.name });
      return publicConfig(c);
    });

    api.delete<{ Params: { id: string } }>("/dashboard/api/configurations/:id", async (request) => {
      const a = admin(request);
      const existing = await configurations.get(a.user.companyId, request.params.id);
      if (!existing) throw new AppError("DASHBOARD_NOT_FOUND", { message: "No such configuration" });
      await configurations.delete(a.user.companyId, existing.id);
      await review.audit(a.user, "configuration.delete", { config_id: existing.id, name: existing.name });
      return { ok: true };
    });

    /** A test session of the saved configuration, exactly as begin/ with config_id would make it. */
    api.post<{ Params: { id: string } }>("/dashboard/api/configurations/:id/preview", async (request) => {
      const a = admin(request);
      const company = await companyOf(a);
      const existing = await configurations.get(company.id, request.params.id);
      if (!existing) throw new AppError("DASHBOARD_NOT_FOUND", { message: "No such configuration" });
      const token = await sessions.begin(company, { configId: existing.id });
      await review.audit(a.user, "configuration.preview", { config_id: existing.id }, token);
      const widgetPath = `/?session_token=${token}`;
      return { session_token: token, url: `${deps.publicUrl}${widgetPath}`, path: widgetPath };
    });

    // ---- settings, keys, users (admin) ------------------------------------------------------------
    api.get("/dashboard/api/settings", async (request) => {
      const a = admin(request);
      return settingsView(await companyOf(a));
    });

    api.put("/dashboard/api/settings", async (request) => {
      const a = admin(request);
      const { company, changed } = await updateSettings(companies, a.user.companyId, body(request));
      await review.audit(a.user, "settings.update", { settings: changed });
      return settingsView(company);
    });

    api.post("/dashboard/api/settings/hmac-secret", async (request) => {
      const a = admin(request);
      const b = body(request);
      if (typeof b.enabled !== "boolean")
        throw new AppError("PARAM_INVALID", { message: "enabled must be true or false" });
      const out = await companies.setHmacSecret(a.user.companyId, b.enabled);
      await review.audit(a.user, b.enabled ? "hmac.rotate" : "hmac.disable", {});
      return out;
    });

    const publicKey = (k: {
      id: string;
      keyPrefix: string;
      createdAt: number;
      revokedAt: number | null;
    }) => ({
      key_id: k.id,
      prefix: `${k.keyPrefix.slice(0, 30)}…`,
      created_at: new Date(k.createdAt).toISOString(),
      revoked_at: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
    });

    api.get("/dashboard/api/keys", async (request) => {
      const a = admin(request);
      return { items: (await companies.listKeys(a.user.companyId)).map(publicKey).reverse() };
    });

    api.post("/dashboard/api/keys", async (request) => {
      const a = admin(request);
      const out = await companies.addKey(a.user.companyId);
      await review.audit(a.user, "key.create", { key_id: out.key_id });
      return out;
    });

    api.post("/dashboard/api/keys/rotate", async (request) => {
      const a = admin(request);
      const out = await companies.rotateKey(a.user.companyId);
      await review.audit(a.user, "key.rotate", {});
      return out;
    });

    api.post<{ Params: { id: string } }>("/dashboard/api/keys/:id/revoke", async (request) => {
      const a = admin(request);
      if (!(await companies.revokeKey(a.user.companyId, request.params.id)))
        throw new AppError("DASHBOARD_NOT_FOUND", { message: "No such active key" });
      await review.audit(a.user, "key.revoke", { key_id: request.params.id });
      return { ok: true };
    });

    api.get("/dashboard/api/users", async (request) => {
      const a = admin(request);
      return { items: (await users.list(a.user.companyId)).map(publicUser) };
    });

    api.post("/dashboard/api/users", async (request) => {
      const a = admin(request);
      const b = body(request);
      if (typeof b.email !== "string") throw new AppError("PARAM_MISSING", { message: "email is required" });
      if (!isDashboardRole(b.role))
        throw new AppError("PARAM_INVALID", { message: "role must be admin or operator" });
      const created = await users.create({ companyId: a.user.companyId, email: b.email, role: b.role });
      await review.audit(a.user, "user.create", {
        user_id: created.user.id,
        email: created.user.email,
        role: b.role,
      });
      return { user: publicUser(created.user), password: created.password };
    });

    api.post<{ Params: { id: string } }>("/dashboard/api/users/:id/disable", async (request) => {
      const a = admin(request);
      if (request.params.id === a.user.id)
        throw new AppError("PARAM_INVALID", { message: "you cannot disable yourself" });
      const b = body(request);
      const disabled = b.disabled !== false;
      await users.setDisabled(a.user.companyId, request.params.id, disabled);
      await review.audit(a.user, disabled ? "user.disable" : "user.enable", { user_id: request.params.id });
      return { ok: true };
    });

    api.get<{ Querystring: { limit?: string } }>("/dashboard/api/audit", async (request) => {
      const a = admin(request);
      return {
        items: (
          await review.auditLog(a.user.companyId, intParam(request.query.limit, "limit", 1, 500, 100))
        ).map((e) => ({
          action: e.action,
          by: e.userEmail,
          at: new Date(e.createdAt).toISOString(),
          session_token: e.sessionToken,
          data: e.data,
        })),
      };
    });
  });
};
