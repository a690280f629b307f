/**
 * An example company server: how a company integrates Verimat with the Node SDK and the browser
 * helper. It starts sessions (iframe or redirect), receives signed callbacks (verified, deduplicated
 * by event id), and reads results server-side. The end-to-end tests drive it in Chromium.
 * Plain node:http on purpose: nothing here depends on a web framework.
 * @module
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type CallbackEvent, Verimat, VerimatError, verifyCallback } from "@verimat/sdk";
import { build } from "esbuild";

export interface ExampleOptions {
  /** Where Verimat runs (the widget's origin). */
  verimatUrl: string;
  companyKey: string;
  /** The company's HMAC secret_key, if it has one (requests signed, responses verified). */
  secretKey?: string;
  /** The callback signing secret(s): the company's secret_key, or the one `company set --callback-url` printed. */
  callbackSecrets: string[];
  /** Milliseconds since the epoch (tests may run Verimat on another clock). @default Date.now */
  now?: () => number;
}

export interface ExampleServer {
  /** Events received per session token, in arrival order, each id once. */
  events: Map<string, CallbackEvent[]>;
  /** Callback deliveries received in total (retries and replays included). */
  deliveries: () => number;
  listen(port?: number): Promise<string>;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head><body>${body}</body></html>`;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readBody(req: http.IncomingMessage, limit = 1_000_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > limit) throw new Error("body too large");
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function createExampleServer(opts: ExampleOptions): ExampleServer {
  const verimat = new Verimat({
    baseUrl: opts.verimatUrl,
    companyKey: opts.companyKey,
    ...(opts.secretKey ? { secretKey: opts.secretKey } : {}),
  });
  const events = new Map<string, CallbackEvent[]>();
  const seen = new Set<string>();
  let deliveries = 0;
  let base = "";
  // The page script: @verimat/web bundled with the page's own code, built once at start.
  const script = build({
    entryPoints: [path.join(here, "browser.ts")],
    bundle: true,
    format: "esm",
    minify: true,
    write: false,
    platform: "browser",
    target: "es2020",
    // In this repository @verimat/web resolves to its source (a company uses the published build).
    conditions: ["verimat-source"],
  }).then((r) => r.outputFiles[0]?.text ?? "");

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://local");
    const json = (status: number, v: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(v));
    };
    if (req.method === "GET" && url.pathname === "/") {
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": `default-src 'self'; frame-src ${new URL(opts.verimatUrl).origin}`,
      });
      res.end(
        page(
          "Example shop",
          `<h1>Example shop: verify your identity</h1>
<button id="start-iframe">Verify here</button> <button id="start-redirect">Verify on the Verimat page</button>
<p id="status" data-state="idle"></p><pre id="result"></pre>
<div id="widget" style="width:420px;height:680px"></div>
<script type="module" src="/app.js"></script>`,
        ),
      );
      return;
    }
    if (req.method === "GET" && url.pathname === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(await script);
      return;
    }
    if (req.method === "POST" && url.pathname === "/api/start") {
      const body = JSON.parse((await readBody(req)).toString("utf8") || "{}") as { mode?: string };
      // Redirect mode: the widget comes back to return_url with ?session_token=…
      const flags =
        body.mode === "redirect"
          ? { return_url: `${base}/return`, liveness: false, skip_document: true }
          : { liveness: false, skip_document: true };
      const token = await verimat.begin({ flags });
      json(200, { sessionToken: token, widgetUrl: verimat.widgetUrl(token) });
      return;
    }
    if (req.method === "GET" && url.pathname.startsWith("/api/status/")) {
      const token = url.pathname.slice("/api/status/".length);
      const result = await verimat.result(token);
      json(200, { result: result.result, events: (events.get(token) ?? []).map((e) => e.type) });
      return;
    }
    if (req.method === "GET" && url.pathname === "/return") {
      // Never trust the browser: the token only says which session to look up server-side.
      const token = url.searchParams.get("session_token") ?? "";
      const result = await verimat.result(token);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        page(
          "Back at the shop",
          `<h1>Back at the shop</h1><p id="outcome" data-result="${esc(result.result)}">Your verification: ${esc(result.result)}</p>`,
        ),
      );
      return;
    }
    if (req.method === "POST" && url.pathname === "/verimat/callbacks") {
      const raw = await readBody(req);
      deliveries++;
      let event: CallbackEvent;
      try {
        // The raw bytes, before any JSON parsing: the signature covers them exactly.
        event = verifyCallback(opts.callbackSecrets, req.headers["verimat-signature"]?.toString(), raw, {
          ...(opts.now ? { now: opts.now() } : {}),
        });
      } catch {
        json(401, { error: "bad signature" });
        return;
      }
      // Idempotent: retries and replays carry the same id; process each once, answer 2xx every time.
      if (!seen.has(event.id)) {
        seen.add(event.id);
        const key = event.sessionId ?? "";
        events.set(key, [...(events.get(key) ?? []), event]);
      }
      json(200, { received: true });
      return;
    }
    json(404, { error: "not found" });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof VerimatError && err.status >= 400 && err.status < 500 ? 400 : 500;
      if (!res.headersSent) res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: err instanceof Error ? err.message : "error" }));
    });
  });

  return {
    events,
    deliveries: () => deliveries,
    async listen(port = 0) {
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return base;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
