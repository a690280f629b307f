import { api, errorText, type FieldsMismatchEffect, type Settings } from "../api.ts";
import { field, formatDate, h } from "../h.ts";
import type { PageContext } from "../main.ts";

/** A secret shown once, with a copy button; it is not kept anywhere after the page changes. */
function secretBox(label: string, value: string): HTMLElement {
  const out = h("input", { readonly: true, value, class: "secret", "aria-label": label });
  const copy = h("button", { type: "button", class: "btn secondary small" }, "Copy");
  copy.addEventListener("click", () => {
    void navigator.clipboard?.writeText(value).then(() => {
      copy.textContent = "Copied";
    });
  });
  return h(
    "div",
    { class: "shown-once", role: "alert" },
    h("p", {}, `${label} — shown once, store it now:`),
    h("div", { class: "inline" }, out, copy),
  );
}

/** What `fields_mismatch` (printed fields disagree with the MRZ or barcode) does to a session. */
const MISMATCH_EFFECTS: ReadonlyArray<{ value: FieldsMismatchEffect; label: string; hint: string }> = [
  { value: "review", label: "Manual review", hint: "The session waits for an operator (the default)." },
  { value: "reject", label: "Reject", hint: "The session is rejected with reason fields_mismatch." },
  {
    value: "ignore",
    label: "Ignore",
    hint: "The decision does not change; the field comparison still shows in the session.",
  },
];

/** A radio group (arrow keys move within it); each choice's hint is its description. */
function mismatchChoice(current: FieldsMismatchEffect): {
  group: HTMLElement;
  value: () => FieldsMismatchEffect;
} {
  const radios = MISMATCH_EFFECTS.map((e) => {
    const id = `fields-mismatch-${e.value}`;
    const radio = h("input", {
      type: "radio",
      name: "fields_mismatch_effect",
      value: e.value,
      id,
      "aria-describedby": `${id}-hint`,
      ...(e.value === current ? { checked: true } : {}),
    });
    return {
      radio,
      el: h(
        "div",
        { class: "choice" },
        h("label", { class: "check", for: id }, radio, ` ${e.label}`),
        h("small", { class: "hint", id: `${id}-hint` }, e.hint),
      ),
    };
  });
  const group = h(
    "fieldset",
    { class: "choices", "data-setting": "fields_mismatch_effect" },
    h("legend", {}, "Printed fields disagree with the MRZ or barcode"),
    radios.map((r) => r.el),
  );
  return {
    group,
    value: () => (radios.find((r) => r.radio.checked)?.radio.value ?? current) as FieldsMismatchEffect,
  };
}

function companyForm(ctx: PageContext, s: Settings): HTMLElement {
  const input = (name: string, value: string, attrs: Record<string, string> = {}) =>
    h("input", { name, value, ...attrs });
  const name = input("name", s.name, { required: "" });
  const callbackUrl = input("callback_url", s.callback_url ?? "", { type: "url", placeholder: "https://…" });
  const callbackKey = input("callback_key", "", {
    type: "password",
    autocomplete: "off",
    placeholder: s.callback_key_set ? "(set — leave empty to keep)" : "(none)",
  });
  const origins = h("textarea", { name: "allowed_origins", rows: 3 });
  origins.value = s.allowed_origins.join("\n");
  const ttl = input("session_ttl_minutes", String(s.session_ttl_minutes), {
    type: "number",
    min: "1",
    max: "10080",
  });
  const retention = input("retention_days", s.retention_days === null ? "" : String(s.retention_days), {
    type: "number",
    min: "1",
    placeholder: "keep forever",
  });
  const accept = input("accept_similarity", String(s.accept_similarity), {
    type: "number",
    step: "0.01",
    min: "0",
    max: "1",
  });
  const reject = input("reject_similarity", String(s.reject_similarity), {
    type: "number",
    step: "0.01",
    min: "0",
    max: "1",
  });
  const mismatch = mismatchChoice(s.fields_mismatch_effect);
  const colour = input("primary_color", s.branding.primary_color || "#2457d6", { type: "color" });
  const logo = input("logo_url", s.branding.logo_url, { type: "url", placeholder: "https://…/logo.png" });
  const tsRequired = h("input", {
    type: "checkbox",
    name: "hmac_timestamp_required",
    ...(s.hmac_timestamp_required ? { checked: true } : {}),
  });
  const status = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card", "data-form": "settings" },
    h("h2", {}, "Company"),
    field("Name", name),
    h(
      "div",
      { class: "row" },
      field("Face match: accept at or above", accept),
      field("Face match: reject below", reject, "Between the two, sessions go to manual review."),
    ),
    mismatch.group,
    h(
      "div",
      { class: "row" },
      field("Session link lifetime (minutes)", ttl),
      field("Data retention (days)", retention, "Empty: keep until deleted."),
    ),
    field(
      "Allowed iframe origins (one per line)",
      origins,
      "Sites that may embed the widget, like https://shop.example.",
    ),
    h("div", { class: "row" }, field("Callback URL", callbackUrl), field("Callback key", callbackKey)),
    h("label", { class: "check" }, tsRequired, " Require the signed timestamp header (replay guard)"),
    h("h3", {}, "Widget branding"),
    h("div", { class: "row" }, field("Main colour", colour), field("Logo URL", logo)),
    status,
    h("button", { type: "submit", class: "btn primary" }, "Save settings"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    status.textContent = "";
    const body: Record<string, unknown> = {
      name: name.value,
      callback_url: callbackUrl.value.trim() || null,
      allowed_origins: origins.value.split(/\s+/).filter(Boolean),
      session_ttl_minutes: Number(ttl.value),
      retention_days: retention.value.trim() ? Number(retention.value) : null,
      accept_similarity: Number(accept.value),
      reject_similarity: Number(reject.value),
      fields_mismatch_effect: mismatch.value(),
      hmac_timestamp_required: tsRequired.checked,
      branding: { primary_color: colour.value, logo_url: logo.value.trim() },
    };
    if (callbackKey.value) body.callback_key = callbackKey.value;
    api
      .saveSettings(body)
      .then(() => ctx.notify("Settings saved."))
      .catch((err: unknown) => {
        status.textContent = errorText(err);
      });
  });
  return form;
}

