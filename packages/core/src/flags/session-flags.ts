/**
 * The global `flags` of a session: every flag Identomat documents or clients were seen sending, with its
 * type. Unknown flags are kept verbatim (clients send SDK-era flags we do not know yet); a known flag
 * with the wrong type is an error that names it.
 * @module
 */
import { z } from "zod";
import { AppError } from "../errors/index.ts";

const bool = z.boolean();
const str = z.string().max(2_000);
const strList = z.array(z.string().max(100)).max(100);

const httpUrl = z
  .string()
  .max(2_000)
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an absolute http(s) URL");

const alpha3List = z
  .array(z.string().regex(/^[A-Za-z]{3}$/, "must be ISO 3166-1 alpha-3 codes"))
  .max(300)
  .transform((list) => list.map((c) => c.toUpperCase()));

export const IDENTITY_DOCUMENT_TYPES = ["id", "passport", "driver_license", "residence_license"] as const;

export const ZSessionFlags = z
  .object({
    return_url: httpUrl.nullable(),
    liveness: bool,
    language: z
      .string()
      .regex(/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$/, "must be a language code like en or ka"),
    document_types: strList,
    document_countries: alpha3List,
    general_document_types: strList,
    skip_face: bool,
    skip_document: bool,
    skip_desktop: bool,
    skip_agreement: bool,
    switch_device_url: httpUrl.nullable(),
    restrict_url_sharing: bool,
    requireHdMedia: bool,
    allow_general_document_capture: bool,
    allow_general_document_upload: bool,
    allow_document_upload: bool,
    disable_document_capture: bool,
    allow_face_upload: bool,
    allow_face_doc_upload: bool,
    require_face_document: bool,
    server: z.enum(["computer", "human"]),
    allow_nfc_capture: bool,
    document_type_id: bool,
    document_type_passport: bool,
    document_type_driver_license: bool,
    document_type_residence_license: bool,
    document_type_non_bio_passport: bool,
    document_type_driver_license_vis: bool,
    inn: bool,
    capture_double_page_passport: bool,
    cascading_identity_verification: bool,
    platform: str,
  })
  .partial()
  .catchall(z.unknown());

export type TSessionFlags = z.infer<typeof ZSessionFlags>;

/** Validates flags; a wrong type is `FLAG_INVALID` naming the flag. Unknown flags pass through. */
export function parseFlags(input: unknown): TSessionFlags {
  if (input === undefined || input === null) return {};
  if (typeof input !== "object" || Array.isArray(input)) {
    throw new AppError("PARAM_INVALID", { message: "flags must be a JSON object" });
  }
  const r = ZSessionFlags.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    const flag = String(issue?.path[0] ?? "flags");
    throw new AppError("FLAG_INVALID", {
      message: `flag "${flag}" is invalid: ${describeIssue(issue)}`,
    });
  }
  return r.data;
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return "invalid value";
  if (issue.code === "invalid_type") return `expected ${issue.expected}`;
  if (issue.code === "invalid_value") return `expected one of ${issue.values.map(String).join(", ")}`;
  return issue.message;
}

/**
 * Effective document types: `document_types` wins; else the SDK-era `document_type_*` switches when any
 * is set; else all four identity documents.
 */
export function allowedDocumentTypes(flags: TSessionFlags): string[] {
  if (flags.document_types && flags.document_types.length > 0) return [...flags.document_types];
  const switches: Array<[boolean | undefined, string]> = [
    [flags.document_type_id, "id"],
    [flags.document_type_passport, "passport"],
    [flags.document_type_driver_license, "driver_license"],
    [flags.document_type_residence_license, "residence_license"],
  ];
  const on = switches.filter(([v]) => v === true).map(([, t]) => t);
  return on.length > 0 ? on : [...IDENTITY_DOCUMENT_TYPES];
}
