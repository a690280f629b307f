/**
 * The dashboard's only door to the service: `/dashboard/api/*` with the login cookie (same origin) and
 * the login's CSRF token on every state-changing call.
 * @module
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface User {
  user_id: string;
  company_id: string;
  email: string;
  role: "admin" | "operator";
  disabled: boolean;
  created_at: string;
}

export interface Me {
  user: User;
  company: { company_id: string; name: string };
  csrf_token: string;
  reason_codes: Record<string, string>;
  correctable_fields: string[];
}

export interface SessionSummary {
  session_token: string;
  status: string;
  created_at: string;
  completed_at: string | null;
  name: string;
  document_type: string;
  document_number: string;
  country: string;
  similarity: number | null;
  reason_codes: string[];
}

export interface SessionPage {
  items: SessionSummary[];
  page_size: number;
  has_more: boolean;
  /** Pass as `after` for the next (older) page; null on the last page. */
  next_cursor: string | null;
  /** Matching sessions, counted up to a cap: `total_more` says there are more than `total`. */
  total: number;
  total_more: boolean;
}

export interface FieldRow {
  field: string;
  mrz: string;
  visual: string;
  value: string;
  corrected: boolean;
  mismatch: boolean;
}

export interface SessionDetail {
  session_token: string;
  status: string;
  config_id: string | null;
  created_at: string;
  opened_at: string | null;
  submitted_at: string | null;
  completed_at: string | null;
  steps: string[];
  result: { result: string; reject_reason: { value: string; description: string }; result_comment: string };
  fields: FieldRow[];
  similarity: number | null;
  live: boolean;
  document_type: string;
  reason_codes: { code: string; description: string }[];
  signals: Record<string, unknown>;
  technical: Record<string, string>;
  media: { media_id: string; kind: string; content_type: string; size: number; created_at: string }[];
  timeline: { type: string; at: string; data: Record<string, unknown> }[];
  audit: { action: string; by: string; at: string; data: Record<string, unknown> }[];
}

export interface Overview {
  days: number;
  total: number;
  totals: Record<string, number>;
  pass_rate: number | null;
  median_decision_ms: number | null;
  per_day: { day: string; counts: Record<string, number> }[];
  top_reason_codes: { code: string; count: number; description: string }[];
}

