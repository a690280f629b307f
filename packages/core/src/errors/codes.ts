/**
 * The registry of stable error codes. Codes are part of the public contract: a client may branch on
 * them, so never rename one. Each area owns a block; `ERROR_STATUS` maps every code to its HTTP status.
 * @module
 */

type UpperSnake<S extends string> = S extends Uppercase<S> ? S : never;

/** Declares a block of codes; the type rejects anything that is not UPPER_SNAKE. */
function defineErrorCodes<const T extends Record<string, { status: number; message: string }>>(
  codes: {
    [K in keyof T]: K extends string ? (UpperSnake<K> extends never ? never : T[K]) : never;
  },
): T {
  return codes as T;
}

export const REQUEST_ERRORS = defineErrorCodes({
  /** The body could not be parsed in its declared (or sniffed) encoding. Fix the client's encoding. */
  BODY_MALFORMED: { status: 400, message: "The request body could not be parsed" },
  /** The body is larger than the configured limit. */
  BODY_TOO_LARGE: { status: 413, message: "The request body is too large" },
  /** A parameter has the wrong type or shape; the message names it. */
  PARAM_INVALID: { status: 400, message: "A parameter is invalid" },
  /** A required parameter is missing; the message names it. */
  PARAM_MISSING: { status: 400, message: "A required parameter is missing" },
  /** A flag has the wrong type or value; the message names the flag. */
  FLAG_INVALID: { status: 400, message: "A flag is invalid" },
  /** A step is malformed; the message names its index. */
  STEP_INVALID: { status: 400, message: "A step is invalid" },
  /** No route matches the method and path. */
  ROUTE_NOT_FOUND: { status: 404, message: "No such endpoint" },
  /** The media type is not accepted by this endpoint. */
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Unsupported media type" },
  /** Too many requests for this company; retry after the `Retry-After` header. */
  RATE_LIMITED: { status: 429, message: "Too many requests" },
});

export const AUTH_ERRORS = defineErrorCodes({
  /** The company requires HMAC and the request carried no `Authorization: signature="…"` header. */
  SIGNATURE_MISSING: { status: 401, message: "This company requires HMAC-signed requests" },
  /** The HMAC signature does not match the request. Check the key and that the raw body is signed. */
  SIGNATURE_INVALID: { status: 401, message: "The request signature is invalid" },
  /** The signed timestamp is outside the accepted window (replay protection extension). */
  SIGNATURE_EXPIRED: { status: 401, message: "The request timestamp is outside the accepted window" },
});

export const SESSION_ERRORS = defineErrorCodes({
  /** The configuration named by `config_id` does not exist for this company. */
  CONFIG_NOT_FOUND: { status: 404, message: "Configuration not found" },
  /** `parent_session_id` does not name a session of this company. */
  PARENT_SESSION_NOT_FOUND: { status: 404, message: "Parent session not found" },
  /** The session cannot move to the requested state (e.g. approving an expired session). */
  SESSION_TRANSITION_INVALID: { status: 409, message: "The session cannot change to that state" },
  /** The session is no longer in progress (finished, expired or refused). */
  SESSION_CLOSED: { status: 409, message: "The session is closed" },
  /** Widget API: the session token is unknown. The widget shows its "link not valid" page. */
  SESSION_UNKNOWN: { status: 404, message: "Unknown session" },
  /** Widget API: the session expired. The widget shows its "link expired" page. */
  SESSION_EXPIRED: { status: 410, message: "The session has expired" },
  /** Widget API: a step was completed out of order (another tab, a stale page); reload the session. */
  STEP_OUT_OF_ORDER: { status: 409, message: "That step is not the current one" },
  /** Widget API: the session's steps do not ask for this kind of capture. */
  CAPTURE_NOT_ALLOWED: { status: 403, message: "This capture is not part of the session" },
});

export const COMPANY_ERRORS = defineErrorCodes({
  COMPANY_NOT_FOUND: { status: 404, message: "Company not found" },
  COMPANY_SETTING_INVALID: { status: 400, message: "A company setting is invalid" },
});

/** Callbacks (CLI and dashboard: history, replay). */
export const CALLBACK_ERRORS = defineErrorCodes({
  /** No callback event with that id (for this company). Check the id from the event list. */
  CALLBACK_EVENT_NOT_FOUND: { status: 404, message: "No such callback event" },
});

export const MEDIA_ERRORS = defineErrorCodes({
  MEDIA_NOT_FOUND: { status: 404, message: "No media of that kind for this session" },
  /** The upload is not a JPEG, PNG or WebP image (or MP4/WebM video where a video is expected). */
  MEDIA_TYPE_INVALID: { status: 415, message: "The file is not an accepted image or video" },
  /** The upload exceeds the per-file limit. */
  UPLOAD_TOO_LARGE: { status: 413, message: "The file is too large" },
  /** The session's captures together exceed SESSION_MEDIA_LIMIT_BYTES; nothing more can be uploaded to it. */
  SESSION_MEDIA_LIMIT: { status: 413, message: "The session's captures exceed their total size limit" },
});

