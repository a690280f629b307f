/**
 * Company settings as the dashboard edits them. Columns the API already reads (callback, origins,
 * session TTL, retention) go through `companies.update`; thresholds and branding live in the
 * company's `settings` JSON under the keys the verification service and the widget read
 * (`acceptSimilarity`, `rejectSimilarity`, `branding.primary_color`).
 * @module
 */
import { AppError } from "@verimat/core";
import type { CompanyRecord } from "@verimat/db";
import { DEFAULT_MATCH_THRESHOLDS, fieldsMismatchEffect, REASON_EFFECTS } from "@verimat/engine/policy";
import {
  type CompanyService,
  type CompanySettingsInput,
  publicCompany,
} from "../services/company-service.ts";

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function settingsView(c: CompanyRecord) {
  const branding = record(c.settings.branding);
  return {
    ...publicCompany(c),
    accept_similarity: num(c.settings.acceptSimilarity, DEFAULT_MATCH_THRESHOLDS.accept),
    reject_similarity: num(c.settings.rejectSimilarity, DEFAULT_MATCH_THRESHOLDS.reject),
    fields_mismatch_effect: fieldsMismatchEffect(c.settings.fieldsMismatchEffect),
    branding: {
      primary_color: typeof branding.primary_color === "string" ? branding.primary_color : "",
      logo_url: typeof branding.logo_url === "string" ? branding.logo_url : "",
    },
  };
}

const bad = (message: string) => new AppError("COMPANY_SETTING_INVALID", { message });

/**
 * Applies a settings form. Unknown keys are refused (a typo should not be silently dropped).
 * @returns the names of the settings that were sent (for the audit log; no values: some are secret).
 */
export async function updateSettings(
  companies: CompanyService,
  companyId: string,
  body: Record<string, unknown>,
): Promise<{ company: CompanyRecord; changed: string[] }> {
  const known = new Set([
    "name",
    "callback_url",
    "callback_key",
    "allowed_origins",
    "session_ttl_minutes",
    "retention_days",
    "hmac_timestamp_required",
    "accept_similarity",
    "reject_similarity",
    "fields_mismatch_effect",
    "branding",
  ]);
  const unknown = Object.keys(body).find((k) => !known.has(k));
  if (unknown !== undefined) throw bad(`unknown setting "${unknown}"`);
  const current = await companies.require(companyId);
  const input: CompanySettingsInput = {};
  const strOrNull = (k: string): string | null => {
    const v = body[k];
    if (v === null || v === "") return null;
    if (typeof v !== "string") throw bad(`${k} must be a string`);
    return v.trim();
  };
  if ("name" in body) {
    if (typeof body.name !== "string") throw bad("name must be a string");
    input.name = body.name;
  }
  if ("callback_url" in body) input.callbackUrl = strOrNull("callback_url");
  if ("callback_key" in body) input.callbackKey = strOrNull("callback_key");
  if ("allowed_origins" in body) {
    const v = body.allowed_origins;
    if (!Array.isArray(v) || !v.every((o) => typeof o === "string") || v.length > 50)
      throw bad("allowed_origins must be a list of at most 50 origins");
    input.allowedOrigins = v;
  }
  if ("session_ttl_minutes" in body) {
    if (typeof body.session_ttl_minutes !== "number") throw bad("session_ttl_minutes must be a number");
    input.sessionTtlMinutes = body.session_ttl_minutes;
  }
  if ("retention_days" in body) {
    const v = body.retention_days;
    if (v !== null && typeof v !== "number") throw bad("retention_days must be a number or null");
    input.retentionDays = v;
  }
  if ("hmac_timestamp_required" in body) {
    if (typeof body.hmac_timestamp_required !== "boolean")
      throw bad("hmac_timestamp_required must be true or false");
    input.hmacTimestampRequired = body.hmac_timestamp_required;
  }
  const settings = { ...current.settings };
  let settingsChanged = false;
  if ("accept_similarity" in body || "reject_similarity" in body) {
    const accept =
      "accept_similarity" in body ? body.accept_similarity : settingsView(current).accept_similarity;
    const reject =
      "reject_similarity" in body ? body.reject_similarity : settingsView(current).reject_similarity;
    if (
      typeof accept !== "number" ||
      typeof reject !== "number" ||
      !(accept > 0 && accept <= 1) ||
      !(reject >= 0)
    )
      throw bad("similarity thresholds must be numbers between 0 and 1");
    // Between the two is the manual-review band; the reject threshold cannot be above the accept one.
    if (reject > accept) throw bad("reject_similarity must not exceed accept_similarity");
    settings.acceptSimilarity = accept;
    settings.rejectSimilarity = reject;
    settingsChanged = true;
  }
  if ("fields_mismatch_effect" in body) {
    const v = body.fields_mismatch_effect;
    if (!REASON_EFFECTS.some((e) => e === v))
      throw bad("fields_mismatch_effect must be review, reject or ignore");
    settings.fieldsMismatchEffect = v;
    settingsChanged = true;
  }
  if ("branding" in body) {
    const b = record(body.branding);
    const branding = { ...record(settings.branding) };
    if ("primary_color" in b) {
      if (b.primary_color === "" || b.primary_color === null) delete branding.primary_color;
      else if (typeof b.primary_color !== "string" || !HEX_COLOUR.test(b.primary_color))
        throw bad("branding.primary_color must be a colour like #1a6cf0");
      else branding.primary_color = b.primary_color;
    }
    if ("logo_url" in b) {
      if (b.logo_url === "" || b.logo_url === null) delete branding.logo_url;
      else if (
        typeof b.logo_url !== "string" ||
        b.logo_url.length > 2_000 ||
        !/^https:\/\/[^\s"'<>]+$/.test(b.logo_url)
      )
        throw bad("branding.logo_url must be an https URL");
      else branding.logo_url = b.logo_url;
    }
    settings.branding = branding;
    settingsChanged = true;
  }
  if (settingsChanged) input.settings = settings;
  const company = await companies.update(companyId, input);
  return { company, changed: Object.keys(body) };
}
