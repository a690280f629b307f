/**
 * Callbacks: signed JSON events POSTed to a company's callback URL through the durable job queue.
 *
 * The API other parts use (kept small and stable):
 * - `createCallbackService(deps)` → `CallbackService`, built once in app.ts (`app.services.callbacks`):
 *   - `enqueue(companyId, { type, sessionId?, status?, data?, fields? }, company?)` → event id, or null
 *     when the company has no callback URL. Durable (event row + "callback" job); never waits for the
 *     receiver. Identomat's own callbacks go through it too, e.g.
 *     `enqueue(id, { type: "one-time-password-request", sessionId, fields: { text, phoneNumber } })`.
 *   - `notifySession` — the session service's event sink (sessions emit created, opened,
 *     step.completed, completed, disagreed, expired, reviewed, deleted by themselves: anything going
 *     through `sessions.transition()` is covered).
 *   - `listEvents(companyId, { limit?, sessionId?, status? })`, `getEvent(eventId)` (body + attempts),
 *     `replay(eventId, companyId?)` (same id and body, new job), `counts(companyId?)`.
 *   - `ensureSigningSecret(companyId)` (returns a new secret once, for companies without an HMAC
 *     secret_key), `rotateSigningSecret(companyId)` (old secret still sent for a day).
 * - `startCallbacks({ callbacks, jobs, clock, timeoutMs })`: the delivery worker (run-process.ts).
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
  createCallbackService,
  SESSION_EVENT_TYPES,
} from "./callback-service.ts";
export {
  computeSignature,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  signatureHeader,
  verifySignature,
} from "./callback-signature.ts";
export { isPrivateAddress, resolveCallbackTarget } from "./ssrf-guard.ts";
export { type CallbackWorker, startCallbacks } from "./start-callbacks.ts";
