/**
 * The plaintext the dashboard filters sessions on, derived from the findings' clear fields (none of
 * it is personal data): the document type, the issuing state of the document, and the reason codes
 * (the engine's plus an operator's reject code). Written with every write of `sessions.verification`
 * (columns `document_type` / `document_country`, table `session_reason_codes`) so the list filters
 * and the overview run in SQL on indexes; migration 0012 backfilled older rows with the same function.
 * @module
 */

export interface SessionFilterColumns {
  documentType: string | null;
  documentCountry: string | null;
  reasonCodes: string[];
}

const CODE = /^[a-z0-9_]{1,60}$/;

function obj(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * Reads the filter columns from stored (possibly sealed) findings: sealed findings keep
 * `documentType`, `documentCountry`, `reasonCodes` and `rejectReason.value` in clear; unsealed ones
 * carry the issuing state in `person.issuing_state`.
 */
export function sessionFilterColumns(verification: Record<string, unknown>): SessionFilterColumns {
  const docType = verification.documentType;
  const person = obj(verification.person);
  const country =
    typeof verification.documentCountry === "string" && verification.documentCountry !== ""
      ? verification.documentCountry
      : typeof person.issuing_state === "string"
        ? person.issuing_state
        : "";
  const codes = new Set<string>();
  if (Array.isArray(verification.reasonCodes))
    for (const c of verification.reasonCodes) if (typeof c === "string" && CODE.test(c)) codes.add(c);
  const reject = obj(verification.rejectReason).value;
  if (typeof reject === "string" && CODE.test(reject)) codes.add(reject);
  return {
    documentType: typeof docType === "string" && docType !== "" ? docType.slice(0, 60) : null,
    documentCountry: /^[A-Za-z]{2,3}$/.test(country) ? country.toUpperCase() : null,
    reasonCodes: [...codes].sort(),
  };
}