export interface Step {
  type: string;
  flags: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Configuration {
  config_id: string;
  name: string;
  flags: Record<string, unknown>;
  steps: Step[];
  updated_at: string;
}

export interface Settings {
  company_id: string;
  name: string;
  hmac: boolean;
  hmac_timestamp_required: boolean;
  callback_url: string | null;
  callback_key_set: boolean;
  allowed_origins: string[];
  session_ttl_minutes: number;
  retention_days: number | null;
  accept_similarity: number;
  reject_similarity: number;
  fields_mismatch_effect: FieldsMismatchEffect;
  branding: { primary_color: string; logo_url: string };
}

/** What the `fields_mismatch` reason does to a session (company setting). */
export type FieldsMismatchEffect = "review" | "reject" | "ignore";

export interface ApiKey {
  key_id: string;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

let csrf = "";

export function setCsrf(token: string): void {
  csrf = token;
}

/** The login's CSRF token (for calls made with fetch directly: multipart uploads, keepalive). */
export function getCsrf(): string {
  return csrf;
}

async function call<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/dashboard/api/${path}`, {
      method,
      headers: {
        ...(method === "GET" ? {} : { "x-csrf-token": csrf }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "NETWORK", "The service cannot be reached. Check your connection.");
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const err = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `HTTP ${res.status}`);
  }
  return parsed as T;
}

/** A call of the dashboard API by path (pages with their own endpoints, e.g. video calls). */
export const callApi = call;

export const api = {
  login: (email: string, password: string) => call<Me>("POST", "login", { email, password }),
  me: () => call<Me>("GET", "me"),
  logout: () => call<{ ok: true }>("POST", "logout", {}),
  logoutEverywhere: () => call<{ ok: true }>("POST", "logout-everywhere", {}),
  overview: (days: number) => call<Overview>("GET", `overview?days=${days}`),
  sessions: (query: URLSearchParams) => call<SessionPage>("GET", `sessions?${query.toString()}`),
  session: (token: string) => call<SessionDetail>("GET", `sessions/${encodeURIComponent(token)}`),
  review: (token: string, body: { decision: string; reason_code?: string; comment?: string }) =>
    call<{ result: unknown }>("POST", `sessions/${encodeURIComponent(token)}/review`, body),
  correct: (token: string, fields: Record<string, string>) =>
    call<{ result: unknown }>("POST", `sessions/${encodeURIComponent(token)}/corrections`, { fields }),
  configurations: () => call<{ items: Configuration[] }>("GET", "configurations"),
  configuration: (id: string) => call<Configuration>("GET", `configurations/${encodeURIComponent(id)}`),
  saveConfiguration: (
    id: string | null,
    body: { name: string; flags: Record<string, unknown>; steps: Step[] },
  ) =>
    id
      ? call<Configuration>("PUT", `configurations/${encodeURIComponent(id)}`, body)
      : call<Configuration>("POST", "configurations", body),
  deleteConfiguration: (id: string) =>
    call<{ ok: true }>("DELETE", `configurations/${encodeURIComponent(id)}`),
  preview: (id: string) =>
    call<{ session_token: string; url: string; path: string }>(
      "POST",
      `configurations/${encodeURIComponent(id)}/preview`,
      {},
    ),
  settings: () => call<Settings>("GET", "settings"),
  saveSettings: (body: Record<string, unknown>) => call<Settings>("PUT", "settings", body),
  hmacSecret: (enabled: boolean) =>
    call<{ secret_key: string | null }>("POST", "settings/hmac-secret", { enabled }),
  keys: () => call<{ items: ApiKey[] }>("GET", "keys"),
  createKey: () => call<{ key_id: string; company_key: string }>("POST", "keys", {}),
  rotateKeys: () => call<{ company_key: string }>("POST", "keys/rotate", {}),
  revokeKey: (id: string) => call<{ ok: true }>("POST", `keys/${encodeURIComponent(id)}/revoke`, {}),
  users: () => call<{ items: User[] }>("GET", "users"),
  createUser: (email: string, role: string) =>
    call<{ user: User; password: string }>("POST", "users", { email, role }),
  sessionSteps: (token: string) => call<SessionSteps>("GET", `sessions/${encodeURIComponent(token)}/steps`),
  answerOperatorQuestionnaire: (token: string, index: number, answers: Record<string, unknown>) =>
    call<unknown>("POST", `sessions/${encodeURIComponent(token)}/operator-questionnaires/${index}`, {
      answers,
    }),
  setUserDisabled: (id: string, disabled: boolean) =>
    call<{ ok: true }>("POST", `users/${encodeURIComponent(id)}/disable`, { disabled }),
  callbacks: (query: URLSearchParams) => call<CallbackPage>("GET", `callbacks?${query.toString()}`),
  sessionCallbacks: (token: string) =>
    call<{ items: CallbackEvent[] }>("GET", `sessions/${encodeURIComponent(token)}/callbacks`),
  replayCallback: (eventId: string) =>
    call<{ event_id: string; status: string }>("POST", `callbacks/${encodeURIComponent(eventId)}/replay`, {}),
};

/** One callback event with its delivery attempts (apps/server/src/dashboard/callback-routes.ts). */
export interface CallbackEvent {
  event_id: string;
  session_id: string | null;
  type: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  next_attempt_at: string | null;
  body_sealed: boolean;
  attempts_history: {
    attempt: number;
    url: string;
    status_code: number | null;
    ok: boolean;
    latency_ms: number;
    error: string | null;
    response_excerpt: string;
    at: string;
  }[];
}

export interface CallbackPage {
  items: CallbackEvent[];
  counts: { pending: number; delivered: number; failed: number };
}

/** `GET /dashboard/api/sessions/:token/steps` (apps/server/src/dashboard/steps-routes.ts). */
export interface SessionSteps {
  session_token: string;
  status: string;
  parent_session_id: string | null;
  operator_questionnaires: {
    index: number;
    definition: {
      key: string;
      questions: {
        key: string;
        type: string;
        label?: unknown;
        required: boolean;
        options?: { value: string }[];
      }[];
    };
    answers: { key: string; answer: unknown }[] | null;
  }[];
  questionnaires: { key: string; questions: { key: string; answer: unknown }[] }[];
  contact: { email?: string; phone?: string };
  geolocation: Record<string, unknown> | null;
  company_data: { fields: Record<string, string>; documents: string[] } | null;
  beneficiaries: {
    first_name: string;
    last_name: string;
    roles: string[];
    share: number | null;
    required: boolean;
    session_token: string;
    status: string;
    result: { reject_reason: { value: string } } | null;
  }[];
  /** The video-call step's verdict (result field `video_call`). */
  video_call: {
    outcome: "passed" | "failed";
    note: string;
    operator: string;
    started_at: string;
    duration_seconds: number;
    stills: string[];
    recording?: string | null;
  } | null;
}

export function mediaUrl(token: string, mediaId: string): string {
  return `/dashboard/api/sessions/${encodeURIComponent(token)}/media/${encodeURIComponent(mediaId)}`;
}