/** The operator dashboard (`/dashboard/api/*`). */
export const DASHBOARD_ERRORS = defineErrorCodes({
  /** No valid dashboard login (no cookie, expired, revoked or logged out). Log in again. */
  DASHBOARD_AUTH_REQUIRED: { status: 401, message: "Log in to use the dashboard" },
  /** Wrong email or password (the same answer for an unknown email). */
  DASHBOARD_LOGIN_FAILED: { status: 401, message: "Wrong email or password" },
  /** Too many failed logins: the account is locked until the `Retry-After` header's seconds pass. */
  DASHBOARD_ACCOUNT_LOCKED: { status: 429, message: "Too many failed logins; try again later" },
  /** A state-changing request without the login's `X-CSRF-Token` header (or with a wrong one). */
  DASHBOARD_CSRF_INVALID: { status: 403, message: "Missing or invalid CSRF token" },
  /** The user's role may not do this (operators view and review sessions; admins do everything). */
  DASHBOARD_FORBIDDEN: { status: 403, message: "Your role does not allow this" },
  /** A user with this email already exists. */
  DASHBOARD_USER_EXISTS: { status: 409, message: "A user with this email already exists" },
  /** The session, configuration, key, user or media item is not one of the company's. */
  DASHBOARD_NOT_FOUND: { status: 404, message: "Not found" },
});

/** The step catalogue's input checks (issue 8): answers, one-time codes, position, KYB data. */
export const STEP_ERRORS = defineErrorCodes({
  /** Widget API: this step is completed by the server once its input passed (answers, a verified code). */
  STEP_NEEDS_INPUT: { status: 409, message: "This step is completed by sending its input" },
  /** Widget API: the session has no step of that type (or it is not the current one). */
  STEP_NOT_IN_SESSION: { status: 409, message: "The session has no such step now" },
  /** A required question was not answered; the message names it. Show the question again. */
  QUESTIONNAIRE_ANSWER_MISSING: { status: 400, message: "A required question was not answered" },
  /** An answer does not fit its question (type, option, range); the message names the question. */
  QUESTIONNAIRE_ANSWER_INVALID: { status: 400, message: "An answer is not valid" },
  /** The phone number or e-mail address is malformed. Ask the person to correct it. */
  OTP_DESTINATION_INVALID: { status: 400, message: "The phone number or e-mail address is not valid" },
  /** Too many codes asked for this session or destination; `Retry-After` says when to try again. */
  OTP_RATE_LIMITED: { status: 429, message: "Too many codes requested; try again later" },
  /** No code is pending for this step: ask for one first (or the last one was already used). */
  OTP_NOT_REQUESTED: { status: 409, message: "No code is pending; request a new one" },
  /** The code is wrong; the message says how many tries are left. */
  OTP_CODE_WRONG: { status: 400, message: "The code is not correct" },
  /** The code is too old; request a new one. */
  OTP_CODE_EXPIRED: { status: 410, message: "The code has expired; request a new one" },
  /** Too many wrong codes: this code is locked; request a new one (within the rate limit). */
  OTP_LOCKED: { status: 423, message: "Too many wrong codes; request a new one" },
  /** No delivery channel is configured for this kind of code (no SMTP server / SMS provider). */
  OTP_CHANNEL_UNAVAILABLE: { status: 503, message: "Codes cannot be sent this way at the moment" },
  /** The code could not be handed to the SMTP server / SMS provider. Retry later. */
  OTP_DELIVERY_FAILED: { status: 502, message: "The code could not be sent; try again" },
  /** The geolocation step's body is malformed; the message names the field. */
  GEOLOCATION_INVALID: { status: 400, message: "The position is not valid" },
  /** KYB company data failed its checks; the message names the field. */
  COMPANY_DATA_INVALID: { status: 400, message: "The company data is not valid" },
  /** The beneficiaries list failed its checks; the message names the person and field. */
  BENEFICIARIES_INVALID: { status: 400, message: "The list of beneficiaries is not valid" },
  /** No such video call for this session (widget) or company (dashboard). */
  VIDEO_CALL_NOT_FOUND: { status: 404, message: "No such video call" },
  /** The call was taken by another operator, or ended, before this operator accepted it. Refresh the queue. */
  VIDEO_CALL_NOT_WAITING: { status: 409, message: "The call is no longer waiting" },
  /** The call is not live (still waiting, or ended), or it is another operator's. */
  VIDEO_CALL_NOT_ACTIVE: { status: 409, message: "The call is not active" },
  /** A signalling message that is not an SDP offer/answer or an ICE candidate; the message says why. */
  VIDEO_CALL_SIGNAL_INVALID: { status: 400, message: "The signalling message is not valid" },
  /** Ending a call needs outcome passed or failed (and an optional note ≤ 2 000 characters). */
  VIDEO_CALL_OUTCOME_INVALID: { status: 400, message: "The call outcome is not valid" },
  /** The call's step has `record: false`: no recording is kept. Do not send recording chunks. */
  VIDEO_CALL_RECORDING_OFF: { status: 409, message: "This call is not recorded" },
  /** A chunk of a growing media item (a call recording) that is not the next one; the message names it. Resend from there. */
  MEDIA_CHUNK_OUT_OF_ORDER: { status: 409, message: "The chunk is not the next one" },
});

export const INTERNAL_ERRORS = defineErrorCodes({
  /** An unexpected fault. The response carries a request id for the logs; nothing is leaked. */
  INTERNAL: { status: 500, message: "Internal error" },
  /** A dependency (database, storage, model) is unavailable. Retry later. */
  UNAVAILABLE: { status: 503, message: "Service temporarily unavailable" },
});

export const ERROR_CODES = {
  ...REQUEST_ERRORS,
  ...AUTH_ERRORS,
  ...SESSION_ERRORS,
  ...COMPANY_ERRORS,
  ...CALLBACK_ERRORS,
  ...MEDIA_ERRORS,
  ...DASHBOARD_ERRORS,
  ...STEP_ERRORS,
  ...INTERNAL_ERRORS,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The single map from code to HTTP status. */
export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}
