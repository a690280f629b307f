export { AppError, type AppErrorOptions, isAppError } from "./app-error.ts";
export { ERROR_CODES, type ErrorCode, statusOf } from "./codes.ts";
