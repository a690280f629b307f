/**
 * The flow builder's forms for the step catalogue: questionnaires (questions with their type, labels
 * per language, required flag and a simple condition on an earlier answer), phone and e-mail, geolocation,
 * language, company data (the fields to collect) and beneficiaries. Every change is checked at once with
 * the same core rules `begin/` and the server's save apply (`@verimat/core/steps`), and the settings stay
 * editable as raw JSON for what the forms do not cover (child steps, min/max, per-language options).
 * @module
 */
import {
  COMPANY_FIELDS,
  QUESTION_TYPES,
  type SessionStep,
  toSessionStep,
  validateStepDefinition,
} from "@verimat/core/steps";
import type { Step } from "../api.ts";
import { field, h } from "../h.ts";
import "./step-forms.css";

/** The catalogue steps that get a form here (the others keep their own settings or JSON). */
export const FORM_STEP_TYPES: readonly string[] = [
  "user-questionnaire",
  "operator-questionnaire",
  "phone-number",
  "email",
  "geolocation",
  "language",
  "company-data",
  "beneficiaries",
];

/** The widget's languages (labels are asked for in each). */
const LANGS: readonly [string, string][] = [
  ["en", "English"],
  ["ka", "Georgian"],
  ["ru", "Russian"],
  ["es", "Spanish"],
  ["uk", "Ukrainian"],
  ["el", "Greek"],
];

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The step checked as `begin/` checks it: null when it passes, else the message naming the step and
 * question (e.g. "step 2 question 1: options are required").
 */
export function stepProblem(step: Step, index: number): string | null {
  try {
    const s: SessionStep = toSessionStep({ ...step });
    validateStepDefinition(s, index);
    const langs = s.flags.languages;
    if (s.type === "language" && langs !== undefined && (!Array.isArray(langs) || langs.length === 0))
      return `step ${index}: choose at least one language`;
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function checkbox(
  label: string,
  checked: boolean,
  onChange: (v: boolean) => void,
  name: string,
): HTMLElement {
  const input = h("input", { type: "checkbox", name, ...(checked ? { checked: true } : {}) });
  input.addEventListener("change", () => onChange(input.checked));
  return h("label", { class: "check" }, input, ` ${label}`);
}

function numberInput(
  name: string,
  value: unknown,
  onChange: (v: number | undefined) => void,
): HTMLInputElement {
  const input = h("input", {
    type: "number",
    name,
    class: "short",
    value: typeof value === "number" ? String(value) : "",
  });
  input.addEventListener("change", () => {
    const v = input.value.trim();
    onChange(v === "" ? undefined : Number(v));
  });
  return input;
}

function setOrDelete(o: Rec, key: string, v: unknown): void {
  if (v === undefined || v === "" || (Array.isArray(v) && v.length === 0)) delete o[key];
  else o[key] = v;
}

const labelsOf = (v: unknown): Record<string, string> =>
  typeof v === "string" ? { en: v } : isRecord(v) ? (v as Record<string, string>) : {};

/** One per line: `value` or `value = English label` (other languages' option labels are kept). */
export function optionsText(options: unknown): string {
  if (!Array.isArray(options)) return "";
  return options
    .filter(isRecord)
    .map((o) => {
      const en = labelsOf(o.label).en;
      return en ? `${String(o.value)} = ${en}` : String(o.value);
    })
    .join("\n");
}

export function parseOptions(text: string, before: unknown): Rec[] {
  const old = new Map(
    (Array.isArray(before) ? before.filter(isRecord) : []).map((o) => [String(o.value), o] as const),
  );
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.indexOf("=");
      const value = (at >= 0 ? line.slice(0, at) : line).trim();
      const en = at >= 0 ? line.slice(at + 1).trim() : "";
      const kept = labelsOf(old.get(value)?.label);
      const label = { ...kept, ...(en ? { en } : {}) };
      if (!en) delete label.en;
      return Object.keys(label).length > 0 ? { value, label } : { value };
    });
}

const CHOICE = new Set(["single-choice", "multiple-choice"]);

/** A condition's value in the type of the question it looks at. */
function conditionValue(raw: string, of: Rec | undefined): string | number | boolean {
  if (of?.type === "yes-no") return raw === "yes";
  if (of?.type === "number" && raw.trim() !== "" && Number.isFinite(Number(raw))) return Number(raw);
  return raw;
}

