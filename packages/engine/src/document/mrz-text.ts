/**
 * Turning recognised text rows into MRZ lines: pick the rows that form an MRZ, fit them to the exact
 * line length, force characters that the layout fixes to digits or letters, and (separately, and
 * only when asked) try the single OCR-confusion substitution that makes every check digit verify.
 * @module
 */

export type MrzLayout = "TD1" | "TD2" | "TD3" | "MRVA" | "MRVB";

const LINE_LENGTH: Record<MrzLayout, number> = { TD1: 30, TD2: 36, TD3: 44, MRVA: 44, MRVB: 36 };
const LINE_COUNT: Record<MrzLayout, number> = { TD1: 3, TD2: 2, TD3: 2, MRVA: 2, MRVB: 2 };

/** Cleans one recognised row to the MRZ alphabet. */
export function cleanMrzRow(text: string): string {
  return text
    .toUpperCase()
    .replace(/[«‹＜〈]/g, "<")
    .replace(/[^A-Z0-9<]/g, "");
}

/**
 * Makes a row exactly `target` characters long. CTC decoders mostly lose or add characters inside runs
 * of the `<` filler, so the longest filler run absorbs the difference; otherwise pad or cut the end.
 */
export function fitRowLength(row: string, target: number): string {
  return fitRowWithSource(row, target).text;
}

/** As fitRowLength, plus for each output character the index it came from in `row` (−1 if inserted). */
export function fitRowWithSource(row: string, target: number): { text: string; source: number[] } {
  const chars = [...row];
  const source = chars.map((_, i) => i);
  while (chars.length !== target) {
    const text = chars.join("");
    const runs = [...text.matchAll(/<{2,}/g)];
    const longest = runs.reduce<RegExpMatchArray | null>(
      (best, m) => (!best || m[0].length > best[0].length ? m : best),
      null,
    );
    if (chars.length < target) {
      const at = longest?.index ?? chars.length;
      chars.splice(at, 0, "<");
      source.splice(at, 0, -1);
    } else if (longest?.index !== undefined && longest[0].length > 2) {
      chars.splice(longest.index, 1);
      source.splice(longest.index, 1);
    } else {
      chars.length = target;
      source.length = target;
    }
  }
  return { text: chars.join(""), source };
}

/** Character classes per position: d = digit or filler, a = letter or filler, x = anything. */
function positionClasses(layout: MrzLayout): string[] {
  const a = (n: number) => "a".repeat(n);
  const d = (n: number) => "d".repeat(n);
  const x = (n: number) => "x".repeat(n);
  // Sex is kept as "x": M/F/X/< and the fix-up tables below do not apply to it. The second character
  // of the document code is the issuer's choice and may be a digit (US green card: "C1").
  switch (layout) {
    case "TD1":
      return [
        a(1) + x(1) + a(3) + x(9) + d(1) + x(15),
        d(6) + d(1) + x(1) + d(6) + d(1) + a(3) + x(11) + d(1),
        a(30),
      ];
    case "TD2":
      return [
        a(1) + x(1) + a(3) + a(31),
        x(9) + d(1) + a(3) + d(6) + d(1) + x(1) + d(6) + d(1) + x(7) + d(1),
      ];
    case "MRVB":
      return [a(2) + a(3) + a(31), x(9) + d(1) + a(3) + d(6) + d(1) + x(1) + d(6) + d(1) + x(8)];
    case "TD3":
      return [
        a(2) + a(3) + a(39),
        x(9) + d(1) + a(3) + d(6) + d(1) + x(1) + d(6) + d(1) + x(14) + d(1) + d(1),
      ];
    case "MRVA":
      return [a(2) + a(3) + a(39), x(9) + d(1) + a(3) + d(6) + d(1) + x(1) + d(6) + d(1) + x(16)];
  }
}

const TO_DIGIT: Record<string, string> = {
  O: "0",
  Q: "0",
  D: "0",
  U: "0",
  I: "1",
  L: "1",
  Z: "2",
  S: "5",
  B: "8",
  G: "6",
  A: "4",
  T: "7",
};
const TO_LETTER: Record<string, string> = {
  "0": "O",
  "1": "I",
  "2": "Z",
  "5": "S",
  "8": "B",
  "6": "G",
  "4": "A",
  "7": "T",
};

