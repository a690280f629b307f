/**
 * Callbacks: signed JSON events POSTed to a company's callback URL through the durable job queue.
 *
 * The API other parts use (kept small and stable):
 * - `createCallbackService(deps)` → `CallbackService`, built once in app.ts (`app.services.callbacks`):
 *   - `enqueue(companyId, { type, sessionId?, status?, data?, fields? }, company?)` → event id, or null
 *     when the company has no callback URL. Durable (event row + "callback" job); never waits for the
 *     receiver. Identomat's own callbacks go through it too, e.g.
 *     `enqueue(id, { type: "one-time-password-request", sessionId, fields: { text, phoneNumber } })`.
 *   - `sessionSink` — the session service's outbox (prepare / write in the change's transaction /
 *     dispatch after the commit): sessions emit created, opened, step.completed, completed, disagreed,
 *     expired, reviewed, deleted by themselves (anything going through `sessions.transition()`).
 *   - `listEvents(companyId, { limit?, sessionId?, status? })`, `listEventsWithAttempts(…)`,
 *     `getEvent(eventId, companyId?)` (body + attempts; a sealed body is null), `replay(eventId,
 *     companyId?)` (same id and body, new job), `counts(companyId?)`, `requeuePending()` (the relay).
 *   - Bodies of SECRET_EVENT_TYPES (one-time codes, session links) are sealed under the session key.
 *   - `ensureSigningSecret(companyId)` (returns a new secret once, for companies without an HMAC
 *     secret_key), `rotateSigningSecret(companyId)` (old secret still sent for a day).
 * - `startCallbacks({ callbacks, jobs, clock, timeoutMs, shareLoop? })`: the delivery worker and the
 *   outbox relay (run-process.ts); `shareLoop` slows deliveries while the process's API is busy.
 * - `signatureHeader` / `verifySignature`: the `Verimat-Signature: t=…,v1=…` scheme.
 * @module
 */
export {
  CALLBACK_GIVE_UP_MS,
  CALLBACK_QUEUE,
  type CallbackAttemptView,
  type CallbackEventInput,
  type CallbackEventView,
  type CallbackService,
  callbackBackoff,
  callbackBackoffBase,
  createCallbackService,
  SECRET_EVENT_TYPES,
  SESSION_EVENT_TYPES,
} from "./callback-service.ts";
export {
  computeSignature,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  signatureHeader,
  verifySignature,
} from "./callback-signature.ts";
export {
  type ApiActivity,
  createDeliveryGate,
  type DeliveryGate,
  trackApiActivity,
} from "./delivery-gate.ts";
export { isPrivateAddress, resolveCallbackTarget } from "./ssrf-guard.ts";
export { type CallbackWorker, startCallbacks } from "./start-callbacks.ts";
