/**
 * Deciding which MRZ to believe across frames and sides.
 *
 * Rule: accept an MRZ when its parse is valid AND either (a) the same lines were read on at least two
 * reads, or (b) at least one of those reads was valid without repair. Why: check digits are a strong
 * filter on raw OCR (on the measured sets, unrepaired valid reads were essentially never wrong), but a
 * one-character repair searches for *some* substitution that satisfies the checks and, in the
 * measurements of ml-stack.md, produced valid-but-wrong results in 3–4 of 30 MRZs. Two independent
 * reads agreeing character for character make such an accident very unlikely.
 * @module
 */
import type { MrzParseResult } from "../mrz/index.ts";

/** A read as the reader reports it; a bare MrzParseResult counts as unrepaired. */
export type MrzObservation =
  | MrzParseResult
  | { readonly mrz: MrzParseResult | null; readonly mrzRepaired: boolean };

export interface MrzConsensus {
  readonly accepted: MrzParseResult | null;
  /** How many reads carried exactly the accepted lines. */
  readonly agreeing: number;
  readonly reason: "agreement" | "single_unrepaired" | "no_valid_read" | "repaired_only" | "conflict";
}

function normalise(o: MrzObservation): { mrz: MrzParseResult; repaired: boolean } | null {
  if ("mrzRepaired" in o) return o.mrz ? { mrz: o.mrz, repaired: o.mrzRepaired } : null;
  return { mrz: o, repaired: false };
}

export function consensus(reads: readonly MrzObservation[]): MrzConsensus {
  const groups = new Map<string, { mrz: MrzParseResult; count: number; unrepaired: number }>();
  for (const r of reads) {
    const n = normalise(r);
    if (!n?.mrz.valid) continue;
    const key = n.mrz.lines.join("\n");
    const g = groups.get(key) ?? { mrz: n.mrz, count: 0, unrepaired: 0 };
    g.count++;
    if (!n.repaired) g.unrepaired++;
    groups.set(key, g);
  }
  if (groups.size === 0) return { accepted: null, agreeing: 0, reason: "no_valid_read" };
  const acceptable = [...groups.values()].filter((g) => g.count >= 2 || g.unrepaired >= 1);
  if (acceptable.length === 0) {
    const most = Math.max(...[...groups.values()].map((g) => g.count));
    return { accepted: null, agreeing: most, reason: "repaired_only" };
  }
  acceptable.sort((a, b) => b.count - a.count || b.unrepaired - a.unrepaired);
  const [top, second] = acceptable;
  if (!top) return { accepted: null, agreeing: 0, reason: "no_valid_read" };
  // Two different MRZs that each qualify with equal support: refuse rather than pick one.
  if (second && second.count === top.count && second.unrepaired === top.unrepaired) {
    return { accepted: null, agreeing: top.count, reason: "conflict" };
  }
  return {
    accepted: top.mrz,
    agreeing: top.count,
    reason: top.count >= 2 ? "agreement" : "single_unrepaired",
  };
}
