/** Typed errors: catch `VerimatError` for all, or a subclass for one kind. @module */

export class VerimatError extends Error {
  /** The server's error code (`COMPANY_KEY_INVALID`, `FLAG_INVALID`, …) or a client-side one. */
  readonly code: string;
  /** HTTP status, 0 when no answer arrived. */
  readonly status: number;
  readonly requestId: string | undefined;
  constructor(
    code: string,
    message: string,
    status: number,
    requestId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "VerimatError";
    this.code = code;
    this.status = status;
    this.requestId = requestId;
  }
}

/** Wrong company key, missing or bad HMAC signature (401/403). */
export class VerimatAuthError extends VerimatError {
  override name = "VerimatAuthError";
}

/** Unknown or deleted session, or no media of that kind (404). */
export class VerimatNotFoundError extends VerimatError {
  override name = "VerimatNotFoundError";
}

/** A parameter, flag or step was refused (400); `message` names it. */
export class VerimatValidationError extends VerimatError {
  override name = "VerimatValidationError";
}

/** Too many requests; retry after `retryAfterSeconds`. */
export class VerimatRateLimitError extends VerimatError {
  override name = "VerimatRateLimitError";
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, requestId?: string) {
    super("RATE_LIMITED", message, 429, requestId);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A response or callback whose signature does not match the secret. */
export class VerimatSignatureError extends VerimatError {
  override name = "VerimatSignatureError";
}

/** Network failure, timeout or an unexpected answer. */
export class VerimatConnectionError extends VerimatError {
  override name = "VerimatConnectionError";
}
