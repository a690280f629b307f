/**
 * Parameters of the external API, from any encoding real Identomat clients use (see the reference's
 * "what real client code sends"): query string, JSON (also when mislabelled as a form), urlencoded
 * (also without Content-Type), multipart. Query and body are merged, the body winning. The pieces an
 * HMAC signature covers are returned alongside.
 * @module
 */
import { Readable } from "node:stream";
import { AppError } from "@verimat/core";
import busboy from "busboy";

export type Params = Record<string, unknown>;

export interface ParsedRequest {
  /** Query and body merged (body wins). */
  params: Params;
  /** Parameters of the body alone, or of the query when the body is empty: what a signature covers. */
  signedParams: Params;
  /** The byte sequences the HMAC chain covers, in order. */
  signedParts: Buffer[];
}

/** Alternative spellings of the same parameter (the API Reference's own parameter list uses camelCase). */
const ALIASES: Record<string, string> = {
  companyKey: "company_key",
  sessionId: "session_token",
  sessionToken: "session_token",
  configId: "config_id",
  parentSessionId: "parent_session_id",
};

function normalise(p: Params): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(p)) {
    const key = ALIASES[k] ?? k;
    if (key === "__proto__" || key === "constructor" || key === "prototype") continue;
    if (!(key in out) || k === key) out[key] = v;
  }
  return out;
}

function fromSearchParams(text: string): Params {
  const out: Params = {};
  // Clients leave `: , [ ]` unescaped inside JSON values; URLSearchParams copes with that.
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

function parseJsonObject(text: string): Params {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("BODY_MALFORMED", { message: "The body is not valid JSON" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AppError("BODY_MALFORMED", { message: "The JSON body must be an object" });
  }
  return value as Params;
}

interface MultipartResult {
  fields: Params;
  textParts: Buffer[];
  fileParts: Buffer[];
}

async function parseMultipart(body: Buffer, contentType: string, limit: number): Promise<MultipartResult> {
  const fields: Params = {};
  const textParts: Buffer[] = [];
  const fileParts: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: { "content-type": contentType },
        limits: { fieldSize: limit, fileSize: limit, parts: 200 },
      });
    } catch {
      reject(new AppError("BODY_MALFORMED", { message: "Malformed multipart Content-Type" }));
      return;
    }
    bb.on("field", (name, value) => {
      fields[name] = value;
      textParts.push(Buffer.from(value, "utf8"));
    });
    bb.on("file", (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const data = Buffer.concat(chunks);
        fileParts.push(data);
        fields[name] = { filename: info.filename, mimeType: info.mimeType, data };
      });
    });
    bb.on("error", () => reject(new AppError("BODY_MALFORMED", { message: "Malformed multipart body" })));
    bb.on("close", () => resolve());
    Readable.from([body]).pipe(bb);
  });
  return { fields, textParts, fileParts };
}

export async function parseApiRequest(
  rawQuery: string,
  body: Buffer,
  contentType: string | undefined,
  limit: number,
): Promise<ParsedRequest> {
  const query = normalise(fromSearchParams(rawQuery));
  const text = body.length > 0 ? body.toString("utf8") : "";
  const trimmed = text.trim();
  let bodyParams: Params = {};
  let signedParts: Buffer[];
  const ct = (contentType ?? "").toLowerCase();
  if (trimmed.length === 0) {
    signedParts = [Buffer.from(rawQuery, "utf8")];
  } else if (trimmed.startsWith("{")) {
    // A PHP client labels its JSON as a form: the content decides, not the label.
    bodyParams = parseJsonObject(trimmed);
    signedParts = [body];
  } else if (ct.startsWith("multipart/form-data")) {
    const mp = await parseMultipart(body, contentType ?? "", limit);
    bodyParams = mp.fields;
    signedParts = [...mp.textParts, ...mp.fileParts];
  } else if (ct === "" || ct.startsWith("application/x-www-form-urlencoded") || ct.startsWith("text/plain")) {
    bodyParams = fromSearchParams(text);
    signedParts = [body];
  } else if (ct.startsWith("application/json")) {
    bodyParams = parseJsonObject(trimmed);
    signedParts = [body];
  } else {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", {
      message: "Send JSON, a urlencoded or multipart form, or query parameters",
    });
  }
  const normalisedBody = normalise(bodyParams);
  return {
    params: { ...query, ...normalisedBody },
    signedParams: trimmed.length === 0 ? query : normalisedBody,
    signedParts,
  };
}

/** A string parameter, or undefined; anything else is PARAM_INVALID naming it. */
export function stringParam(params: Params, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new AppError("PARAM_INVALID", { message: `${name} must be a string` });
  return v;
}

/** `flags`/`steps` may arrive as objects (JSON body) or as JSON-encoded strings (query, forms). */
export function jsonParam(params: Params, name: string): unknown {
  const v = params[name];
  if (typeof v !== "string") return v;
  if (v.trim() === "") return undefined;
  try {
    return JSON.parse(v);
  } catch {
    throw new AppError("PARAM_INVALID", { message: `${name} is not valid JSON` });
  }
}