function valueText(v: unknown, of: Rec | undefined): string {
  if (of?.type === "yes-no") return v === true ? "yes" : v === false ? "no" : "";
  return v === undefined || v === null ? "" : String(v);
}

function questionnaireForm(flags: Rec, changed: () => void): HTMLElement {
  const box = h("div", { class: "questionnaire-form" });
  const list = (): Rec[] => {
    if (!Array.isArray(flags.questions)) flags.questions = [];
    return flags.questions as Rec[];
  };

  const render = (focus?: string) => {
    const questions = list();
    const keyInput = h("input", { name: "questionnaire-key", value: String(flags.key ?? ""), maxlength: 64 });
    keyInput.addEventListener("change", () => {
      setOrDelete(flags, "key", keyInput.value.trim());
      changed();
    });
    const items = questions.map((raw, i) => {
      const q = isRecord(raw) ? raw : {};
      if (!isRecord(raw)) questions[i] = q;
      const type = typeof q.type === "string" ? q.type : "text";

      const key = h("input", { name: "q-key", value: String(q.key ?? ""), maxlength: 64, required: true });
      key.addEventListener("change", () => {
        const before = String(q.key ?? "");
        const after = key.value.trim();
        q.key = after;
        // Later conditions follow the renamed question (unless another question still has the old key).
        const stillThere = questions.some((o, j) => j !== i && isRecord(o) && o.key === before);
        if (!stillThere)
          for (const other of questions.slice(i + 1))
            if (isRecord(other) && isRecord(other.when) && other.when.question === before)
              other.when.question = after;
        render(`[data-question="${i}"] [name=q-key]`);
      });
      const typeSelect = h(
        "select",
        { name: "q-type" },
        QUESTION_TYPES.map((t) => h("option", { value: t, ...(t === type ? { selected: true } : {}) }, t)),
      );
      typeSelect.addEventListener("change", () => {
        q.type = typeSelect.value;
        if (CHOICE.has(typeSelect.value)) {
          if (!Array.isArray(q.options) || q.options.length === 0)
            q.options = [{ value: "option_1" }, { value: "option_2" }];
        } else delete q.options;
        if (typeSelect.value !== "number" && typeSelect.value !== "multiple-choice") {
          delete q.min;
          delete q.max;
        }
        render(`[data-question="${i}"] [name=q-type]`);
      });
      const required = checkbox(
        "Required",
        q.required === true,
        (on) => {
          q.required = on;
          changed();
        },
        "q-required",
      );

      const labels = labelsOf(q.label);
      const labelInputs = LANGS.map(([code, name]) => {
        const input = h("input", {
          value: labels[code] ?? "",
          "data-label-lang": code,
          "aria-label": `Label in ${name}`,
        });
        input.addEventListener("change", () => {
          const next = { ...labelsOf(q.label) };
          const v = input.value.trim();
          if (v) next[code] = v;
          else delete next[code];
          setOrDelete(q, "label", Object.keys(next).length > 0 ? next : undefined);
          changed();
        });
        return field(`Label (${code})`, input);
      });

      const extra: HTMLElement[] = [];
      if (CHOICE.has(type)) {
        const options = h("textarea", { name: "q-options", rows: 3, spellcheck: false });
        options.value = optionsText(q.options);
        options.addEventListener("change", () => {
          q.options = parseOptions(options.value, q.options);
          changed();
        });
        extra.push(field("Options", options, "One per line: value, or value = label in English"));
      }
      if (type === "number" || type === "multiple-choice") {
        const what = type === "number" ? "" : " (choices)";
        extra.push(
          h(
            "div",
            { class: "row" },
            field(
              `Minimum${what}`,
              numberInput("q-min", q.min, (v) => {
                setOrDelete(q, "min", v);
                changed();
              }),
            ),
            field(
              `Maximum${what}`,
              numberInput("q-max", q.max, (v) => {
                setOrDelete(q, "max", v);
                changed();
              }),
            ),
          ),
        );
      }

      // A simple condition on an earlier question's answer.
      const earlier = questions.slice(0, i).filter(isRecord);
      const when = isRecord(q.when) ? q.when : null;
      const target = earlier.find((e) => e.key === when?.question);
      const condition: HTMLElement[] = [];
      if (earlier.length > 0) {
        const whenQ = h(
          "select",
          { name: "q-when" },
          h("option", { value: "" }, "Always"),
          earlier.map((e) =>
            h(
              "option",
              { value: String(e.key), ...(e.key === when?.question ? { selected: true } : {}) },
              `When ${String(e.key)}…`,
            ),
          ),
        );
        whenQ.addEventListener("change", () => {
          const of = earlier.find((e) => e.key === whenQ.value);
          // A new condition starts as "is yes" for a yes/no question, "is answered" for the others.
          if (!whenQ.value) delete q.when;
          else if (of?.type === "yes-no") q.when = { question: whenQ.value, equals: true };
          else q.when = { question: whenQ.value, answered: true };
          render(`[data-question="${i}"] [name=q-when]`);
        });
        condition.push(field("Show", whenQ));
        if (when && target) {
          const op =
            when.answered === true
              ? "answered"
              : when.answered === false
                ? "unanswered"
                : Array.isArray(when.in)
                  ? "in"
                  : "equals";
          const ops: [string, string][] = [
            ["equals", "is"],
            ["in", "is one of"],
            ["answered", "is answered"],
            ["unanswered", "is not answered"],
          ];
          const opSelect = h(
            "select",
            { name: "q-when-op" },
            ops.map(([v, l]) => h("option", { value: v, ...(v === op ? { selected: true } : {}) }, l)),
          );
          opSelect.addEventListener("change", () => {
            const question = String(when.question);
            q.when =
              opSelect.value === "answered"
                ? { question, answered: true }
                : opSelect.value === "unanswered"
                  ? { question, answered: false }
                  : opSelect.value === "in"
                    ? { question, in: [] }
                    : { question, equals: target.type === "yes-no" ? true : "" };
            render(`[data-question="${i}"] [name=q-when-op]`);
          });
          condition.push(field("Condition", opSelect));
          if (op === "equals" || op === "in") {
            const choices =
              target.type === "yes-no"
                ? ["yes", "no"]
                : CHOICE.has(String(target.type)) && Array.isArray(target.options)
                  ? target.options.filter(isRecord).map((o) => String(o.value))
                  : null;
            let valueControl: HTMLInputElement | HTMLSelectElement;
            if (op === "equals" && choices) {
              const current = valueText(when.equals, target);
              valueControl = h(
                "select",
                { name: "q-when-value" },
                h("option", { value: "" }, "—"),
                choices.map((c) =>
                  h("option", { value: c, ...(c === current ? { selected: true } : {}) }, c),
                ),
              );
            } else {
              valueControl = h("input", {
                name: "q-when-value",
                value:
                  op === "in" && Array.isArray(when.in)
                    ? when.in.map((v) => valueText(v, target)).join(", ")
                    : valueText(when.equals, target),
                placeholder: op === "in" ? "a, b" : "",
              });
            }
            valueControl.addEventListener("change", () => {
              const raw = valueControl.value;
              q.when =
                op === "in"
                  ? {
                      question: when.question,
                      in: raw
                        .split(",")
                        .map((x) => x.trim())
                        .filter(Boolean)
                        .map((x) => conditionValue(x, target)),
                    }
                  : { question: when.question, equals: conditionValue(raw, target) };
              changed();
            });
            condition.push(field(op === "in" ? "Values (comma-separated)" : "Value", valueControl));
          }
        } else if (when) {
          condition.push(
            h(
              "p",
              { class: "hint" },
              `The condition names ${String(when.question)}, not an earlier question.`,
            ),
          );
        }
      }

      const button = (label: string, attrs: Rec, onclick: () => void) =>
        h(
          "button",
          {
            type: "button",
            class: `btn ${label === "Remove" ? "danger" : "secondary"} small`,
            "aria-label": `${label} question ${i + 1}`,
            onclick,
            ...(attrs as Record<string, string | boolean>),
          },
          label,
        );
      const move = (delta: number) => () => {
        const [moved] = questions.splice(i, 1);
        if (moved) questions.splice(i + delta, 0, moved);
        render(`[data-question="${i + delta}"] [name=q-key]`);
      };
      return h(
        "fieldset",
        { class: "question", "data-question": String(i) },
        h("legend", {}, `Question ${i + 1}`),
        h(
          "div",
          { class: "row" },
          field("Key", key),
          field("Type", typeSelect),
          h("div", { class: "field check-field" }, required),
        ),
        h("div", { class: "labels" }, labelInputs),
        ...extra,
        condition.length > 0 ? h("div", { class: "row condition" }, condition) : null,
        h(
          "div",
          { class: "buttons" },
          button("Move up", { "data-q-move": "up", disabled: i === 0 }, move(-1)),
          button("Move down", { "data-q-move": "down", disabled: i === questions.length - 1 }, move(1)),
          button("Remove", { "data-q-remove": "" }, () => {
            const [gone] = questions.splice(i, 1);
            // Conditions on the removed question go with it.
            for (const other of questions)
              if (
                isRecord(other) &&
                isRecord(other.when) &&
                isRecord(gone) &&
                other.when.question === gone.key
              )
                delete other.when;
            render("[data-add-question]");
          }),
        ),
      );
    });
    box.replaceChildren(
      field("Questionnaire key", keyInput, "Names the answers in the result's questionnaires list."),
      ...items,
      h(
        "button",
        {
          type: "button",
          class: "btn secondary small",
          "data-add-question": "",
          onclick: () => {
            const taken = new Set(questions.filter(isRecord).map((q) => q.key));
            let n = questions.length + 1;
            while (taken.has(`q${n}`)) n++;
            questions.push({ key: `q${n}`, type: "text", required: false });
            render(`[data-question="${questions.length - 1}"] [name=q-key]`);
          },
        },
        "Add question",
      ),
    );
    changed();
    if (focus) box.querySelector<HTMLElement>(focus)?.focus();
  };
  render();
  return box;
}