/**
 * Replaces letters in digit-only positions and digits in letter-only positions (dates, check digits,
 * state codes, names) with their usual look-alike. These positions cannot legally hold the other
 * class, so this is a normalisation, not a guess, and it does not count as a repair.
 */
export function coerceMrzCharacters(lines: readonly string[], layout: MrzLayout): string[] {
  const classes = positionClasses(layout);
  return lines.map((line, li) => {
    const cls = classes[li] ?? "";
    let out = "";
    for (let i = 0; i < line.length; i++) {
      const ch = line[i] ?? "<";
      const c = cls[i];
      if (c === "d" && /[A-Z]/.test(ch)) out += TO_DIGIT[ch] ?? ch;
      else if (c === "a" && /[0-9]/.test(ch)) out += TO_LETTER[ch] ?? ch;
      else out += ch;
    }
    return out;
  });
}

export interface AssembledMrz {
  readonly layout: MrzLayout;
  readonly lines: readonly string[];
  /** Index of the first row used, in the input order. */
  readonly firstRow: number;
  /** Per line and position, the recogniser's second-choice character, when known. */
  readonly alternatives: readonly (readonly (string | null)[])[];
}

/** Second choices per recognised row, aligned with the row text (see RecognizedLine.alternatives). */
export type RowAlternatives = readonly ({ readonly symbol: string; readonly prob: number } | null)[];

/** Second choices below this probability are noise, not a real doubt of the recogniser. */
const MIN_ALTERNATIVE_PROB = 0.02;

function layoutFor(rows: readonly string[]): MrzLayout | null {
  const lens = rows.map((r) => r.length);
  const within = (lo: number, hi: number) => lens.every((l) => l >= lo && l <= hi);
  if (rows.length === 3 && within(26, 34)) return "TD1";
  if (rows.length !== 2) return null;
  const first = rows[0] ?? "";
  if (within(39, 49)) return first.startsWith("V") ? "MRVA" : "TD3";
  if (within(32, 39)) return first.startsWith("V") ? "MRVB" : "TD2";
  return null;
}

/** How MRZ-like a set of rows looks: fillers and a plausible first character count. */
function mrzLikeness(rows: readonly string[], layout: MrzLayout): number {
  let score = 0;
  for (const r of rows) score += Math.min((r.match(/</g) ?? []).length, 12);
  const first = rows[0] ?? "";
  if (/^[PIACV]/.test(first)) score += 5;
  const target = LINE_LENGTH[layout];
  for (const r of rows) score -= Math.abs(r.length - target);
  return score;
}

/**
 * Picks the consecutive rows that form the most MRZ-like block (3×30, 2×36 or 2×44 characters, with
 * some tolerance), fits their lengths and fixes letter/digit positions. Null when no block fits.
 */
export function assembleMrz(
  rowsIn: readonly string[],
  rowAlternatives?: readonly RowAlternatives[],
): AssembledMrz | null {
  const rows = rowsIn.map(cleanMrzRow);
  let best: { a: AssembledMrz; score: number } | null = null;
  for (const count of [3, 2]) {
    for (let i = 0; i + count <= rows.length; i++) {
      const group = rows.slice(i, i + count);
      const layout = layoutFor(group);
      if (!layout || LINE_COUNT[layout] !== count) continue;
      const score = mrzLikeness(group, layout) + (count === 3 ? 4 : 0);
      if (best && score <= best.score) continue;
      const fitted = group.map((r) => fitRowWithSource(r, LINE_LENGTH[layout]));
      const alternatives = fitted.map((f, li) => {
        const alts = rowAlternatives?.[i + li];
        // Cleaning must not have changed the row, or positions no longer line up.
        if (
          !alts ||
          alts.length !== (rowsIn[i + li] ?? "").length ||
          alts.length !== (group[li] ?? "").length
        ) {
          return f.source.map(() => null);
        }
        return f.source.map((src) => {
          const alt = src >= 0 ? alts[src] : null;
          return alt && alt.prob >= MIN_ALTERNATIVE_PROB ? alt.symbol : null;
        });
      });
      const lines = coerceMrzCharacters(
        fitted.map((f) => f.text),
        layout,
      );
      best = { a: { layout, lines, firstRow: i, alternatives }, score };
    }
  }
  return best?.a ?? null;
}

