/**
 * The widget's calls of the step-catalogue API (apps/server/src/routes/widget-steps-api.ts), with the
 * same session-token header and error shape as the main client.
 * @module
 */
import { ApiError } from "../api-client/create-api-client.ts";

export interface StepsApi {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  /** One questionnaire file or registration document; resolves with its media id. */
  upload(kind: "questionnaire-file" | "company-document", file: Blob, name: string): Promise<{ id: string }>;
}

/** The server's message of an error answer (it names the question or field), else "". */
export class StepApiError extends ApiError {
  constructor(
    status: number,
    code: string,
    readonly serverMessage: string,
  ) {
    super(status, code);
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (res.ok) return JSON.parse(text) as T;
  let code = `HTTP_${res.status}`;
  let message = "";
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === "string") code = parsed.error.code;
    if (typeof parsed.error?.message === "string") message = parsed.error.message;
  } catch {
    // not JSON
  }
  throw new StepApiError(res.status, code, message);
}

export function createStepsApi(token: string, base = ""): StepsApi {
  async function send<T>(method: "GET" | "POST", path: string, body?: BodyInit, json = false): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}/api/widget/steps/${path}`, {
        method,
        headers: { "x-session-token": token, ...(json ? { "content-type": "application/json" } : {}) },
        ...(body === undefined ? {} : { body }),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new StepApiError(0, "NETWORK", "");
    }
    return parse<T>(res);
  }
  return {
    get: (path) => send("GET", path),
    post: (path, body) => send("POST", path, JSON.stringify(body), true),
    upload(kind, file, name) {
      const form = new FormData();
      form.append("file", file, name);
      return send("POST", `files/${kind}`, form);
    },
  };
}
