/**
 * `/openapi.json` (OpenAPI 3.1, see openapi-document.ts) and `/docs/`: a readable reference page
 * rendered here from the same document, self-contained (no CDN, no script: the machines may be offline).
 * @module
 */
import type { FastifyPluginAsync } from "fastify";
import { escapeHtml } from "./html.ts";
import { buildOpenApiDocument } from "./openapi-document.ts";

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function typeLabel(s: unknown): string {
  if (!isObject(s)) return "any";
  if (typeof s.$ref === "string") {
    const name = s.$ref.split("/").at(-1) ?? "";
    return `<a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>`;
  }
  if (Array.isArray(s.anyOf)) return s.anyOf.map(typeLabel).join(" | ");
  if (Array.isArray(s.enum))
    return s.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(" | ");
  if (s.type === "array") return `${typeLabel(s.items)}[]`;
  if (Array.isArray(s.type)) return s.type.map(String).join(" | ");
  if (typeof s.type === "string") return escapeHtml(s.type);
  return "any";
}

function schemaTable(schema: Json): string {
  const props = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const rows = Object.entries(props).map(([name, raw]) => {
    const s = isObject(raw) ? raw : {};
    const desc = typeof s.description === "string" ? escapeHtml(s.description) : "";
    return `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? " *" : ""}</td><td>${typeLabel(s)}</td><td>${desc}</td></tr>`;
  });
  if (rows.length === 0) return `<p>${typeLabel(schema)}</p>`;
  return `<table><thead><tr><th>Field</th><th>Type</th><th>Notes</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** The reference page as one HTML string. */
export function renderDocsPage(doc: Json): string {
  const info = isObject(doc.info) ? doc.info : {};
  const paths = isObject(doc.paths) ? doc.paths : {};
  const schemas = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
  const webhooks = isObject(doc.webhooks) ? doc.webhooks : {};
  const ops: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item) || !isObject(item.post)) continue;
    const op = item.post;
    const req = isObject(op.requestBody) && isObject(op.requestBody.content) ? op.requestBody.content : {};
    const reqSchema = Object.values(req).find(isObject);
    const responses = isObject(op.responses) ? op.responses : {};
    const respRows = Object.entries(responses)
      .map(
        ([code, r]) =>
          `<li><b>${escapeHtml(code)}</b> ${isObject(r) ? escapeHtml(String(r.description ?? "")) : ""}</li>`,
      )
      .join("");
    ops.push(
      `<section id="op-${escapeHtml(path)}"><h3><span class="m">POST</span> <code>${escapeHtml(path)}</code></h3>` +
        `<p><b>${escapeHtml(String(op.summary ?? ""))}</b>. ${escapeHtml(String(op.description ?? ""))}</p>` +
        (reqSchema ? `<p>Request: ${typeLabel(reqSchema.schema)}</p>` : "") +
        `<ul>${respRows}</ul></section>`,
    );
  }
  const hooks = Object.entries(webhooks).map(([name, item]) => {
    const op = isObject(item) && isObject(item.post) ? item.post : {};
    return `<section><h3>${escapeHtml(name)}</h3><p>${escapeHtml(String(op.description ?? ""))}</p><p>Body: <a href="#schema-CallbackEvent">CallbackEvent</a>; header <code>Verimat-Signature</code>.</p></section>`;
  });
  const schemaSections = Object.entries(schemas).map(
    ([name, s]) =>
      `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3>${
        isObject(s) && typeof s.description === "string" ? `<p>${escapeHtml(s.description)}</p>` : ""
      }${isObject(s) ? schemaTable(s) : ""}</section>`,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(String(info.title ?? "API"))}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2430}
code{background:#f1f3f6;padding:0 .2em;border-radius:3px}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
td,th{border:1px solid #d9dde3;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f6f7f9}
.m{background:#1f6feb;color:#fff;border-radius:3px;padding:0 .4em;font-size:.8em}h2{margin-top:2.5rem;border-bottom:1px solid #d9dde3}
section{margin-bottom:1.2rem}</style></head><body>
<h1>${escapeHtml(String(info.title ?? "API"))} <small>${escapeHtml(String(info.version ?? ""))}</small></h1>
<p>${escapeHtml(String(info.description ?? ""))}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Endpoints</h2>${ops.join("\n")}
<h2>Callbacks</h2>${hooks.join("\n")}
<h2>Schemas</h2>${schemaSections.join("\n")}
</body></html>`;
}

export const openApiRoutes: FastifyPluginAsync<{ publicUrl: string }> = async (app, opts) => {
  const doc = buildOpenApiDocument(opts.publicUrl);
  const json = JSON.stringify(doc);
  const page = renderDocsPage(doc);
  app.get("/openapi.json", async (_req, reply) => {
    reply
      .header("content-type", "application/json; charset=utf-8")
      .header("access-control-allow-origin", "*");
    return reply.send(json);
  });
  app.get("/docs", async (_req, reply) => {
    reply
      .header("content-type", "text/html; charset=utf-8")
      .header(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      );
    return reply.send(page);
  });
};
