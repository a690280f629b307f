/**
 * One line per liveness check of a session, in words an operator reads at a glance, from the
 * engine's stored signals (`signals.liveness` of the session detail). The signals are stored JSON
 * that has grown over time, so every field is read defensively: a session decided before a check
 * existed shows "—" for it, never an error.
 * @module
 */

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | null =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : null;
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);
const fixed = (v: unknown, digits: number): string => num(v)?.toFixed(digits) ?? "?";
const failed = (reasons: string[]) => (reasons.length ? `failed: ${reasons.join(", ")}` : "failed");

function active(a: Json): string {
  const prompts = Array.isArray(a.prompts) ? a.prompts.map(obj).filter((p) => p !== null) : [];
  const performed = prompts.filter((p) => p.performed === true).length;
  const counted = prompts.length ? ` (${performed} of ${prompts.length} prompts performed)` : "";
  return a.passed === true ? `passed${counted}` : `${failed(strings(a.reasons))}${counted}`;
}

function flash(f: Json): string {
  const figures = `correlation ${fixed(f.correlation, 2)}, ${num(f.segmentsMatched) ?? "?"} colours matched`;
  return f.passed === true ? `passed (${figures})` : `${failed(strings(f.reasons))} (${figures})`;
}

function planarMotion(p: Json): string {
  const detail = obj(p.detail) ?? {};
  if (p.status !== "measured") {
    return `not measured${typeof detail.reason === "string" ? `: ${detail.reason}` : ""}`;
  }
  const figures = `residual ${fixed(detail.q75ResidualIod, 3)}, flat below ${fixed(detail.residualThresholdIod, 3)}; ${num(detail.framesCompared) ?? "?"} frames`;
  return p.fired === true
    ? `failed: the face turned like a flat picture (${figures})`
    : `passed (${figures})`;
}

function selfie(s: Json): string {
  const figures = `distance ${fixed(s.minDistance, 3)}, at most ${fixed(s.threshold, 2)}`;
  if (s.status === "consistent") return `same person (${figures})`;
  if (s.status === "inconsistent") return `failed: another person than in the challenge (${figures})`;
  return "not compared (no selfie or no face in the challenge frames)";
}

/** Label and text per check; "—" where the session has no such signal. */
export function livenessRows(liveness: unknown): [string, string][] {
  const l = obj(liveness);
  const row = (label: string, value: unknown, describe: (v: Json) => string): [string, string] => {
    const v = obj(value);
    return [label, v ? describe(v) : "—"];
  };
  return [
    row("Active challenge", l?.active, active),
    row("Colour flash", l?.flash, flash),
    row("Depth (planar motion)", l?.planarMotion, planarMotion),
    row("Selfie vs challenge", l?.selfie, selfie),
  ];
}
