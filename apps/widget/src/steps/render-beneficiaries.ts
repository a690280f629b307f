/**
 * KYB beneficiaries: the representative lists owners and directors (name, roles, share, e-mail or
 * phone); each gets a child KYC session and its link. Then the list shows each person's progress
 * (refreshable) until the representative continues.
 * @module
 */
import { h, show } from "../ui/h.ts";
import { field, formError, showError, uid } from "./form-ui.ts";
import { button } from "./render-message.ts";
import type { StepMessageKey, StepTranslate } from "./step-messages.ts";

export interface BeneficiaryStatus {
  id: string;
  first_name: string;
  last_name: string;
  roles: string[];
  status: string;
  link_sent_via: string | null;
  link_error: string | null;
}

export interface BeneficiariesOptions {
  t: StepTranslate;
  min: number;
  max: number;
  roles: string[];
  submit: (people: Record<string, unknown>[]) => Promise<void>;
  progress: () => Promise<BeneficiaryStatus[]>;
  resend: (id: string) => Promise<void>;
  describe: (err: unknown) => { message: string } | null;
  onContinue: () => void;
}

function personForm(
  o: BeneficiariesOptions,
  n: number,
  onRemove: () => void,
): { el: HTMLElement; read: () => Record<string, unknown> } {
  const { t } = o;
  const first = h("input", { type: "text", name: "first_name", autocomplete: "off", required: true });
  const last = h("input", { type: "text", name: "last_name", autocomplete: "off", required: true });
  const gid = uid("roles");
  const roles = h(
    "fieldset",
    { class: "inline-choices", id: gid },
    h("legend", { class: "sr-only" }, t("roles")),
    ...o.roles.map((r) =>
      h(
        "label",
        {},
        h("input", { type: "checkbox", name: `${gid}-role`, value: r }),
        t(`role_${r}` as StepMessageKey),
      ),
    ),
  );
  const share = h("input", {
    type: "number",
    name: "share",
    min: "0",
    max: "100",
    step: "any",
    inputmode: "decimal",
  });
  const email = h("input", { type: "email", name: "email", autocomplete: "off" });
  const phone = h("input", { type: "tel", name: "phone", autocomplete: "off" });
  const el = h(
    "fieldset",
    { class: "person", "data-person": String(n) },
    h("legend", {}, t("person", { n })),
    field(t("firstName"), first),
    field(t("lastName"), last),
    field(t("roles"), roles),
    field(`${t("share")} (${t("optional")})`, share),
    field(t("email"), email),
    field(`${t("phone")} (${t("optional")})`, phone),
    n > 1 ? button(t("removePerson"), "remove-person", onRemove, "secondary") : null,
  );
  return {
    el,
    read: () => ({
      first_name: first.value.trim(),
      last_name: last.value.trim(),
      roles: [...roles.querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value),
      ...(share.value.trim() !== "" ? { share: Number(share.value) } : {}),
      ...(email.value.trim() !== "" ? { email: email.value.trim() } : {}),
      ...(phone.value.trim() !== "" ? { phone: phone.value.trim() } : {}),
    }),
  };
}

export function renderBeneficiaries(root: HTMLElement, o: BeneficiariesOptions): void {
  const { t } = o;
  const people: ReturnType<typeof personForm>[] = [];
  const list = h("div", { class: "people" });
  const form = h("form", { novalidate: true }, list, formError());

  function redraw(): void {
    list.replaceChildren(
      ...people.map((p, i) => {
        p.el.querySelector("legend")?.replaceChildren(t("person", { n: i + 1 }));
        return p.el;
      }),
    );
    add.disabled = people.length >= o.max;
  }
  function addPerson(): void {
    const p = personForm(o, people.length + 1, () => {
      people.splice(people.indexOf(p), 1);
      redraw();
    });
    people.push(p);
    redraw();
  }
  const add = button(t("addPerson"), "add-person", addPerson, "secondary");
  const submit = () => {
    o.submit(people.map((p) => p.read())).then(
      () => void showProgress(),
      (err: unknown) => {
        const d = o.describe(err);
        if (d) showError(form, null, d.message);
      },
    );
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  for (let i = 0; i < Math.max(1, o.min); i++) addPerson();
  show(
    root,
    h(
      "section",
      { class: "screen", "data-screen": "beneficiaries" },
      h("h1", {}, t("beneficiariesTitle")),
      h("p", {}, t("beneficiariesBody")),
      form,
      h("div", { class: "actions" }, add, button(t("sendLinks"), "send-links", submit)),
    ),
  );

  async function showProgress(): Promise<void> {
    const items = h("ul", { class: "people-status", "data-progress": "" });
    const draw = async () => {
      const rows = await o.progress();
      items.replaceChildren(
        ...rows.map((b) =>
          h(
            "li",
            { "data-beneficiary": b.id },
            h(
              "span",
              {},
              `${b.first_name} ${b.last_name}`,
              h("br"),
              h(
                "small",
                {},
                b.link_sent_via ? t(`linkSent_${b.link_sent_via}` as StepMessageKey) : t("linkFailed"),
              ),
            ),
            h("span", { class: `badge ${b.status}` }, t(`status_${b.status}` as StepMessageKey)),
            b.link_sent_via
              ? null
              : button(t("resendLink"), "resend-link", () => void o.resend(b.id).then(draw), "secondary"),
          ),
        ),
      );
    };
    await draw();
    show(
      root,
      h(
        "section",
        { class: "screen", "data-screen": "beneficiaries-progress" },
        h("h1", {}, t("progressTitle")),
        h("p", {}, t("progressBody")),
        items,
        h(
          "div",
          { class: "actions" },
          button(t("next"), "continue", o.onContinue),
          button(t("refresh"), "refresh", () => void draw(), "secondary"),
        ),
      ),
    );
  }
}
