/**
 * The OpenAPI 3.1 document of the external API and of callbacks. Request schemas are the zod schemas
 * the server validates with (`ZSessionFlags` from core, converted by zod's own `toJSONSchema`); the
 * result and the callback event are described by zod schemas here that tests check against what the
 * server really sends (openapi.intg.test.ts).
 * @module
 */
import { ZSessionFlags } from "@verimat/core";
import { REASON_CODES } from "@verimat/engine/policy";
import { z } from "zod";
import { SESSION_EVENT_TYPES } from "../callbacks/index.ts";
import { MEDIA_KINDS } from "../services/session-service.ts";

const token = z
  .string()
  .regex(/^[0-9a-z]{40}$/)
  .describe("Session token (40 characters [0-9a-z])");

export const ZStep = z
  .object({
    type: z
      .string()
      .min(1)
      .max(100)
      .describe("Step type, e.g. identity-document, liveness, user-questionnaire"),
    flags: z.record(z.string(), z.unknown()).optional().describe("Per-step flags"),
  })
  .catchall(z.unknown())
  .describe(
    "A step; other keys (titles, questions, prefilled data) are kept verbatim. `name`/`step` alias `type`.",
  );

export const ZBeginRequest = z.object({
  company_key: z.string().describe("The company's API key"),
  flags: ZSessionFlags.optional().describe("Session flags (a JSON object, or its JSON text in forms)"),
  steps: z.array(ZStep).max(50).optional(),
  config_id: z
    .string()
    .regex(/^[0-9a-f]{24}$/i)
    .optional()
    .describe("A saved configuration of the company"),
  parent_session_id: token.optional().describe("Parent session (KYB beneficiaries)"),
});

export const ZSessionRequest = z.object({
  company_key: z.string(),
  session_token: token,
});

const ZRejectReason = z.object({ value: z.string(), description: z.string() });
const reasonCodeList = Object.keys(REASON_CODES).join(", ");

export const ZSessionResult = z
  .object({
    result: z
      .enum(["in_progress", "approved", "rejected", "manual_check", "disagreed", "expired"])
      .describe("Session status"),
    similarity: z.number().min(0).max(1),
    live: z.boolean(),
    document_type: z.string(),
    generalDocuments: z.array(
      z.object({
        typeId: z.string(),
        documentType: z.string(),
        permanent: z.unknown(),
        pages: z.array(
          z.object({
            typeId: z.string(),
            pageNumber: z.number(),
            documentPages: z.array(z.object({ pageNumber: z.number() })),
            statuses: z.array(z.string()),
            final: z.record(z.string(), z.unknown()),
          }),
        ),
      }),
    ),
    reject_reason: ZRejectReason.describe(`value is a reason code (${reasonCodeList}) or an operator's code`),
    result_comment: z.string(),
    name: z.string(),
    face_images: z.number().int(),
    id_card_front: z.record(z.string(), z.string()),
    id_card_back: z.record(z.string(), z.string()),
    suggested: z.record(z.string(), z.unknown()),
    person: z.record(z.string(), z.union([z.string(), z.number()])),
    technicalDetails: z.object({ remoteAddress: z.string(), userAgent: z.string(), countryCode: z.string() }),
    configId: z.string().nullable(),
    trustedDatabaseRecord: z.unknown(),
    questionnaires: z.array(
      z.object({ key: z.string(), questions: z.array(z.object({ key: z.string(), answer: z.unknown() })) }),
    ),
    screeningMatches: z.array(
      z.object({ score: z.number(), name: z.string(), personId: z.string(), reviewStatus: z.string() }),
    ),
    session_token: token,
    reason_codes: z.array(z.string()).describe(`Reason codes of the decision: ${reasonCodeList}`),
    company_data: z
      .object({ fields: z.record(z.string(), z.string()), documents: z.array(z.string()) })
      .optional(),
    beneficiaries: z.array(z.record(z.string(), z.unknown())).optional(),
    geolocation: z.record(z.string(), z.unknown()).optional(),
  })
  .describe("The result object, complete in every state (also while in progress)");

export const ZCallbackEvent = z
  .object({
    id: z
      .string()
      .regex(/^evt_[0-9a-f]{24}$/)
      .describe("Event id: the same on every retry and replay"),
    type: z
      .string()
      .describe(
        `${SESSION_EVENT_TYPES.join(", ")}, ping, or an Identomat type (one-time-password-request, email-one-time-password-request)`,
      ),
    callbackApiKey: z.string().nullable().describe("The company's callback API key (Identomat's check)"),
    sessionId: token.nullable(),
    status: z.string().nullable().describe("Session status after the change (deleted for session.deleted)"),
    result: z
      .string()
      .nullable()
      .optional()
      .describe("approved / rejected / manual_check (completed, reviewed)"),
    created: z.number().int().describe("Unix seconds"),
    timestamp: z.string().describe("ISO 8601"),
    data: z.record(z.string(), z.unknown()),
  })
  .catchall(z.unknown())
  .describe(
    "POSTed to the callback URL with `Verimat-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + '.' + body)>`",
  );

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  // `input`: what a client sends (before transforms such as upper-casing country codes).
  const out = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" });
  const { $schema: _drop, ...rest } = out;
  return rest;
}