function companyDataForm(flags: Rec, changed: () => void): HTMLElement {
  const box = h("div", { class: "company-form" });
  const render = () => {
    const fields = Array.isArray(flags.fields) ? (flags.fields as string[]) : null;
    const chosen = new Set(
      fields ?? ["company_name", "registration_number", "country", "legal_form", "address"],
    );
    const required = new Set(
      Array.isArray(flags.required_fields) ? (flags.required_fields as string[]) : chosen,
    );
    const write = () => {
      flags.fields = COMPANY_FIELDS.filter((f) => chosen.has(f));
      flags.required_fields = COMPANY_FIELDS.filter((f) => chosen.has(f) && required.has(f));
    };
    const rows = COMPANY_FIELDS.map((f) =>
      h(
        "tr",
        { "data-company-field": f },
        h("th", { scope: "row" }, f.replaceAll("_", " ")),
        h(
          "td",
          {},
          checkbox(
            "Ask",
            chosen.has(f),
            (on) => {
              if (on) chosen.add(f);
              else chosen.delete(f);
              if (on) required.add(f);
              write();
              render();
            },
            `cd-field-${f}`,
          ),
        ),
        h(
          "td",
          {},
          chosen.has(f)
            ? checkbox(
                "Required",
                required.has(f),
                (on) => {
                  if (on) required.add(f);
                  else required.delete(f);
                  write();
                  changed();
                },
                `cd-required-${f}`,
              )
            : null,
        ),
      ),
    );
    box.replaceChildren(
      h(
        "table",
        { class: "kv company-fields" },
        h("caption", {}, "Company fields to collect"),
        h("tbody", {}, rows),
      ),
      h(
        "div",
        { class: "row" },
        field(
          "Registration documents, at least",
          numberInput("cd-min-documents", flags.min_documents ?? 0, (v) => {
            setOrDelete(flags, "min_documents", v);
            changed();
          }),
        ),
        field(
          "At most",
          numberInput("cd-max-documents", flags.max_documents ?? 5, (v) => {
            setOrDelete(flags, "max_documents", v);
            changed();
          }),
        ),
      ),
    );
    changed();
  };
  render();
  return box;
}

