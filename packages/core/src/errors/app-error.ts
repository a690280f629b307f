import { ERROR_CODES, type ErrorCode, statusOf } from "./codes.ts";

export interface AppErrorOptions {
  /** Message safe to show to the API client; defaults to the code's registered message. */
  message?: string;
  /** Internal detail for logs only. */
  detail?: string;
  cause?: unknown;
  /** Extra headers for the HTTP edge (e.g. Retry-After). */
  headers?: Record<string, string>;
}

/** The one error type of the project. The HTTP edge turns it into `{error:{code,message,requestId}}`. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly publicMessage: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    const publicMessage = options.message ?? ERROR_CODES[code].message;
    super(options.detail ? `${publicMessage} (${options.detail})` : publicMessage, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = statusOf(code);
    this.publicMessage = publicMessage;
    this.headers = options.headers ?? {};
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
