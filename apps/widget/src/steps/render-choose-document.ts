import type { MessageKey, Translate } from "../i18n/translate.ts";
import { h } from "../ui/h.ts";
import { button } from "./render-message.ts";

const LABELS: Record<string, MessageKey> = {
  id: "docTypeId",
  passport: "docTypePassport",
  driver_license: "docTypeDriverLicense",
  residence_license: "docTypeResidenceLicense",
};

function countryName(code: string, lang: string): string {
  // ISO alpha-3 codes have no Intl display name; show the code itself, which people recognise.
  try {
    const names = new Intl.DisplayNames([lang], { type: "region" });
    return code.length === 2 ? (names.of(code) ?? code) : code;
  } catch {
    return code;
  }
}

export function renderChooseDocument(
  t: Translate,
  lang: string,
  types: readonly string[],
  countries: readonly string[],
  onChoose: (documentType: string, country: string | null) => void,
): HTMLElement {
  let chosen = types[0] ?? "passport";
  const options = types.map((type, i) =>
    h(
      "label",
      { class: "choice" },
      h("input", {
        type: "radio",
        name: "document-type",
        value: type,
        checked: i === 0,
        onchange: () => {
          chosen = type;
        },
      }),
      h("span", {}, t(LABELS[type] ?? "docTypeId")),
    ),
  );
  const select =
    countries.length > 1
      ? h(
          "select",
          { id: "document-country", name: "document-country" },
          ...countries.map((c) => h("option", { value: c }, countryName(c, lang))),
        )
      : null;
  return h(
    "section",
    { class: "screen", "data-screen": "choose-document" },
    h("h1", {}, t("chooseDocumentTitle")),
    h(
      "fieldset",
      { class: "choices" },
      h("legend", { class: "sr-only" }, t("chooseDocumentTitle")),
      ...options,
    ),
    select ? h("label", { class: "field", for: "document-country" }, t("chooseCountry")) : null,
    select,
    h(
      "div",
      { class: "actions" },
      button(t("continue"), "continue", () =>
        onChoose(chosen, select ? select.value : (countries[0] ?? null)),
      ),
    ),
  );
}