/** Options of each beneficiary's own KYC session (child_flags). */
const CHILD_FLAGS: [string, string][] = [
  ["liveness", "Active liveness"],
  ["allow_document_upload", "Allow document upload"],
  ["require_face_document", "Selfie with ID"],
  ["skip_agreement", "Skip the consent screen"],
];

function beneficiariesForm(flags: Rec, changed: () => void): HTMLElement {
  const child = (): Rec => {
    if (!isRecord(flags.child_flags)) flags.child_flags = {};
    return flags.child_flags as Rec;
  };
  const number = (name: string, key: string, fallback: number) =>
    numberInput(name, flags[key] ?? fallback, (v) => {
      setOrDelete(flags, key, v);
      changed();
    });
  return h(
    "div",
    { class: "beneficiaries-form" },
    h(
      "div",
      { class: "row" },
      field("People, at least", number("bo-min", "min", 1)),
      field("At most", number("bo-max", "max", 10)),
      field("Link valid (hours)", number("bo-ttl", "child_ttl_hours", 72)),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Each person's verification"),
      CHILD_FLAGS.map(([flag, label]) =>
        checkbox(
          label,
          child()[flag] === true,
          (on) => {
            setOrDelete(child(), flag, on ? true : undefined);
            changed();
          },
          `bo-${flag}`,
        ),
      ),
    ),
    h(
      "p",
      { class: "hint" },
      "Each person gets a KYC session of their own; its steps can be set in JSON (child_steps).",
    ),
  );
}