/**
 * OCR confusions between letters and digits that recognisers really make on OCR-B (both directions);
 * the list of ml-stack.md plus G/6. A/4 and T/7 are left out: they are rare misreads but, as extra
 * candidates, they made correct repairs ambiguous.
 */
const CONFUSABLE: Record<string, readonly string[]> = {
  "0": ["O", "D", "Q"],
  O: ["0"],
  D: ["0"],
  Q: ["0"],
  "1": ["I", "L"],
  I: ["1"],
  L: ["1"],
  "2": ["Z"],
  Z: ["2"],
  "5": ["S"],
  S: ["5"],
  "8": ["B"],
  B: ["8"],
  "6": ["G"],
  G: ["6"],
};

export interface RepairResult<T> {
  readonly lines: readonly string[];
  readonly result: T;
  readonly position: {
    readonly line: number;
    readonly index: number;
    readonly from: string;
    readonly to: string;
  };
}

/**
 * Tries every single substitution, from the look-alike table and from the recogniser's own second
 * choices, and keeps one only if it makes the parse valid and no other single substitution does too
 * (an ambiguous repair is refused). When no single substitution works, pairs of the recogniser's
 * second choices are tried the same way (two doubtful characters in one alphanumeric number is the
 * common failure). Repairs can produce valid-but-wrong reads, so callers must mark them and never
 * accept one on its own.
 */
export function repairMrz<T extends { readonly valid: boolean }>(
  lines: readonly string[],
  parse: (lines: readonly string[]) => T,
  alternatives?: readonly (readonly (string | null)[])[],
): RepairResult<T> | null {
  const apply = (subs: readonly { line: number; index: number; to: string }[]) => {
    const out = [...lines];
    for (const sub of subs) {
      const line = out[sub.line] ?? "";
      out[sub.line] = line.slice(0, sub.index) + sub.to + line.slice(sub.index + 1);
    }
    return out;
  };
  const singles: { r: RepairResult<T>; byModel: boolean }[] = [];
  const seen = new Set<string>();
  const modelSubs: { line: number; index: number; from: string; to: string }[] = [];
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li] ?? "";
    for (let i = 0; i < line.length; i++) {
      const from = line[i] ?? "";
      const alt = alternatives?.[li]?.[i];
      if (alt && alt !== from) modelSubs.push({ line: li, index: i, from, to: alt });
      for (const to of new Set([...(CONFUSABLE[from] ?? []), ...(alt && alt !== from ? [alt] : [])])) {
        const candidate = apply([{ line: li, index: i, to }]);
        const key = candidate.join("\n");
        if (seen.has(key)) continue;
        seen.add(key);
        const result = parse(candidate);
        if (!result.valid) continue;
        singles.push({
          r: { lines: candidate, result, position: { line: li, index: i, from, to } },
          byModel: to === alt,
        });
      }
    }
  }
  // Unique, or unique among the substitutions the recogniser itself proposed; otherwise refuse.
  if (singles.length === 1) return singles[0]?.r ?? null;
  const proposed = singles.filter((x) => x.byModel);
  if (singles.length > 1) return proposed.length === 1 ? (proposed[0]?.r ?? null) : null;
  let found: RepairResult<T> | null = null;
  let distinct = 0;
  for (let a = 0; a < modelSubs.length; a++) {
    for (let b = a + 1; b < modelSubs.length; b++) {
      const sa = modelSubs[a];
      const sb = modelSubs[b];
      if (!sa || !sb || (sa.line === sb.line && sa.index === sb.index)) continue;
      const candidate = apply([sa, sb]);
      const result = parse(candidate);
      if (!result.valid) continue;
      distinct++;
      if (distinct > 1) return null;
      found = { lines: candidate, result, position: sa };
    }
  }
  return found;
}
