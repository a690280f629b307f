/**
 * KYB company data: the fields the step chose, and the registration documents (PDF or photos),
 * uploaded as they are picked. The server checks again and names the field that failed.
 * @module
 */
import { h } from "../ui/h.ts";
import { field, formError, showError } from "./form-ui.ts";
import { button } from "./render-message.ts";
import type { StepMessageKey, StepTranslate } from "./step-messages.ts";

export interface CompanySpec {
  fields: string[];
  required: string[];
  minDocuments: number;
  maxDocuments: number;
}

export interface CompanyDataOptions {
  t: StepTranslate;
  spec: CompanySpec;
  upload: (file: File) => Promise<string>;
  submit: (data: { fields: Record<string, string>; documents: string[] }) => Promise<void>;
  describe: (err: unknown) => { message: string } | null;
}

const INPUT_TYPES: Record<string, string> = {
  registration_date: "date",
  email: "email",
  phone: "tel",
  website: "url",
};

export function renderCompanyData(o: CompanyDataOptions): HTMLElement {
  const { t, spec } = o;
  const inputs = new Map<string, HTMLInputElement>();
  const form = h("form", { novalidate: true });
  for (const name of spec.fields) {
    const input = h("input", {
      type: INPUT_TYPES[name] ?? "text",
      name,
      ...(name === "country" ? { maxlength: "3", autocapitalize: "characters" } : {}),
    });
    if (spec.required.includes(name)) input.required = true;
    inputs.set(name, input);
    const label = t(name as StepMessageKey);
    form.append(field(spec.required.includes(name) ? label : `${label} (${t("optional")})`, input, { name }));
  }
  const documents: string[] = [];
  const docStatus = h("ul", { class: "people-status", "data-documents": "" });
  const docInput = h("input", {
    type: "file",
    name: "documents",
    accept: "application/pdf,image/*",
    multiple: true,
  });
  docInput.addEventListener("change", () => {
    for (const file of docInput.files ?? []) {
      const item = h("li", {}, h("span", {}, file.name), h("span", { class: "badge" }, t("uploading")));
      docStatus.append(item);
      o.upload(file).then(
        (id) => {
          documents.push(id);
          const stale = form.querySelector<HTMLElement>('[data-error-for="documents"]');
          if (stale) stale.textContent = "";
          item.replaceChildren(h("span", {}, file.name), h("span", { class: "badge approved" }, "✓"));
        },
        (err: unknown) => {
          item.remove();
          const d = o.describe(err);
          if (d) showError(form, "documents", d.message);
        },
      );
    }
    docInput.value = "";
  });
  const docLabel = spec.minDocuments > 0 ? t("documents") : `${t("documents")} (${t("optional")})`;
  const docRow = field(docLabel, docInput, { name: "documents" });
  docRow.append(docStatus);
  form.append(docRow, formError());

  const submit = () => {
    const fields: Record<string, string> = {};
    for (const [name, input] of inputs) if (input.value.trim() !== "") fields[name] = input.value.trim();
    o.submit({ fields, documents: [...documents] }).catch((err: unknown) => {
      const d = o.describe(err);
      if (!d) return;
      const name = d.message.split(":")[0]?.trim() ?? "";
      showError(form, inputs.has(name) || name === "documents" ? name : null, d.message);
    });
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  return h(
    "section",
    { class: "screen", "data-screen": "company-data" },
    h("h1", {}, t("companyTitle")),
    form,
    h("div", { class: "actions" }, button(t("next"), "submit-company", submit)),
  );
}