function languageForm(flags: Rec, changed: () => void): HTMLElement {
  const chosen = new Set(
    Array.isArray(flags.languages) ? (flags.languages as string[]) : LANGS.map(([c]) => c),
  );
  return h(
    "fieldset",
    { class: "language-form" },
    h("legend", {}, "Languages offered"),
    LANGS.map(([code, name]) =>
      checkbox(
        `${name} (${code})`,
        chosen.has(code),
        (on) => {
          if (on) chosen.add(code);
          else chosen.delete(code);
          flags.languages = LANGS.map(([c]) => c).filter((c) => chosen.has(c));
          changed();
        },
        `lang-${code}`,
      ),
    ),
  );
}

/**
 * The form of a catalogue step (null for other types), above its settings as raw JSON; `onChange`
 * runs after every change with the core check's message, or null when the step passes.
 */
export function stepFormEditor(
  step: Step,
  index: number,
  onChange: (problem: string | null) => void = () => undefined,
): HTMLElement | null {
  if (!FORM_STEP_TYPES.includes(step.type)) return null;
  const formBox = h("div", { class: "step-form", "data-step-form": step.type });
  const problem = h("p", { class: "step-problem", role: "status", "data-step-problem": "" });
  const json = h("textarea", { rows: 8, "data-step-json": "", spellcheck: false });
  const jsonNote = h("small", { class: "hint", role: "status" });

  const changed = () => {
    if (document.activeElement !== json) json.value = JSON.stringify(step.flags, null, 2);
    const p = stepProblem(step, index);
    problem.textContent = p ?? "";
    onChange(p);
  };
  const build = () => {
    const f = step.flags;
    switch (step.type) {
      case "user-questionnaire":
      case "operator-questionnaire":
        return questionnaireForm(f, changed);
      case "company-data":
        return companyDataForm(f, changed);
      case "beneficiaries":
        return beneficiariesForm(f, changed);
      case "language":
        return languageForm(f, changed);
      case "geolocation":
        return checkbox(
          "Required: the person cannot go on without sharing the position",
          f.required === true,
          (on) => {
            setOrDelete(f, "required", on ? true : undefined);
            changed();
          },
          "geo-required",
        );
      default:
        return h(
          "p",
          { class: "hint" },
          step.type === "email"
            ? "The person types an e-mail address and the code sent to it; the verified address lands in person.email."
            : "The person types a phone number in international form and the code sent by SMS; the verified number lands in person.phone.",
        );
    }
  };
  json.addEventListener("change", () => {
    try {
      const v: unknown = JSON.parse(json.value);
      if (!isRecord(v)) throw new Error("not an object");
      step.flags = v;
      jsonNote.textContent = "";
      formBox.replaceChildren(build());
      changed();
    } catch {
      jsonNote.textContent = "Not a JSON object: the previous settings stay.";
    }
  });
  formBox.append(build());
  changed();
  return h(
    "div",
    { class: "step-editor" },
    formBox,
    problem,
    h(
      "details",
      { class: "raw-json" },
      h("summary", {}, "Advanced: settings as JSON"),
      field("Settings (JSON)", json, "Every key the step takes, also those the form does not show."),
      jsonNote,
    ),
  );
}
