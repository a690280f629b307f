/** Small form pieces shared by the input steps' screens: labelled fields and inline errors. */
import { h } from "../ui/h.ts";

let counter = 0;

/** A unique id for a label's `for`. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled control with a hint line and an error line announced to screen readers. */
export function field(
  label: string,
  control: HTMLElement,
  opts: { hint?: string; name?: string } = {},
): HTMLElement {
  const id = control.id || uid("f");
  control.id = id;
  const error = h("p", { class: "field-error", role: "alert", "data-error-for": opts.name ?? id });
  control.setAttribute("aria-describedby", `${id}-error`);
  error.id = `${id}-error`;
  return h(
    "div",
    { class: "form-row", ...(opts.name ? { "data-field": opts.name } : {}) },
    h("label", { class: "field", for: id }, label),
    opts.hint ? h("p", { class: "hint" }, opts.hint) : null,
    control,
    error,
  );
}

/** Shows `message` under the field named `name` (or in the form's general error line). */
export function showError(form: HTMLElement, name: string | null, message: string): void {
  for (const e of form.querySelectorAll<HTMLElement>(".field-error")) e.textContent = "";
  const target = name ? form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(name)}"]`) : null;
  const line = target ?? form.querySelector<HTMLElement>(".form-error");
  // At its field, the server's "name: why" needs no name.
  if (line)
    line.textContent =
      target && name && message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
  const control = target?.parentElement?.querySelector<HTMLElement>("input, select, textarea");
  control?.focus();
}

export function formError(): HTMLElement {
  return h("p", { class: "form-error field-error", role: "alert" });
}
