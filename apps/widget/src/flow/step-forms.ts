/**
 * Pure helpers of the input steps' forms: which questionnaire questions are visible for the answers
 * so far (the same rule as the server's check in packages/core step-catalogue.ts), labels per
 * language, and reading a form's raw values into typed answers. No DOM.
 * @module
 */

export type Label = string | Record<string, string> | undefined;

export interface QuestionDef {
  key: string;
  type: "text" | "number" | "date" | "single-choice" | "multiple-choice" | "yes-no" | "file";
  label?: Label;
  required: boolean;
  options?: { value: string; label?: Label }[];
  min?: number;
  max?: number;
  max_length?: number;
  when?: {
    question: string;
    equals?: string | number | boolean;
    in?: (string | number | boolean)[];
    answered?: boolean;
  };
}

export interface QuestionnaireDef {
  key: string;
  title: Label | null;
  questions: QuestionDef[];
}

/** The label in `lang`, else English, else the first given, else the fallback (the key). */
export function labelOf(label: Label | null, lang: string, fallback: string): string {
  if (typeof label === "string") return label;
  if (!label) return fallback;
  const alias = lang === "el" ? "gr" : lang;
  return label[lang] ?? label[alias] ?? label.en ?? Object.values(label)[0] ?? fallback;
}

function holds(q: QuestionDef, answers: ReadonlyMap<string, unknown>): boolean {
  const w = q.when;
  if (!w) return true;
  const a = answers.get(w.question);
  const values: unknown[] = Array.isArray(a) ? a : a === undefined || a === "" ? [] : [a];
  if (w.answered !== undefined && values.length > 0 !== w.answered) return false;
  if (w.equals !== undefined && !values.includes(w.equals)) return false;
  if (w.in !== undefined && !values.some((v) => w.in?.includes(v as string | number | boolean))) return false;
  return true;
}

/**
 * The keys of the questions to show, in order: a question is visible when its condition holds on the
 * answers of the visible questions before it (a hidden question's answer does not count).
 */
export function visibleQuestions(
  def: QuestionnaireDef,
  answers: Readonly<Record<string, unknown>>,
): string[] {
  const given = new Map<string, unknown>();
  const out: string[] = [];
  for (const q of def.questions) {
    if (!holds(q, given)) continue;
    out.push(q.key);
    const a = answers[q.key];
    if (a !== undefined) given.set(q.key, a);
  }
  return out;
}

/**
 * A form control's raw value as the answer the server expects: numbers as numbers, yes/no as
 * booleans, multiple choice as a list, empty as undefined.
 */
export function answerOf(q: QuestionDef, raw: string | string[] | null): unknown {
  if (raw === null) return undefined;
  if (Array.isArray(raw)) return raw.length > 0 ? raw : undefined;
  const v = raw.trim();
  if (v === "") return undefined;
  switch (q.type) {
    case "number":
      return Number.isFinite(Number(v)) ? Number(v) : v;
    case "yes-no":
      return v === "yes" ? true : v === "no" ? false : v;
    default:
      return v;
  }
}

/** The server names the question first in its message ("key: why"): which field to mark. */
export function questionOfError(message: string, keys: readonly string[]): string | null {
  const key = message.split(":")[0]?.trim() ?? "";
  return keys.includes(key) ? key : null;
}