const ERROR_STRING = {
  description: "A bare JSON string error (Identomat's contract): COMPANY_KEY_INVALID or SESSION_NOT_FOUND",
  content: { "application/json": { schema: { type: "string" } } },
};
const APP_ERROR = {
  description: "A validation error: `{ error: { code, message, requestId } }`",
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
};

function endpoint(summary: string, description: string, requestRef: string, ok: Record<string, unknown>) {
  const body = {
    required: true,
    content: {
      "application/json": { schema: { $ref: requestRef } },
      "application/x-www-form-urlencoded": { schema: { $ref: requestRef } },
      "multipart/form-data": { schema: { $ref: requestRef } },
    },
  };
  return {
    post: {
      summary,
      description: `${description}\n\nGET with the same parameters in the query string works too; HMAC companies sign the body (\`Authorization: signature="…"\`).`,
      requestBody: body,
      responses: { "200": ok, "400": APP_ERROR, "401": ERROR_STRING, "404": ERROR_STRING, "429": APP_ERROR },
    },
  };
}

/** Builds the document once (the schemas do not change while the process runs). */
export function buildOpenApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    "/external-api/begin/": endpoint(
      "Start a session",
      "Creates a session and answers its token as a bare JSON string. Also served at `/begin/`.",
      "#/components/schemas/BeginRequest",
      { description: "The session token", content: { "application/json": { schema: { type: "string" } } } },
    ),
    "/external-api/result/": endpoint(
      "Read a session's result",
      "The complete result object in every state; poll it or wait for a callback.",
      "#/components/schemas/SessionRequest",
      {
        description: "The result",
        content: { "application/json": { schema: { $ref: "#/components/schemas/SessionResult" } } },
      },
    ),
    "/external-api/delete/": endpoint(
      "Delete a session",
      'Removes the session, its media and its timeline for good; answers "SESSION_DELETED".',
      "#/components/schemas/SessionRequest",
      { description: '"SESSION_DELETED"', content: { "application/json": { schema: { type: "string" } } } },
    ),
  };
  for (const kind of MEDIA_KINDS) {
    paths[`/external-api/result/${kind}/`] = endpoint(
      `Download ${kind}`,
      `The newest ${kind} capture, raw, with its content type. Nothing stored: 404 \`{"argumentError": …}\`.`,
      "#/components/schemas/SessionRequest",
      {
        description: "The file",
        content: { "image/jpeg": {}, "image/png": {}, "image/webp": {}, "video/mp4": {}, "video/webm": {} },
      },
    );
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Verimat external API",
      version: "1.0.0",
      description:
        "Identomat-compatible identity verification API. Guide: docs/INTEGRATION.md. Callbacks are described under `webhooks`.",
    },
    servers: [{ url: serverUrl }],
    paths,
    webhooks: {
      sessionEvent: {
        post: {
          summary: "Callback event",
          description:
            "Sent to the company's callback URL on every session change. Answer 2xx within the timeout; anything else is retried with exponential backoff (first retry within 5 s) for a day. Deduplicate on `id`.",
          parameters: [
            {
              name: "Verimat-Signature",
              in: "header",
              required: true,
              schema: { type: "string" },
              description: "t=<unix>,v1=<hex>[,v1=<hex>] (two v1 during a secret rotation)",
            },
            { name: "Verimat-Event-Id", in: "header", schema: { type: "string" } },
            { name: "Verimat-Event-Type", in: "header", schema: { type: "string" } },
          ],
          requestBody: {
            content: { "application/json": { schema: { $ref: "#/components/schemas/CallbackEvent" } } },
          },
          responses: { "200": { description: "Received" } },
        },
      },
    },
    components: {
      schemas: {
        BeginRequest: jsonSchema(ZBeginRequest),
        SessionRequest: jsonSchema(ZSessionRequest),
        SessionFlags: jsonSchema(ZSessionFlags),
        Step: jsonSchema(ZStep),
        SessionResult: jsonSchema(ZSessionResult),
        CallbackEvent: jsonSchema(ZCallbackEvent),
        Error: {
          type: "object",
          properties: {
            error: {
              type: "object",
              properties: {
                code: { type: "string" },
                message: { type: "string" },
                requestId: { type: "string" },
              },
              required: ["code", "message"],
            },
          },
          required: ["error"],
        },
      },
    },
  };
}
