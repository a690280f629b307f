import type { Translate } from "../i18n/translate.ts";
import { h } from "../ui/h.ts";
import { button } from "./render-message.ts";

export function renderConsent(t: Translate, onAnswer: (agree: boolean) => void): HTMLElement {
  return h(
    "section",
    { class: "screen", "data-screen": "consent" },
    h("h1", {}, t("consentTitle")),
    h("p", {}, t("consentBody")),
    h(
      "div",
      { class: "actions" },
      button(t("consentAgree"), "agree", () => onAnswer(true)),
      button(t("consentRefuse"), "refuse", () => onAnswer(false), "secondary"),
    ),
  );
}
