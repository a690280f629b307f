/**
 * The user questionnaire: one control per question type, conditional questions shown and hidden as
 * the answers change (flow/step-forms.ts), files uploaded as soon as they are chosen. The server
 * checks everything again; its error names the question, which is marked.
 * @module
 */
import {
  answerOf,
  labelOf,
  type QuestionDef,
  type QuestionnaireDef,
  visibleQuestions,
} from "../flow/step-forms.ts";
import { h } from "../ui/h.ts";
import { field, formError, uid } from "./form-ui.ts";
import { button } from "./render-message.ts";
import type { StepTranslate } from "./step-messages.ts";

export interface QuestionnaireOptions {
  t: StepTranslate;
  lang: string;
  def: QuestionnaireDef;
  upload: (file: File) => Promise<string>;
  submit: (answers: Record<string, unknown>) => void;
}

export function renderQuestionnaire(o: QuestionnaireOptions): { element: HTMLElement; form: HTMLElement } {
  const { t, lang, def } = o;
  const readers = new Map<string, () => unknown>();
  const rows = new Map<string, HTMLElement>();
  const files = new Map<string, string>();

  function control(q: QuestionDef): HTMLElement {
    const label = labelOf(q.label, lang, q.key);
    const title = q.required ? label : `${label} (${t("optional")})`;
    const id = uid(`q-${q.key}`);
    const onChange = () => refresh();
    switch (q.type) {
      case "yes-no":
      case "single-choice": {
        const options =
          q.type === "yes-no"
            ? [
                { value: "yes", text: t("yes") },
                { value: "no", text: t("no") },
              ]
            : (q.options ?? []).map((op) => ({ value: op.value, text: labelOf(op.label, lang, op.value) }));
        const group = h(
          "fieldset",
          { class: "inline-choices", id },
          h("legend", { class: "sr-only" }, title),
          ...options.map((op) =>
            h(
              "label",
              {},
              h("input", { type: "radio", name: id, value: op.value, onchange: onChange }),
              op.text,
            ),
          ),
        );
        readers.set(q.key, () =>
          answerOf(q, group.querySelector<HTMLInputElement>("input:checked")?.value ?? null),
        );
        return field(title, group, { name: q.key });
      }
      case "multiple-choice": {
        const group = h(
          "fieldset",
          { class: "inline-choices", id },
          h("legend", { class: "sr-only" }, title),
          ...(q.options ?? []).map((op) =>
            h(
              "label",
              {},
              h("input", { type: "checkbox", name: id, value: op.value, onchange: onChange }),
              labelOf(op.label, lang, op.value),
            ),
          ),
        );
        readers.set(q.key, () =>
          answerOf(
            q,
            [...group.querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value),
          ),
        );
        return field(title, group, { name: q.key });
      }
      case "file": {
        const status = h("p", { class: "status", role: "status" });
        const input = h("input", { type: "file", id, accept: "image/*,application/pdf" });
        input.addEventListener("change", () => {
          const file = input.files?.[0];
          if (!file) return;
          status.textContent = t("uploading");
          o.upload(file).then(
            (mediaId) => {
              files.set(q.key, mediaId);
              status.textContent = t("uploaded", { name: file.name });
            },
            () => {
              status.textContent = "";
              files.delete(q.key);
            },
          );
        });
        readers.set(q.key, () => files.get(q.key));
        const row = field(title, input, { name: q.key });
        row.append(status);
        return row;
      }
      default: {
        const input = h("input", {
          id,
          type: q.type === "number" ? "number" : q.type === "date" ? "date" : "text",
          ...(q.type === "number" ? { inputmode: "decimal", step: "any" } : {}),
          ...(q.max_length ? { maxlength: String(q.max_length) } : {}),
          oninput: onChange,
        });
        if (q.required) input.required = true;
        readers.set(q.key, () => answerOf(q, input.value));
        return field(title, input, { name: q.key });
      }
    }
  }

  const form = h("form", { class: "questionnaire", novalidate: true });
  for (const q of def.questions) {
    const row = control(q);
    rows.set(q.key, row);
    form.append(row);
  }
  form.append(formError());

  function answers(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, read] of readers) {
      const v = read();
      if (v !== undefined) out[key] = v;
    }
    return out;
  }

  function refresh(): void {
    const visible = new Set(visibleQuestions(def, answers()));
    for (const [key, row] of rows) row.hidden = !visible.has(key);
  }
  refresh();

  function send(): void {
    const visible = new Set(visibleQuestions(def, answers()));
    const all = answers();
    // Only what the person can see is sent: a hidden question's earlier answer does not count.
    o.submit(Object.fromEntries(Object.entries(all).filter(([k]) => visible.has(k))));
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    send();
  });
  const title = def.title ? labelOf(def.title, lang, t("questionnaireTitle")) : t("questionnaireTitle");
  const element = h(
    "section",
    { class: "screen", "data-screen": "questionnaire" },
    h("h1", {}, title),
    form,
    h("div", { class: "actions" }, button(t("next"), "submit-answers", send)),
  );
  return { element, form };
}
