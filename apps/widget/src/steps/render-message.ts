import { h } from "../ui/h.ts";

/** A titled message screen (final screens, link problems, errors), with optional actions. */
export function renderMessage(
  name: string,
  title: string,
  body: string,
  ...given: Array<HTMLElement | null>
): HTMLElement {
  const actions = given.filter((a): a is HTMLElement => a !== null);
  return h(
    "section",
    { class: "screen message", "data-screen": name },
    h("h1", {}, title),
    h("p", {}, body),
    actions.length > 0 ? h("div", { class: "actions" }, ...actions) : null,
  );
}

export function button(
  label: string,
  action: string,
  onClick: () => void,
  variant: "primary" | "secondary" = "primary",
): HTMLButtonElement {
  return h(
    "button",
    { type: "button", class: `btn ${variant}`, "data-action": action, onclick: onClick },
    label,
  );
}
