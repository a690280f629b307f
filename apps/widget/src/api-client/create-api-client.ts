/**
 * The widget's only door to the service: the session-scoped widget API, authenticated by the token.
 * @module
 */
import type { LivenessChallenge } from "../flow/liveness-schedule.ts";
import type { SessionDescription } from "./session-description.ts";

/** A non-2xx answer: `code` is the server's error code (SESSION_UNKNOWN, SESSION_EXPIRED, …) or NETWORK. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`${status} ${code}`);
    this.name = "ApiError";
  }
}

export interface ApiClient {
  session(): Promise<SessionDescription>;
  consent(agree: boolean): Promise<{ status: string; currentStep?: number }>;
  completeStep(index: number): Promise<{ currentStep: number }>;
  /**
   * Streams one capture; `onProgress` gets 0…1 while the bytes go up. `fields` go before the file (a
   * liveness frame's nonce, phase and t).
   */
  upload(
    kind: string,
    file: Blob,
    onProgress?: (fraction: number) => void,
    fields?: Readonly<Record<string, string>>,
  ): Promise<{ id: string }>;
  livenessChallenge(): Promise<LivenessChallenge>;
  submit(): Promise<{ status: string; phase: string }>;
}

function codeOf(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } };
    if (typeof parsed.error?.code === "string") return parsed.error.code;
  } catch {
    // not JSON: fall through to the status
  }
  return `HTTP_${status}`;
}

export function createApiClient(token: string, base = ""): ApiClient {
  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          "x-session-token": token,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "NETWORK");
    }
    const text = await res.text();
    if (!res.ok) throw new ApiError(res.status, codeOf(res.status, text));
    return JSON.parse(text) as T;
  }

  return {
    session: () => call("GET", "/api/widget/session"),
    consent: (agree) => call("POST", "/api/widget/consent", { agree }),
    completeStep: (index) => call("POST", `/api/widget/steps/${index}/complete`),
    submit: () => call("POST", "/api/widget/submit"),
    livenessChallenge: () => call("POST", "/api/widget/liveness/challenge"),
    upload(kind, file, onProgress, fields = {}) {
      // XMLHttpRequest rather than fetch: only it reports upload progress.
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", `${base}/api/widget/captures/${encodeURIComponent(kind)}`);
        xhr.setRequestHeader("x-session-token", token);
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
        };
        xhr.onload = () => {
          if (xhr.status >= 200 && xhr.status < 300) {
            resolve(JSON.parse(xhr.responseText) as { id: string });
          } else {
            reject(new ApiError(xhr.status, codeOf(xhr.status, xhr.responseText)));
          }
        };
        xhr.onerror = () => reject(new ApiError(0, "NETWORK"));
        const form = new FormData();
        // The server reads the fields before the file, so they must come first.
        for (const [name, value] of Object.entries(fields)) form.append(name, value);
        form.append("image", file, "capture");
        xhr.send(form);
      });
    },
  };
}
