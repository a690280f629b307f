import { h } from "../ui/h.ts";
import { button } from "./render-message.ts";
import { LANGUAGE_NAMES, type StepTranslate } from "./step-messages.ts";

/** The language step: one button per offered language, in its own name. */
export function renderLanguage(
  t: StepTranslate,
  languages: readonly string[],
  onChoose: (lang: string) => void,
): HTMLElement {
  return h(
    "section",
    { class: "screen", "data-screen": "language" },
    h("h1", {}, t("languageTitle")),
    h(
      "div",
      { class: "languages" },
      ...languages.map((l) => {
        const b = button(LANGUAGE_NAMES[l] ?? l, `language-${l}`, () => onChoose(l), "secondary");
        b.lang = l;
        return b;
      }),
    ),
  );
}
