/**
 * The Verimat API client: `begin`, `result`, media download, `delete`; signs requests and verifies
 * responses when a `secretKey` is given; errors are typed exceptions (errors.ts).
 * @module
 */
import {
  VerimatAuthError,
  VerimatConnectionError,
  VerimatError,
  VerimatNotFoundError,
  VerimatRateLimitError,
  VerimatSignatureError,
  VerimatValidationError,
} from "./errors.ts";
import { signRequest, verifyResponse } from "./signatures.ts";
import type { MediaKind, SessionFlags, SessionResult, SessionStep } from "./types.ts";

export interface VerimatOptions {
  /** Where Verimat runs, e.g. https://verify.example.com (Identomat: https://widget.identomat.com). */
  baseUrl: string;
  companyKey: string;
  /** The HMAC secret_key of an HMAC company: requests are signed, responses verified. */
  secretKey?: string;
  /** Also sign a `Verimat-Timestamp` (replay guard; required when the company enabled it). @default false */
  signTimestamp?: boolean;
  /** Per-request timeout. @default 30000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch for `Verimat-Timestamp`. @default Date.now */
  now?: () => number;
}

export interface BeginInput {
  flags?: SessionFlags;
  steps?: SessionStep[];
  configId?: string;
  parentSessionId?: string;
}

export class Verimat {
  readonly #o: Required<Omit<VerimatOptions, "secretKey">> & { secretKey: string | undefined };

  constructor(options: VerimatOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) throw new TypeError("baseUrl must be an http(s) URL");
    this.#o = {
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      companyKey: options.companyKey,
      secretKey: options.secretKey,
      signTimestamp: options.signTimestamp ?? false,
      timeoutMs: options.timeoutMs ?? 30_000,
      fetch: options.fetch ?? fetch,
      now: options.now ?? Date.now,
    };
  }

  /** Starts a session; returns its token. */
  async begin(input: BeginInput = {}): Promise<string> {
    const body = {
      company_key: this.#o.companyKey,
      ...(input.flags !== undefined ? { flags: input.flags } : {}),
      ...(input.steps !== undefined ? { steps: input.steps } : {}),
      ...(input.configId !== undefined ? { config_id: input.configId } : {}),
      ...(input.parentSessionId !== undefined ? { parent_session_id: input.parentSessionId } : {}),
    };
    const token = await this.#json("/external-api/begin/", body);
    if (typeof token !== "string" || !/^[0-9a-z]{40}$/.test(token))
      throw new VerimatConnectionError("UNEXPECTED_RESPONSE", "begin did not answer a session token", 200);
    return token;
  }

  /** The session's complete result (also while in progress). */
  async result(sessionToken: string): Promise<SessionResult> {
    const r = await this.#json("/external-api/result/", this.#session(sessionToken));
    if (typeof r !== "object" || r === null || !("result" in r))
      throw new VerimatConnectionError("UNEXPECTED_RESPONSE", "result did not answer a result object", 200);
    return r as SessionResult;
  }

  /** A stored capture; null when the session has none of that kind. */
  async media(
    sessionToken: string,
    kind: MediaKind,
  ): Promise<{ contentType: string; bytes: Uint8Array } | null> {
    try {
      const res = await this.#post(`/external-api/result/${kind}/`, this.#session(sessionToken));
      return {
        contentType: res.headers.get("content-type") ?? "application/octet-stream",
        bytes: res.bytes,
      };
    } catch (err) {
      if (err instanceof VerimatNotFoundError && err.code === "MEDIA_NOT_FOUND") return null;
      throw err;
    }
  }

  /** Deletes the session and everything stored with it. */
  async delete(sessionToken: string): Promise<void> {
    const r = await this.#json("/external-api/delete/", this.#session(sessionToken));
    if (r !== "SESSION_DELETED")
      throw new VerimatConnectionError("UNEXPECTED_RESPONSE", "delete did not confirm", 200);
  }

  /** The widget URL to redirect the person to, or to put in an iframe. */
  widgetUrl(sessionToken: string): string {
    return `${this.#o.baseUrl}/?session_token=${encodeURIComponent(sessionToken)}`;
  }

  #session(sessionToken: string) {
    return { company_key: this.#o.companyKey, session_token: sessionToken };
  }

  async #json(path: string, body: unknown): Promise<unknown> {
    const res = await this.#post(path, body);
    const text = Buffer.from(res.bytes).toString("utf8");
    if (
      this.#o.secretKey !== undefined &&
      !verifyResponse(this.#o.secretKey, text, res.headers.get("authorization"))
    )
      throw new VerimatSignatureError(
        "RESPONSE_SIGNATURE_INVALID",
        "the response signature does not match",
        res.status,
      );
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new VerimatConnectionError(
        "UNEXPECTED_RESPONSE",
        "the answer is not JSON",
        res.status,
        undefined,
        { cause },
      );
    }
  }

  async #post(path: string, body: unknown): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
    const payload = JSON.stringify(body);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    if (this.#o.secretKey !== undefined) {
      const ts = this.#o.signTimestamp ? String(Math.floor(this.#o.now() / 1000)) : undefined;
      if (ts !== undefined) headers["verimat-timestamp"] = ts;
      headers.authorization = signRequest(this.#o.secretKey, payload, ts);
    }
    let res: Response;
    try {
      res = await this.#o.fetch(`${this.#o.baseUrl}${path}`, {
        method: "POST",
        headers,
        body: payload,
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
    } catch (cause) {
      throw new VerimatConnectionError(
        "CONNECTION_FAILED",
        `cannot reach ${this.#o.baseUrl}: ${String(cause)}`,
        0,
        undefined,
        {
          cause,
        },
      );
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.ok) return { status: res.status, headers: res.headers, bytes };
    throw errorFrom(res, Buffer.from(bytes).toString("utf8"));
  }
}

/** Maps the server's three error shapes (bare string, `{argumentError}`, `{error:{…}}`) to a class. */
function errorFrom(res: Response, text: string): VerimatError {
  const requestId = res.headers.get("x-request-id") ?? undefined;
  let code = `HTTP_${res.status}`;
  let message = text.slice(0, 300) || `HTTP ${res.status}`;
  try {
    const j = JSON.parse(text) as unknown;
    if (typeof j === "string") {
      code = j;
      message = j;
    } else if (typeof j === "object" && j !== null) {
      if ("argumentError" in j) {
        message = String(j.argumentError);
        code =
          message === "SESSION_NOT_FOUND"
            ? message
            : res.status === 404
              ? "MEDIA_NOT_FOUND"
              : "PARAM_INVALID";
      } else if ("error" in j && typeof j.error === "object" && j.error !== null) {
        const e = j.error as { code?: unknown; message?: unknown };
        if (typeof e.code === "string") code = e.code;
        if (typeof e.message === "string") message = e.message;
      }
    }
  } catch {
    // not JSON: keep the text excerpt
  }
  if (res.status === 429)
    return new VerimatRateLimitError(message, Number(res.headers.get("retry-after") ?? "1") || 1, requestId);
  if (res.status === 401 || res.status === 403)
    return new VerimatAuthError(code, message, res.status, requestId);
  if (res.status === 404 || res.status === 410)
    return new VerimatNotFoundError(code, message, res.status, requestId);
  if (res.status === 400 || res.status === 413 || res.status === 415)
    return new VerimatValidationError(code, message, res.status, requestId);
  return new VerimatError(code, message, res.status, requestId);
}