async function keysSection(ctx: PageContext, s: Settings): Promise<HTMLElement> {
  const { items } = await api.keys();
  const shown = h("div", {});
  const section = h("section", { class: "card" });
  const refresh = (secret?: HTMLElement) => {
    void keysSection(ctx, s).then((next) => {
      if (secret) next.querySelector("[data-shown]")?.replaceChildren(secret);
      section.replaceWith(next);
    });
  };
  shown.dataset.shown = "";
  const act = (label: string, fn: () => Promise<unknown>) =>
    h(
      "button",
      {
        type: "button",
        class: "btn secondary small",
        onclick: () => {
          fn().catch((err: unknown) => ctx.notify(errorText(err), "error"));
        },
      },
      label,
    );
  section.append(
    h("h2", {}, "API keys"),
    h(
      "p",
      { class: "hint" },
      "Keys are shown once when made. Add a key, deploy it, then revoke the old one; or rotate to replace every key at once.",
    ),
    shown,
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Key", "Created", "Status", ""].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        {},
        items.map((k) =>
          h(
            "tr",
            {},
            h("td", {}, h("code", {}, k.prefix)),
            h("td", {}, formatDate(k.created_at)),
            h("td", {}, k.revoked_at ? `revoked ${formatDate(k.revoked_at)}` : "active"),
            h(
              "td",
              {},
              k.revoked_at
                ? ""
                : act("Revoke", async () => {
                    if (!confirm("Revoke this key? Calls with it will fail at once.")) return;
                    await api.revokeKey(k.key_id);
                    refresh();
                  }),
            ),
          ),
        ),
      ),
    ),
    h(
      "div",
      { class: "buttons" },
      act("Add a key", async () => {
        const k = await api.createKey();
        refresh(secretBox("New company_key", k.company_key));
      }),
      act("Rotate (revoke all, issue one)", async () => {
        if (!confirm("Revoke every key and issue a new one?")) return;
        const k = await api.rotateKeys();
        refresh(secretBox("New company_key", k.company_key));
      }),
    ),
    h("h3", {}, "HMAC signing"),
    h("p", {}, s.hmac ? "Every API call must be signed with the secret key." : "Requests are not signed."),
    h(
      "div",
      { class: "buttons" },
      act(s.hmac ? "Issue a new secret" : "Require signatures (issue a secret)", async () => {
        if (!confirm("Issue a new HMAC secret? Calls signed with the old one will fail.")) return;
        const r = await api.hmacSecret(true);
        s.hmac = true;
        refresh(secretBox("New secret_key", r.secret_key ?? ""));
      }),
      s.hmac
        ? act("Stop requiring signatures", async () => {
            if (!confirm("Drop the secret and accept unsigned calls?")) return;
            await api.hmacSecret(false);
            s.hmac = false;
            refresh();
          })
        : null,
    ),
  );
  return section;
}

async function usersSection(ctx: PageContext): Promise<HTMLElement> {
  const { items } = await api.users();
  const section = h("section", { class: "card" });
  const email = h("input", { type: "email", name: "email", required: true });
  const role = h(
    "select",
    { name: "role" },
    h("option", { value: "operator" }, "operator"),
    h("option", { value: "admin" }, "admin"),
  );
  const shown = h("div", {});
  const form = h(
    "form",
    { class: "row" },
    field("Email", email),
    field("Role", role),
    h(
      "div",
      { class: "field actions-inline" },
      h("button", { type: "submit", class: "btn secondary small" }, "Add user"),
    ),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    api
      .createUser(email.value, role.value)
      .then((r) =>
        usersSection(ctx).then((next) => {
          next
            .querySelector("[data-shown]")
            ?.replaceChildren(secretBox(`Password of ${r.user.email}`, r.password));
          section.replaceWith(next);
        }),
      )
      .catch((err: unknown) => ctx.notify(errorText(err), "error"));
  });
  shown.dataset.shown = "";
  section.append(
    h("h2", {}, "Users"),
    shown,
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Email", "Role", "Status", ""].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        {},
        items.map((u) =>
          h(
            "tr",
            {},
            h("td", {}, u.email),
            h("td", {}, u.role),
            h("td", {}, u.disabled ? "disabled" : "active"),
            h(
              "td",
              {},
              u.user_id === ctx.me.user.user_id
                ? h("span", { class: "hint" }, "you")
                : h(
                    "button",
                    {
                      type: "button",
                      class: "btn secondary small",
                      onclick: () => {
                        api
                          .setUserDisabled(u.user_id, !u.disabled)
                          .then(() => usersSection(ctx))
                          .then((next) => section.replaceWith(next))
                          .catch((err: unknown) => ctx.notify(errorText(err), "error"));
                      },
                    },
                    u.disabled ? "Enable" : "Disable",
                  ),
            ),
          ),
        ),
      ),
    ),
    form,
  );
  return section;
}

export async function renderSettings(ctx: PageContext): Promise<void> {
  const s = await api.settings();
  ctx.main.replaceChildren(
    h("div", { class: "page-head" }, h("h1", {}, "Settings"), h("code", {}, `company_id ${s.company_id}`)),
    h(
      "div",
      { class: "grid2" },
      companyForm(ctx, s),
      h("div", {}, await keysSection(ctx, s), await usersSection(ctx)),
    ),
  );
}
