/**
 * One HTTP delivery of a callback: POST to the address the SSRF guard checked (never a second DNS
 * lookup), with the original host name for the Host header and TLS (SNI and certificate check), an
 * overall timeout, no redirects followed, and at most a short excerpt of the answer kept.
 * @module
 */
import http from "node:http";
import https from "node:https";
import { CallbackTargetError, type Resolver, resolveCallbackTarget } from "./ssrf-guard.ts";

export interface DeliveryOutcome {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string;
  /** The target itself is refused (SSRF guard, bad URL): retrying cannot help. */
  refused: boolean;
}

export interface DeliverOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  resolver?: Resolver;
  /** Bytes of the answer kept in the attempt history. @default 512 */
  excerptBytes?: number;
}

// Keep-alive per scheme: a busy receiver is reached over a few reused connections.
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

export async function deliverCallback(
  urlText: string,
  body: string,
  headers: Record<string, string>,
  opts: DeliverOptions,
): Promise<DeliveryOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const excerptBytes = opts.excerptBytes ?? 512;
  let url: URL;
  let target: { address: string; family: 4 | 6 };
  try {
    url = new URL(urlText);
    target = await resolveCallbackTarget(url, {
      allowPrivate: opts.allowPrivate,
      timeoutMs: opts.timeoutMs,
      ...(opts.resolver ? { resolver: opts.resolver } : {}),
    });
  } catch (err) {
    const refused = err instanceof CallbackTargetError || err instanceof TypeError;
    return {
      ok: false,
      statusCode: null,
      latencyMs: elapsed(),
      error: refused ? `refused: ${(err as Error).message}` : String(err),
      responseExcerpt: "",
      refused,
    };
  }
  const secure = url.protocol === "https:";
  const payload = Buffer.from(body, "utf8");
  return new Promise<DeliveryOutcome>((resolve) => {
    let settled = false;
    const finish = (o: Omit<DeliveryOutcome, "latencyMs" | "refused">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...o, latencyMs: elapsed(), refused: false });
    };
    const req = (secure ? https : http).request({
      method: "POST",
      host: target.address,
      family: target.family,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      agent: secure ? httpsAgent : httpAgent,
      ...(secure ? { servername: url.hostname } : {}),
      headers: {
        ...headers,
        host: url.host,
        "content-type": "application/json",
        "content-length": String(payload.length),
        "user-agent": "Verimat-Callbacks/1",
      },
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on("data", (c: Buffer) => {
        if (kept < excerptBytes) {
          chunks.push(c);
          kept += c.length;
        }
      });
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        const excerpt = Buffer.concat(chunks).subarray(0, excerptBytes).toString("utf8");
        finish({
          ok: status >= 200 && status < 300,
          statusCode: status,
          error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
          responseExcerpt: excerpt,
        });
      });
      res.on("error", (err) =>
        finish({ ok: false, statusCode: res.statusCode ?? null, error: err.message, responseExcerpt: "" }),
      );
    });
    req.on("error", (err) =>
      finish({ ok: false, statusCode: null, error: err.message, responseExcerpt: "" }),
    );
    req.end(payload);
  });
}
